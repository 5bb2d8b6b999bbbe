"""Nearest-available greedy assignment: the baseline the plan's figures compare against.

Pure Python over the solver model (no Django). Visits are taken in order of their window
start; each task goes to the provider who can be there on time (by the window end) and is
nearest to the door from where they are then; when nobody is on time, to the one who
arrives first (if the visit allows lateness). A provider takes a visit only if they allow
its task (skills, credentials) and can still get home by their shift end. This is what a
dispatcher does by hand with a list and a map; the day plan must beat it (issue 4 item 7).
The greedy orders are scheduled and costed by ``evaluate`` like any other plan.
"""

from __future__ import annotations

from doorstep.dispatch.solver.evaluate import evaluate
from doorstep.dispatch.solver.model import Problem, Solution


def greedy(problem: Problem) -> Solution:
    """The nearest-available plan of ``problem`` (deterministic)."""
    n = len(problem.providers)
    where = [p.start_location for p in problem.providers]
    free_at = [p.shift_start for p in problem.providers]
    orders: dict[int, list[tuple[int, int]]] = {i: [] for i in range(n)}
    visit_order = sorted(range(len(problem.visits)), key=lambda i: (problem.visits[i].earliest, i))
    for vi in visit_order:
        visit = problem.visits[vi]
        chosen: list[tuple[int, int]] = []  # (provider, start)
        for ti, task in enumerate(visit.tasks):
            best: tuple[int, int, int, int] | None = None  # (late?, key, provider, start)
            taken = {p for p, _ in chosen}
            for pi, provider in enumerate(problem.providers):
                if pi in taken or not task.allows(provider):
                    continue
                m = problem.matrices[provider.profile]
                travel = m.duration[where[pi]][visit.location]
                arrival = free_at[pi] + travel
                start = max(arrival, visit.earliest)
                late = start > visit.latest
                if late and not visit.soft:
                    continue
                end = start + task.duration_for(provider)
                home = m.duration[visit.location][provider.end_location]
                if end + home > provider.shift_end:
                    continue
                key = start if late else m.distance[where[pi]][visit.location]
                cand = (1 if late else 0, key, pi, start)
                if best is None or cand < best:
                    best = cand
            if best is None:
                chosen = []
                break
            chosen.append((best[2], best[3]))
            del ti
        if len(chosen) != len(visit.tasks):
            continue
        start = max(s for _, s in chosen)  # a double visit starts when both are there
        for ti, (pi, _) in enumerate(chosen):
            orders[pi].append((vi, ti))
            where[pi] = visit.location
            free_at[pi] = start + visit.tasks[ti].duration_for(problem.providers[pi])
    solution, _ = evaluate(problem, {k: v for k, v in orders.items() if v}, solver="greedy")
    return solution
