"""The problem model's checks and the shared route evaluator (breaks, synchronised
pairs, lateness, continuity), on line instances with hand-worked values."""

from __future__ import annotations

import pytest

from doorstep.dispatch.solver.evaluate import evaluate
from doorstep.dispatch.solver.model import (
    Break,
    Matrix,
    Objective,
    Problem,
    ProblemError,
    Provider,
    Task,
    Visit,
    single_visit,
)
from doorstep.dispatch.tests.solver_fixtures import line_matrix, line_problem


def test_task_duration_precedence_provider_then_level_then_default():
    task = Task(duration=30, duration_by_level=(25, 20), duration_by_provider={"P": 5})
    assert task.duration_for(Provider("P", 0, 0, level=1)) == 5
    assert task.duration_for(Provider("Q", 0, 0, level=0)) == 25
    assert task.duration_for(Provider("Q", 0, 0, level=7)) == 20  # last entry for higher
    assert Task(duration=30).duration_for(Provider("Q", 0, 0, level=7)) == 30


def test_task_allows_needs_level_and_every_credential():
    task = Task(duration=1, min_level=2, credentials=frozenset({"a", "b"}))
    assert task.allows(Provider("P", 0, 0, level=2, credentials=frozenset({"a", "b", "c"})))
    assert not task.allows(Provider("P", 0, 0, level=1, credentials=frozenset({"a", "b"})))
    assert not task.allows(Provider("P", 0, 0, level=3, credentials=frozenset({"a"})))


@pytest.mark.parametrize(
    ("visits", "providers", "message"),
    [
        ([single_visit("v", 5, 1)], [Provider("A", 0, 0)], "location 5 out of range"),
        (
            [single_visit("v", 1, 1), single_visit("v", 1, 1)],
            [Provider("A", 0, 0)],
            "duplicate visit id",
        ),
        ([single_visit("v", 1, 1)], [Provider("A", 0, 0, profile="bus")], "unknown travel"),
        ([single_visit("v", 1, 1, earliest=9, latest=3)], [], "earliest after latest"),
        (
            [Visit("v", 1, (Task(1), Task(1)), gap_min=5, gap_max=1)],
            [],
            "gap_min above gap_max",
        ),
        ([Visit("v", 1, ())], [], "needs 1 or 2 tasks"),
        ([], [Provider("A", 0, 0, shift_start=10, shift_end=5)], "shift starts after"),
    ],
)
def test_malformed_problems_are_refused(visits, providers, message):
    with pytest.raises(ProblemError, match=message):
        line_problem([0, 10], visits, providers)


def test_matrices_of_different_sizes_are_refused():
    with pytest.raises(ProblemError, match="differ in size"):
        Problem(
            visits=(),
            providers=(),
            matrices={"car": line_matrix([0, 1]), "walk": Matrix([[0]], [[0]])},
        )


def test_break_is_taken_in_the_wait_before_a_window_opens():
    """Break 15 between 30 and 40. v1 at 10 (10 long) ends at 20; v2 at 20 opens at 70.
    Break at 30 costs nothing: back on the road at 45, at v2 at 55, waits to 70."""
    problem = line_problem(
        [0, 10, 20],
        [single_visit("v1", 1, 10), single_visit("v2", 2, 10, earliest=70)],
        [Provider("A", 0, 0, break_=Break(earliest=30, latest=40, duration=15))],
    )
    solution, violations = evaluate(problem, {0: [(0, 0), (1, 0)]})
    route = solution.routes[0]
    assert violations.notes == []
    assert route.break_start == 30
    assert [(s.arrival, s.start) for s in route.stops] == [(10, 10), (55, 70)]
    assert route.return_time == 100


def test_break_that_cannot_be_placed_makes_the_plan_infeasible():
    """Break (5) must start between 12 and 15, but the only stop keeps A busy from 10 to
    40: the break is taken at home at 12, so A reaches the visit at 27, 17 too late."""
    problem = line_problem(
        [0, 10],
        [single_visit("v1", 1, 30, earliest=10, latest=10)],
        [Provider("A", 0, 0, break_=Break(earliest=12, latest=15, duration=5))],
    )
    solution, violations = evaluate(problem, {0: [(0, 0)]})
    assert not solution.feasible
    assert solution.routes[0].break_start == 12
    assert violations.notes == ["visit v1 starts 17 after its window closes"]


def test_simultaneous_pair_starts_together():
    """A (home 0) reaches 10 at 10, B (home 40) at 30: both start at 30."""
    pair = Visit("d", 2, (Task(10), Task(10)))
    problem = line_problem([0, 40, 10], [pair], [Provider("A", 0, 0), Provider("B", 1, 1)])
    solution, violations = evaluate(problem, {0: [(0, 0)], 1: [(0, 1)]})
    assert violations.notes == []
    starts = {r.provider: r.stops[0].start for r in solution.routes}
    assert starts == {"A": 30, "B": 30}
    # A waits at home instead of at the door: leaves at 20.
    assert solution.route_of("A").departure == 20  # type: ignore[union-attr]


def test_pair_in_sequence_keeps_the_gap():
    """Task 2 must start 5 to 10 after task 1. B starts task 2 at 30, so A's task 1 is
    pushed from 10 to 20 (gap 10)."""
    pair = Visit("d", 2, (Task(10), Task(10)), gap_min=5, gap_max=10)
    problem = line_problem([0, 40, 10], [pair], [Provider("A", 0, 0), Provider("B", 1, 1)])
    solution, _ = evaluate(problem, {0: [(0, 0)], 1: [(0, 1)]})
    starts = {r.provider: r.stops[0].start for r in solution.routes}
    assert starts == {"A": 20, "B": 30}
    assert solution.feasible


def test_pair_served_by_one_provider_is_infeasible():
    pair = Visit("d", 1, (Task(10), Task(10)))
    problem = line_problem([0, 10], [pair], [Provider("A", 0, 0)])
    solution, violations = evaluate(problem, {0: [(0, 0), (0, 1)]})
    assert not solution.feasible
    assert any("same provider" in n for n in violations.notes)


def test_lateness_and_max_lateness_are_weighted():
    """Soft window ending at 5, reached at 10: 5 late x cost 2 = 10 summed, max 5.
    Total = 20 distance + 1 x 10 + 3 x 5 = 45."""
    problem = line_problem(
        [0, 10],
        [single_visit("v", 1, 5, latest=5, lateness_cost=2)],
        [Provider("A", 0, 0)],
        objective=Objective(distance=1, lateness=1, max_lateness=3),
    )
    solution, violations = evaluate(problem, {0: [(0, 0)]})
    assert violations.notes == []
    assert (solution.cost.lateness_sum, solution.cost.lateness_max) == (10, 5)
    assert solution.cost.total == 45
    assert solution.routes[0].stops[0].lateness == 5


def test_hard_window_missed_is_a_violation():
    problem = line_problem([0, 10], [single_visit("v", 1, 5, latest=5)], [Provider("A", 0, 0)])
    solution, violations = evaluate(problem, {0: [(0, 0)]})
    assert not solution.feasible
    assert violations.notes == ["visit v starts 5 after its window closes"]


def test_continuity_bonus_is_subtracted():
    """Distance 20, one task by a preferred provider at bonus 7: total 13."""
    problem = line_problem(
        [0, 10],
        [single_visit("v", 1, 5, preferred_providers=frozenset({"A"}))],
        [Provider("A", 0, 0)],
        objective=Objective(distance=1, continuity=7),
    )
    assert problem.has_continuity
    solution, _ = evaluate(problem, {0: [(0, 0)]})
    assert solution.cost.continuity_hits == 1
    assert solution.cost.total == 13


def test_departure_is_delayed_to_absorb_idle_time_within_the_windows():
    """v1 at 10 (5 long, start by 100), v2 at 20 opens at 200. Leaving at 0 idles 175
    before v2; leaving at 90 (v1 at its latest start, 100) idles 85, back at 225: a
    135-unit day, within a 140 cap."""
    problem = line_problem(
        [0, 10, 20],
        [single_visit("v1", 1, 5, latest=100), single_visit("v2", 2, 5, earliest=200)],
        [Provider("A", 0, 0, max_work=140)],
    )
    solution, violations = evaluate(problem, {0: [(0, 0), (1, 0)]})
    route = solution.routes[0]
    assert violations.notes == []
    assert (route.departure, route.return_time) == (90, 225)
    assert [s.start for s in route.stops] == [100, 200]
