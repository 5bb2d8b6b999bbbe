"""The one optimiser entry point: ``solve(problem, time_limit=..., seed=...)``.

The dispatch board, the API, planning jobs and the benchmark command all call this.
Problems with only constraints PyVRP expresses (capacity, hard time windows, shifts,
maximum working time, skills, optional visits with a penalty) go to the PyVRP adapter.
Problems with soft lateness, two-provider visits, breaks or a continuity bonus go to
the home-care search layer ``doorstep.dispatch.solver.hhc.solve_hhc`` (imported lazily).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from doorstep.dispatch.solver.evaluate import evaluate
from doorstep.dispatch.solver.model import Problem, Solution
from doorstep.dispatch.solver.pyvrp_adapter import solve_pyvrp, unsupported

Progress = Callable[[float, float], None]


class SolverUnavailable(RuntimeError):
    """The problem needs a solver layer that is not installed."""


def route_to(problem: Problem) -> str:
    """Which layer solves ``problem``: ``"pyvrp"`` or ``"hhc"``."""
    return "hhc" if unsupported(problem) else "pyvrp"


def solve(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    progress: Progress | None = None,
    initial: Solution | None = None,
) -> Solution:
    """Best plan found within ``time_limit`` seconds (one core), reproducible per seed
    as far as the time limit allows. ``progress(fraction_done, best_cost)`` is called
    during the search (at most about four times a second) and once at the end.
    ``initial`` (an earlier plan, e.g. when re-planning) warm-starts the search."""
    if time_limit < 0:
        raise ValueError("time_limit must not be negative")
    if not problem.visits or not problem.providers:
        empty, _ = evaluate(problem, {}, solver="none")
        if progress is not None:
            progress(1.0, float(empty.cost.total))
        return empty
    if route_to(problem) == "pyvrp":
        return solve_pyvrp(
            problem, time_limit=time_limit, seed=seed, progress=progress, initial=initial
        )
    try:
        hhc = importlib.import_module("doorstep.dispatch.solver.hhc")
    except ModuleNotFoundError as exc:
        if exc.name not in ("doorstep.dispatch.solver.hhc",):
            raise
        raise SolverUnavailable(
            "this problem needs the home-care search layer "
            f"({', '.join(unsupported(problem))}), "
            "but doorstep.dispatch.solver.hhc is not installed"
        ) from exc
    solution: Solution = hhc.solve_hhc(
        problem, time_limit=time_limit, seed=seed, progress=progress, initial=initial
    )
    return solution
