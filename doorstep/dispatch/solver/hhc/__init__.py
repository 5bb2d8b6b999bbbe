"""Home-care search layer: what PyVRP cannot do.

Soft lateness as a cost and the maximum lateness, double visits whose two starts are
coupled (simultaneous or with a min/max gap), durations per provider and service,
credentials, breaks, shift ends and working-time caps, optional visits at a penalty and
continuity bonuses, all on one large-neighbourhood search (``search.py``) over an
incrementally scheduled plan (``plan.py``). Pure Python, no Django.

Entry point: ``solve_hhc(problem, time_limit=..., seed=...)``. For a fixed seed the
search is deterministic when bounded by ``max_iterations``; bounded by time only, the
trajectory is the same but where it stops depends on the machine's speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from doorstep.dispatch.solver.evaluate import evaluate
from doorstep.dispatch.solver.hhc.data import Data, compile_problem
from doorstep.dispatch.solver.hhc.plan import Plan
from doorstep.dispatch.solver.hhc.search import search
from doorstep.dispatch.solver.model import Problem, Solution

__all__ = ["solve_hhc"]


def _initial_routes(d: Data, initial: Solution) -> list[list[int]]:
    """Job sequences per provider from a previous solution (e.g. PyVRP's routes)."""
    problem = d.problem
    vidx = problem.visit_index
    pidx = problem.provider_index
    job_of: dict[tuple[int, int], int] = {}
    for j in range(d.n_jobs):
        job_of[(d.visit_of[j], d.task_of[j])] = j
    routes: list[list[int]] = [[] for _ in range(d.n_providers)]
    used: set[int] = set()
    for route in initial.routes:
        r = pidx.get(route.provider)
        if r is None:
            continue
        for st in route.stops:
            vi = vidx.get(st.visit)
            if vi is None:
                continue
            job = job_of.get((vi, st.task))
            if job is None or job in used or d.dur[r][job] < 0:
                continue
            routes[r].append(job)
            used.add(job)
    # a double visit enters only with both tasks on two different providers
    where = {j: r for r, seq in enumerate(routes) for j in seq}
    drop = set()
    for j in where:
        q = d.partner[j]
        if q >= 0 and (q not in where or where[q] == where[j]):
            drop.add(j)
    return [[j for j in seq if j not in drop] for seq in routes]


def to_solution(d: Data, p: Plan, *, seconds: float, iterations: int) -> Solution:
    """The model's ``Solution`` for a plan, scheduled and costed by ``evaluate``."""
    orders: dict[int, Sequence[tuple[int, int]]] = {
        r: [(d.visit_of[j], d.task_of[j]) for j in seq] for r, seq in enumerate(p.routes) if seq
    }
    solution, _violations = evaluate(
        d.problem,
        orders,
        solver="hhc-lns",
        seconds=seconds,
        iterations=iterations,
        max_rounds=2 * d.n_jobs + 50,
    )
    return solution


def solve_hhc(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    progress: Callable[[float, float], None] | None = None,
    initial: Solution | None = None,
    max_iterations: int | None = None,
) -> Solution:
    """Plan ``problem`` with the home-care search within ``time_limit`` seconds.

    ``progress(fraction, best_cost)`` is called about every 1 % of the budget.
    ``initial``: a solution to start from (tasks it cannot place are reinserted).
    ``max_iterations`` bounds the search by iterations (then fully deterministic).
    """
    t0 = time.perf_counter()
    d = compile_problem(problem)
    init = _initial_routes(d, initial) if initial is not None else None
    best, iterations = search(
        d,
        time_limit=time_limit,
        seed=seed,
        progress=progress,
        initial=init,
        max_iterations=max_iterations,
    )
    return to_solution(d, best, seconds=time.perf_counter() - t0, iterations=iterations)
