"""The PyVRP path of the engine on tiny line instances (travel = |x_i - x_j|).

Every expected value is worked out by hand in the docstring.
"""

from __future__ import annotations

import random

import pytest

from doorstep.dispatch.solver import engine
from doorstep.dispatch.solver.model import Objective, Provider, Task, Visit, single_visit
from doorstep.dispatch.solver.pyvrp_adapter import solve_pyvrp, unsupported
from doorstep.dispatch.tests.solver_fixtures import line_problem, routes


def _solve(problem, **kw):
    return engine.solve(problem, time_limit=kw.pop("time_limit", 0.3), seed=kw.pop("seed", 1), **kw)


def test_skill_level_refuses_the_nearer_provider():
    """A (level 0) lives at 0, B (level 2) at 100; the visit at 10 needs level 2.
    Without skills A would serve it for 20; B must, for 180."""
    problem = line_problem(
        [0, 100, 10],
        [single_visit("v", 2, 5, min_level=2)],
        [Provider("A", 0, 0, level=0), Provider("B", 1, 1, level=2)],
    )
    solution = _solve(problem)
    assert routes(solution) == {"B": ["v"]}
    assert solution.cost.distance == 180
    assert solution.feasible


def test_missing_credential_leaves_a_required_visit_unassigned_and_infeasible():
    """Only A works and A lacks the "wound_care" credential: nobody may serve the visit."""
    problem = line_problem(
        [0, 10],
        [single_visit("v", 1, 5, credentials=frozenset({"wound_care"}))],
        [Provider("A", 0, 0, level=5, credentials=frozenset({"injection"}))],
    )
    solution = _solve(problem)
    assert routes(solution) == {}
    assert solution.unassigned == ("v",)
    assert solution.feasible is False


def test_credential_held_is_accepted():
    problem = line_problem(
        [0, 10],
        [single_visit("v", 1, 5, credentials=frozenset({"wound_care"}))],
        [Provider("A", 0, 0, credentials=frozenset({"wound_care", "injection"}))],
    )
    solution = _solve(problem)
    assert routes(solution) == {"A": ["v"]}
    assert solution.cost.distance == 20


def test_time_windows_force_the_order_and_the_start_times():
    """v1 at 10 opens at 50; v2 at 20 must start by 25. Only v2 then v1 works:
    leaving at 0, v2 starts 20, ends 25, v1 reached at 35, waits 15. Leaving 5 later
    (v2 then starts at its latest, 25) cuts the wait to 10: v1 50-55, home at 65."""
    problem = line_problem(
        [0, 10, 20],
        [
            single_visit("v1", 1, 5, earliest=50),
            single_visit("v2", 2, 5, latest=25),
        ],
        [Provider("A", 0, 0)],
    )
    solution = _solve(problem)
    assert routes(solution) == {"A": ["v2", "v1"]}
    route = solution.routes[0]
    assert [(s.arrival, s.start, s.end) for s in route.stops] == [(25, 25, 30), (40, 50, 55)]
    assert (route.departure, route.return_time) == (5, 65)
    assert solution.feasible


@pytest.mark.parametrize("limit", [{"shift_end": 30}, {"max_work": 28}])
def test_shift_end_and_max_work_move_the_visits_to_the_far_provider(limit):
    """A (home 0) doing both visits (10 and 12, 5 each) returns at 34: over a shift ending
    at 30 or a 28 working cap. One each costs at least 20 + 76 = 96; B (home 50) doing
    both costs 80, so B does both and A stays home."""
    problem = line_problem(
        [0, 50, 10, 12],
        [single_visit("v1", 2, 5), single_visit("v2", 3, 5)],
        [Provider("A", 0, 0, **limit), Provider("B", 1, 1)],
    )
    solution = _solve(problem)
    assert set(routes(solution)) == {"B"}
    assert sorted(routes(solution)["B"]) == ["v1", "v2"]
    assert solution.cost.distance == 80


def test_without_the_limit_the_near_provider_does_both():
    problem = line_problem(
        [0, 50, 10, 12],
        [single_visit("v1", 2, 5), single_visit("v2", 3, 5)],
        [Provider("A", 0, 0), Provider("B", 1, 1)],
    )
    solution = _solve(problem)
    assert list(routes(solution)) == ["A"]
    assert sorted(routes(solution)["A"]) == ["v1", "v2"]
    assert solution.cost.distance == 24


def test_capacity_splits_the_visits():
    """Capacity 2, three visits of demand 1 at 10, 11, 12 from home 0: the best split
    is {11, 12} (24) and {10} (20) = 44; one route would be 24."""
    problem = line_problem(
        [0, 10, 11, 12],
        [single_visit(f"v{x}", k, 1, demand=1) for k, x in ((1, 10), (2, 11), (3, 12))],
        [Provider("A", 0, 0, capacity=2), Provider("B", 0, 0, capacity=2)],
    )
    solution = _solve(problem)
    assert sorted(sorted(r) for r in routes(solution).values()) == [["v10"], ["v11", "v12"]]
    assert solution.cost.distance == 44


@pytest.mark.parametrize(
    ("penalty", "served", "total"),
    [(50, False, 20 + 50), (500, True, 200)],
)
def test_optional_visit_is_dropped_when_its_penalty_is_below_the_detour(penalty, served, total):
    """Required v1 at 10, optional v2 at 100: serving v2 adds 180 to the 20 route."""
    problem = line_problem(
        [0, 10, 100],
        [
            single_visit("v1", 1, 5),
            single_visit("v2", 2, 5, required=False, penalty=penalty, priority=1),
        ],
        [Provider("A", 0, 0)],
    )
    solution = _solve(problem)
    assert ("v2" in routes(solution)["A"]) is served
    assert solution.unassigned == (() if served else ("v2",))
    assert solution.cost.unassigned_penalty == (0 if served else penalty)
    assert solution.cost.total == total
    assert solution.feasible


def test_durations_per_level_pick_the_faster_provider():
    """v1 at 10 must start at 10 (window [0, 10]) and takes 30 for level 0, 10 for level
    1+; v2 at 20 must start by 35. With A (level 0) v2 would start at 50; B (level 1)
    reaches it at 30. Splitting costs 60, B doing both 40."""
    slow_fast = Task(duration=30, duration_by_level=(30, 10))
    problem = line_problem(
        [0, 10, 20],
        [
            Visit("v1", 1, (slow_fast,), latest=10),
            single_visit("v2", 2, 5, latest=35),
        ],
        [Provider("A", 0, 0, level=0), Provider("B", 0, 0, level=1)],
    )
    solution = _solve(problem)
    assert routes(solution) == {"B": ["v1", "v2"]}
    assert [s.start for s in solution.routes[0].stops] == [10, 30]


def test_durations_per_provider_are_honoured():
    """Same as above but the fast duration is given for provider B by id."""
    task = Task(duration=30, duration_by_provider={"B": 10})
    problem = line_problem(
        [0, 10, 20],
        [Visit("v1", 1, (task,), latest=10), single_visit("v2", 2, 5, latest=35)],
        [Provider("A", 0, 0), Provider("B", 0, 0)],
    )
    assert routes(_solve(problem)) == {"B": ["v1", "v2"]}


def test_travel_time_weight_counts_in_the_cost():
    problem = line_problem(
        [0, 10],
        [single_visit("v", 1, 5)],
        [Provider("A", 0, 0)],
        objective=Objective(distance=2, travel_time=3),
    )
    solution = _solve(problem)
    assert (solution.cost.distance, solution.cost.travel_time) == (20, 20)
    assert solution.cost.total == 2 * 20 + 3 * 20


def _random_problem(n: int, seed: int):
    rnd = random.Random(seed)
    xs = [0] + [rnd.randrange(-500, 500) for _ in range(n)]
    visits = [single_visit(f"v{k}", k, 10, demand=1) for k in range(1, n + 1)]
    providers = [Provider(f"p{k}", 0, 0, capacity=6) for k in range(4)]
    return line_problem(xs, visits, providers)


def test_fixed_seed_and_iteration_count_give_the_same_plan():
    problem = _random_problem(20, seed=7)
    first = solve_pyvrp(problem, time_limit=60, seed=3, iterations=300)
    second = solve_pyvrp(problem, time_limit=60, seed=3, iterations=300)
    assert routes(first) == routes(second)
    assert first.cost == second.cost
    assert first.feasible
    assert sum(len(r) for r in routes(first).values()) == 20


def test_warm_start_is_returned_as_is_without_iterations():
    """With zero iterations the search returns its start: the given (poor) plan."""
    problem = line_problem(
        [0, 10, 20],
        [single_visit("v1", 1, 5), single_visit("v2", 2, 5)],
        [Provider("A", 0, 0), Provider("B", 0, 0)],
    )
    best = solve_pyvrp(problem, time_limit=1, seed=1)
    assert best.cost.total == 40
    assert len(best.routes) == 1
    # Build a worse plan by hand: one visit each (cost 20 + 40 = 60).
    from doorstep.dispatch.solver.evaluate import evaluate

    split, _ = evaluate(problem, {0: [(1, 0)], 1: [(0, 0)]})
    assert split.cost.total == 60
    again = solve_pyvrp(problem, time_limit=1, seed=1, iterations=0, initial=split)
    assert routes(again) == {"A": ["v2"], "B": ["v1"]}


def test_progress_reports_fraction_and_cost_and_ends_at_one():
    seen: list[tuple[float, float]] = []
    problem = _random_problem(12, seed=2)
    solution = engine.solve(
        problem, time_limit=0.6, seed=1, progress=lambda f, c: seen.append((f, c))
    )
    assert seen
    assert all(0.0 <= f <= 1.0 for f, _ in seen)
    assert seen[-1] == (1.0, float(solution.cost.total))


def test_home_care_features_are_not_sent_to_pyvrp():
    plain = line_problem([0, 10], [single_visit("v", 1, 5)], [Provider("A", 0, 0)])
    soft = line_problem(
        [0, 10], [single_visit("v", 1, 5, latest=3, lateness_cost=1)], [Provider("A", 0, 0)]
    )
    assert unsupported(plain) == []
    assert unsupported(soft) == ["soft lateness (lateness allowed at a cost)"]
    assert engine.route_to(plain) == "pyvrp"
    assert engine.route_to(soft) == "hhc"
