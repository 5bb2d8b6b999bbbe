"""Independent groups (``solver.split``), their use by ``engine.solve``, and the
nearest-available greedy baseline (``dispatch.baseline``): tiny line instances."""

from __future__ import annotations

from doorstep.dispatch.baseline import greedy
from doorstep.dispatch.solver import engine, split
from doorstep.dispatch.solver.model import Break, Objective, Provider, Task, Visit

from .solver_fixtures import line_problem, routes

A = frozenset({"inst:a"})
B = frozenset({"inst:b"})

# positions: 0 home a, 1 home b, then visits
XS = [0, 100, 10, 20, 90, 80, 50]


def _visit(vid: str, loc: int, creds: frozenset[str], earliest: int = 0, latest: int = 10**6):
    return Visit(
        id=vid,
        location=loc,
        tasks=(Task(duration=5, credentials=creds),),
        earliest=earliest,
        latest=latest,
        lateness_cost=1,
    )


def _two_institutions():
    visits = [
        _visit("a1", 2, A),
        _visit("a2", 3, A),
        _visit("b1", 4, B),
        _visit("b2", 5, B),
        _visit("nobody", 6, frozenset({"inst:c"})),
    ]
    providers = [
        Provider(id="pa", start_location=0, end_location=0, credentials=A),
        Provider(id="pb", start_location=1, end_location=1, credentials=B),
    ]
    return line_problem(XS, visits, providers, Objective(distance=1, lateness=1))


def test_parts_split_by_who_may_serve_what() -> None:
    problem = _two_institutions()
    got = split.parts(problem)
    assert [(g.visits, g.providers) for g in got] == [((0, 1), (0,)), ((2, 3), (1,)), ((4,), ())]


def test_subproblem_renumbers_locations_and_cuts_matrices() -> None:
    problem = _two_institutions()
    sub = split.subproblem(problem, split.parts(problem)[1])
    assert [p.id for p in sub.providers] == ["pb"]
    assert [v.id for v in sub.visits] == ["b1", "b2"]
    # locations: home b, then the two visits (90, 80)
    assert sub.providers[0].start_location == 0
    assert [v.location for v in sub.visits] == [1, 2]
    assert sub.matrices["car"].distance == [[0, 10, 20], [10, 0, 10], [20, 10, 0]]


def test_engine_solves_groups_and_merges_one_plan() -> None:
    problem = _two_institutions()
    solution = engine.solve(problem, time_limit=0.5, seed=1)
    assert {k: sorted(v) for k, v in routes(solution).items()} == {
        "pa": ["a1", "a2"],
        "pb": ["b1", "b2"],
    }
    assert solution.unassigned == ("nobody",)
    # 0 -> 10 -> 20 -> 0 and 100 -> 80 -> 90 -> 100
    assert solution.cost.distance == 40 + 40
    assert solution.cost.lateness_sum == 0


def test_engine_split_costs_the_sum_of_the_groups_alone() -> None:
    problem = _two_institutions()
    whole = engine.solve(problem, time_limit=0.5, seed=1)
    alone = [
        engine.solve(split.subproblem(problem, part), time_limit=0.5, seed=1)
        for part in split.parts(problem)
    ]
    assert whole.cost.distance == sum(s.cost.distance for s in alone) == 80
    assert sorted(whole.unassigned) == sorted(v for s in alone for v in s.unassigned)


def test_greedy_takes_the_nearest_provider_who_is_on_time() -> None:
    # two providers at 0 and 100; a visit at 20 due at 30: the one at 0 is nearest and
    # on time; a visit at 90 due at 40: only the one at 100 is on time
    visits = [
        _visit("near0", 3, A, earliest=30, latest=30),
        _visit("near100", 4, A, earliest=40, latest=40),
    ]
    providers = [
        Provider(id="p0", start_location=0, end_location=0, credentials=A),
        Provider(id="p100", start_location=1, end_location=1, credentials=A),
    ]
    problem = line_problem(XS, visits, providers, Objective(distance=1, lateness=1))
    solution = greedy(problem)
    assert routes(solution) == {"p0": ["near0"], "p100": ["near100"]}
    assert solution.cost.lateness_sum == 0


def test_greedy_keeps_room_for_the_break() -> None:
    # one provider at x=0 with a 50-unit break starting between 10 and 20: the visit at
    # x=10 starting at 15 ends at 20, when the break can still start; the visit at
    # x=20 at 30 is then out of reach (break 20-70), so it goes to the provider at x=50
    # (on time, though farther) instead of the nearest one
    visits = [
        _visit("first", 2, A, earliest=15, latest=15),
        _visit("second", 3, A, earliest=30, latest=30),
    ]
    providers = [
        Provider(
            id="pbreak",
            start_location=0,
            end_location=0,
            credentials=A,
            break_=Break(earliest=10, latest=20, duration=50),
        ),
        Provider(id="pfree", start_location=6, end_location=6, credentials=A),
    ]
    problem = line_problem(XS, visits, providers, Objective(distance=1, lateness=1))
    solution = greedy(problem)
    assert routes(solution) == {"pbreak": ["first"], "pfree": ["second"]}
    assert solution.feasible
    assert solution.cost.lateness_sum == 0
    assert solution.route_of("pbreak").break_start == 20  # type: ignore[union-attr]
