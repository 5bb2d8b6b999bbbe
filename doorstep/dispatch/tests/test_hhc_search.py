"""The search itself: fixed-seed determinism, progress reports, warm start."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.dispatch.solver import mankowska
from doorstep.dispatch.solver.hhc import solve_hhc
from doorstep.dispatch.solver.hhc.data import compile_problem
from doorstep.dispatch.solver.hhc.plan import Plan
from doorstep.dispatch.solver.model import Provider, Task, Visit
from doorstep.dispatch.tests.solver_fixtures import line_problem

OPL = Path(__file__).parent / "data" / "InstanzCPLEX_HCSRP_10_1.txt"


def _routes(sol):
    return [(r.provider, [(s.visit, s.task, s.start) for s in r.stops]) for r in sol.routes]


def test_same_seed_and_budget_give_the_same_plan():
    problem = mankowska.load(OPL)
    one = solve_hhc(problem, time_limit=60, seed=11, max_iterations=40)
    two = solve_hhc(problem, time_limit=60, seed=11, max_iterations=40)
    assert _routes(one) == _routes(two)
    assert one.cost == two.cost
    assert one.iterations == two.iterations == 40


def test_progress_is_reported_up_to_one_with_the_best_cost():
    problem = mankowska.load(OPL)
    seen: list[tuple[float, float]] = []
    sol = solve_hhc(
        problem,
        time_limit=60,
        seed=2,
        max_iterations=30,
        progress=lambda f, c: seen.append((f, c)),
    )
    assert seen[-1] == (1.0, float(sol.cost.total))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    costs = [c for _, c in seen]
    assert costs == sorted(costs, reverse=True)


def test_warm_start_keeps_a_good_initial_plan():
    problem = mankowska.load(OPL)
    first = solve_hhc(problem, time_limit=60, seed=3, max_iterations=100)
    again = solve_hhc(problem, time_limit=60, seed=4, max_iterations=1, initial=first)
    assert again.cost.total <= first.cost.total
    assert again.feasible


def test_engine_sends_home_care_problems_to_this_layer():
    from doorstep.dispatch.solver import engine

    problem = mankowska.load(OPL)
    sol = engine.solve(problem, time_limit=0.5, seed=1)
    assert sol.solver == "hhc-lns"
    assert sol.feasible
    assert sol.cost.total == pytest.approx(218.19855 * 3 * mankowska.SCALE, rel=0.05)


def test_crossed_double_visits_wait_for_each_other_and_are_refused():
    """P serves A then B, Q serves B then A, both simultaneous: each waits for the other
    (a positive cycle); the same order on both routes is fine."""
    xs = [0, 10, 20]
    both = (Task(duration=5), Task(duration=5))
    a = Visit(id="A", location=1, tasks=both, lateness_cost=1)
    b = Visit(id="B", location=2, tasks=both, lateness_cost=1)
    p = Provider(id="P", start_location=0, end_location=0)
    q = Provider(id="Q", start_location=0, end_location=0)
    d = compile_problem(line_problem(xs, [a, b], [p, q]))
    a0, a1, b0, b1 = 0, 1, 2, 3
    plan = Plan(d)
    assert plan.insert_delta([(a0, 0, 0), (a1, 1, 0)], commit=True) == 2 * 20
    assert plan.insert_delta([(b0, 0, 0), (b1, 1, 1)]) is None  # crossed
    assert plan.insert_delta([(b0, 0, 1), (b1, 1, 1)]) == 2 * 20  # after A on both
    plan.routes = [[a0, b0], [b1, a1]]
    plan.unassigned.clear()
    assert plan.rebuild() is False
    assert not plan.hard_ok()
