"""The home-care search on tiny hand-checkable problems (places on a line, travel =
distance = |x_i - x_j|), one constraint at a time, fixed seeds and iteration budgets."""

from __future__ import annotations

from doorstep.dispatch.solver.hhc import solve_hhc
from doorstep.dispatch.solver.model import Break, Objective, Provider, Task, Visit
from doorstep.dispatch.tests.solver_fixtures import line_problem, routes

LATE = Objective(distance=1, lateness=1, max_lateness=1)


def solve(problem, seed=1, iterations=60):
    return solve_hhc(problem, time_limit=30, seed=seed, max_iterations=iterations)


def stop(solution, visit, task=0):
    for r in solution.routes:
        for s in r.stops:
            if s.visit == visit and s.task == task:
                return r.provider, s
    raise AssertionError(f"{visit}/{task} not served")


def test_skill_refused_goes_to_the_credentialed_provider():
    """The wound visit sits at B's door, but only A holds the credential."""
    xs = [0, 100, 99]
    wound = Visit(
        id="wound",
        location=2,
        tasks=(Task(duration=5, credentials=frozenset({"wound"})),),
        lateness_cost=1,
    )
    a = Provider(id="A", start_location=0, end_location=0, credentials=frozenset({"wound"}))
    b = Provider(id="B", start_location=1, end_location=1)
    sol = solve(line_problem(xs, [wound], [a, b], LATE))
    assert routes(sol) == {"A": ["wound"]}
    assert sol.cost.distance == 198
    assert sol.feasible


def test_visit_nobody_may_serve_is_left_out_and_the_plan_is_infeasible():
    xs = [0, 5]
    v = Visit(id="v", location=1, tasks=(Task(duration=5, min_level=3),), lateness_cost=1)
    a = Provider(id="A", start_location=0, end_location=0, level=2)
    sol = solve(line_problem(xs, [v], [a], LATE))
    assert sol.unassigned == ("v",)
    assert not sol.feasible
    assert sol.routes == ()


def test_lateness_cost_is_exact_and_chooses_the_cheaper_order():
    """a then b: a starts 10 (5 late x cost 2), b at 30 (25 late x 1); distance 40;
    total = 40 + 35 + max 25 = 100. b then a would cost 40 + 65 + 25 = 130."""
    xs = [0, 10, 20]
    a = Visit(id="a", location=1, tasks=(Task(duration=10),), latest=5, lateness_cost=2)
    b = Visit(id="b", location=2, tasks=(Task(duration=0),), latest=5, lateness_cost=1)
    p = Provider(id="P", start_location=0, end_location=0)
    sol = solve(line_problem(xs, [a, b], [p], LATE))
    assert routes(sol) == {"P": ["a", "b"]}
    assert [s.start for s in sol.routes[0].stops] == [10, 30]
    assert [s.lateness for s in sol.routes[0].stops] == [5, 25]
    c = sol.cost
    assert (c.distance, c.lateness_sum, c.lateness_max, c.total) == (40, 35, 25, 100)


def test_simultaneous_double_visit_starts_together_on_two_providers():
    """P (home 0) arrives at 10, Q (home 30) at 20: both start at 20, 5 late each."""
    xs = [0, 10, 30]
    lift = Visit(
        id="lift",
        location=1,
        tasks=(Task(duration=5), Task(duration=5)),
        latest=15,
        lateness_cost=1,
    )
    p = Provider(id="P", start_location=0, end_location=0)
    q = Provider(id="Q", start_location=2, end_location=2)
    sol = solve(line_problem(xs, [lift], [p, q], LATE))
    who0, s0 = stop(sol, "lift", 0)
    who1, s1 = stop(sol, "lift", 1)
    assert {who0, who1} == {"P", "Q"}
    assert s0.start == s1.start == 20
    c = sol.cost
    assert (c.distance, c.lateness_sum, c.lateness_max, c.total) == (60, 10, 5, 75)
    assert sol.feasible


def test_double_visit_with_gap_waits_for_the_minimum_and_respects_the_maximum():
    """Task 1 (only P, arrives 10), task 2 (only Q). Gap in [10, 15].
    Q at home 10 could start at once: it waits until 10 + 10 = 20.
    Q from home 40 arrives at 30: task 1 must move to 30 - 15 = 15."""
    v = Visit(
        id="v",
        location=1,
        tasks=(
            Task(duration=5, credentials=frozenset({"a"})),
            Task(duration=5, credentials=frozenset({"b"})),
        ),
        gap_min=10,
        gap_max=15,
        latest=100,
        lateness_cost=1,
    )
    p = Provider(id="P", start_location=0, end_location=0, credentials=frozenset({"a"}))
    near = Provider(id="Q", start_location=1, end_location=1, credentials=frozenset({"b"}))
    sol = solve(line_problem([0, 10, 40], [v], [p, near], LATE))
    assert stop(sol, "v", 0)[1].start == 10
    assert stop(sol, "v", 1)[1].start == 20
    far = Provider(id="Q", start_location=2, end_location=2, credentials=frozenset({"b"}))
    sol = solve(line_problem([0, 10, 40], [v], [p, far], LATE))
    assert stop(sol, "v", 0) == ("P", stop(sol, "v", 0)[1])
    assert stop(sol, "v", 0)[1].start == 15
    assert stop(sol, "v", 1)[1].start == 30
    assert sol.feasible


def test_same_provider_never_serves_both_tasks_of_a_double_visit():
    """Only one provider: the double visit cannot be served (required: infeasible)."""
    v = Visit(id="v", location=1, tasks=(Task(duration=5), Task(duration=5)), lateness_cost=1)
    p = Provider(id="P", start_location=0, end_location=0)
    sol = solve(line_problem([0, 10], [v], [p], LATE))
    assert sol.unassigned == ("v",)
    assert not sol.feasible


def test_break_fits_in_the_wait_before_a_later_window():
    """v1 at x=5 from 5 to 15; v2 (same place) opens at 40: the break [20, 30] fits
    in the wait, v2 still starts at 40."""
    xs = [0, 5]
    v1 = Visit(id="v1", location=1, tasks=(Task(duration=10),), latest=10, lateness_cost=1)
    v2 = Visit(id="v2", location=1, tasks=(Task(duration=5),), earliest=40, lateness_cost=1)
    p = Provider(
        id="P", start_location=0, end_location=0, break_=Break(earliest=20, latest=30, duration=10)
    )
    sol = solve(line_problem(xs, [v1, v2], [p], LATE))
    r = sol.routes[0]
    assert [s.visit for s in r.stops] == ["v1", "v2"]
    assert [s.start for s in r.stops] == [5, 40]
    assert r.break_start == 20
    assert sol.feasible


def test_break_at_the_end_of_the_day_delays_the_return():
    """v2 opens at 25 and ends at 30 = the break's latest start: no gap before it, so
    the break is taken at 30 and the provider is home at 30 + 10 + 5 = 45."""
    xs = [0, 5]
    v1 = Visit(id="v1", location=1, tasks=(Task(duration=10),), latest=10, lateness_cost=1)
    v2 = Visit(id="v2", location=1, tasks=(Task(duration=5),), earliest=25, lateness_cost=1)
    p = Provider(
        id="P", start_location=0, end_location=0, break_=Break(earliest=20, latest=30, duration=10)
    )
    sol = solve(line_problem(xs, [v1, v2], [p], LATE))
    r = sol.routes[0]
    assert [s.start for s in r.stops] == [5, 25]
    assert (r.break_start, r.return_time) == (30, 45)
    assert sol.feasible


def test_shift_end_moves_a_visit_to_the_provider_who_can_finish_in_time():
    """P is nearer but must be home by 15; serving at x=10 takes it home at 25."""
    xs = [0, 10, 14]
    v = Visit(id="v", location=1, tasks=(Task(duration=5),), lateness_cost=1)
    p = Provider(id="P", start_location=0, end_location=0, shift_end=15)
    q = Provider(id="Q", start_location=2, end_location=2)
    sol = solve(line_problem(xs, [v], [p, q], LATE))
    assert routes(sol) == {"Q": ["v"]}
    assert sol.feasible


def test_optional_visit_is_left_out_when_its_penalty_is_below_the_detour():
    xs = [0, 50]
    v = Visit(
        id="far",
        location=1,
        tasks=(Task(duration=5),),
        lateness_cost=1,
        required=False,
        penalty=60,
    )
    p = Provider(id="P", start_location=0, end_location=0)
    sol = solve(line_problem(xs, [v], [p], LATE))
    assert sol.unassigned == ("far",)
    assert sol.cost.total == 60
    assert sol.feasible


def test_continuity_bonus_picks_the_preferred_provider():
    xs = [0, 10, 12]
    v = Visit(
        id="v",
        location=1,
        tasks=(Task(duration=5),),
        lateness_cost=1,
        preferred_providers=frozenset({"Q"}),
    )
    p = Provider(id="P", start_location=0, end_location=0)
    q = Provider(id="Q", start_location=2, end_location=2)
    obj = Objective(distance=1, lateness=1, continuity=100)
    assert routes(solve(line_problem(xs, [v], [p, q], obj))) == {"Q": ["v"]}
    obj = Objective(distance=1, lateness=1, continuity=0)
    assert routes(solve(line_problem([0, 10, 30], [v], [p, q], obj))) == {"P": ["v"]}
