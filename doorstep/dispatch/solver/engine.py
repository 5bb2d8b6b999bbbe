"""The one optimiser entry point: ``solve(problem, time_limit=..., seed=...)``.

The dispatch board, the API, planning jobs and the benchmark command all call this.
Problems with only constraints PyVRP expresses (capacity, hard time windows, shifts,
maximum working time, skills, optional visits with a penalty) go to the PyVRP adapter.
Problems with soft lateness, two-provider visits, breaks or a continuity bonus go to
the home-care search layer ``doorstep.dispatch.solver.hhc.solve_hhc`` (imported lazily).
A problem whose providers and visits fall into groups that share nobody (``split``: a
platform-wide day splits by institution) is solved group by group within the same time
limit and merged.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

from doorstep.dispatch.solver import split
from doorstep.dispatch.solver.evaluate import evaluate
from doorstep.dispatch.solver.model import Problem, Solution
from doorstep.dispatch.solver.pyvrp_adapter import solve_pyvrp, unsupported

Progress = Callable[[float, float], None]

#: Share of the time limit kept back when a problem is solved in independent groups
#: (``split``): cutting the groups out and scheduling the merged plan.
MERGE_RESERVE = 0.04


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
    groups = split.parts(problem)
    if len(groups) > 1:
        return _solve_parts(
            problem, groups, time_limit=time_limit, seed=seed, progress=progress, initial=initial
        )
    return _solve_one(problem, time_limit=time_limit, seed=seed, progress=progress, initial=initial)


def _solve_parts(
    problem: Problem,
    groups: list[split.Part],
    *,
    time_limit: float,
    seed: int,
    progress: Progress | None,
    initial: Solution | None,
) -> Solution:
    """Solve independent groups one by one, each with a share of the time left in
    proportion to its visits (``split``), and merge the plans."""
    started = time.perf_counter()
    # keep back time for cutting the groups out and for the final schedule of the whole
    deadline = started + time_limit * (1.0 - MERGE_RESERVE)
    total = sum(len(g.visits) for g in groups)
    left = total
    done_cost = 0.0
    solutions: list[Solution] = []
    solvers: set[str] = set()
    for g in groups:
        sub = split.subproblem(problem, g)
        share = len(g.visits) / left if left else 1.0
        budget = max(0.0, (deadline - time.perf_counter()) * share)
        before = total - left

        def part_progress(
            fraction: float,
            best: float,
            n: int = len(g.visits),
            before: int = before,
            done: float = done_cost,
        ) -> None:
            if progress is not None and fraction < 1.0:
                progress(min(0.99, (before + fraction * n) / total), done + best)

        sol = _solve_one(
            sub,
            time_limit=budget,
            seed=seed,
            progress=part_progress if progress is not None else None,
            initial=split.restrict(initial, sub),
        )
        solutions.append(sol)
        solvers.add(sol.solver)
        done_cost += sol.cost.total
        left -= len(g.visits)
    merged = split.merge(
        problem,
        solutions,
        solver="+".join(sorted(solvers)),
        seconds=round(time.perf_counter() - started, 3),
    )
    if progress is not None:
        progress(1.0, float(merged.cost.total))
    return merged


def _solve_one(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    progress: Progress | None,
    initial: Solution | None,
) -> Solution:
    if not problem.providers:
        empty, _ = evaluate(problem, {}, solver="none")
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
