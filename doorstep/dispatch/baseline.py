"""Nearest-available greedy assignment: the baseline the plan's figures compare against.

Pure Python over the solver model (no Django). Visits are taken in order of their window
start; each task goes to the provider who can be there on time (by the window end) and is
nearest to the door from where they are then; when nobody is on time, to the one who
arrives first (if the visit allows lateness). A provider takes a visit only if they allow
its task (skills, credentials), can still take their break (placed by the same rule as
``evaluate``), get home by their shift end and stay within their maximum working time. This is what a
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
    left_home: list[int | None] = [None] * n
    on_break = [p.break_ is None for p in problem.providers]  # True: taken or none
    orders: dict[int, list[tuple[int, int]]] = {i: [] for i in range(n)}
    visit_order = sorted(range(len(problem.visits)), key=lambda i: (problem.visits[i].earliest, i))
    for vi in visit_order:
        visit = problem.visits[vi]
        chosen: list[tuple[int, int, bool]] = []  # (provider, start, break before it)
        for task in visit.tasks:
            best: tuple[int, int, int, int, bool] | None = None
            taken = {p for p, _, _ in chosen}
            for pi, provider in enumerate(problem.providers):
                if pi in taken or not task.allows(provider):
                    continue
                m = problem.matrices[provider.profile]
                travel = m.duration[where[pi]][visit.location]
                duration = task.duration_for(provider)
                t = free_at[pi]
                brk = provider.break_
                break_first = False
                if not on_break[pi] and brk is not None:
                    # the schedule's break rule (``evaluate``): here if it costs no
                    # time, or if after this visit it would be too late
                    b = max(t, brk.earliest)
                    start_without = max(t + travel, visit.earliest)
                    if b <= brk.latest and (
                        b + brk.duration + travel <= start_without
                        or start_without + duration > brk.latest
                    ):
                        break_first = True
                        t = b + brk.duration
                    elif start_without + duration > brk.latest:
                        continue  # the break could no longer be taken
                start = max(t + travel, visit.earliest)
                late = start > visit.latest
                if late and not visit.soft:
                    continue
                end = start + duration
                home = m.duration[visit.location][provider.end_location]
                rest = brk.duration if brk is not None and not (on_break[pi] or break_first) else 0
                if end + rest + home > provider.shift_end:
                    continue
                gone = left_home[pi]
                leave = gone if gone is not None else start - travel
                if end + rest + home - leave > provider.max_work:
                    continue
                key = start if late else m.distance[where[pi]][visit.location]
                cand = (1 if late else 0, key, pi, start, break_first)
                if best is None or cand[:3] < best[:3]:
                    best = cand
            if best is None:
                chosen = []
                break
            chosen.append((best[2], best[3], best[4]))
        if len(chosen) != len(visit.tasks):
            continue
        start = max(s for _, s, _ in chosen)  # a double visit starts when both are there
        for ti, (pi, _, break_first) in enumerate(chosen):
            provider = problem.providers[pi]
            if left_home[pi] is None:
                travel = problem.matrices[provider.profile].duration[where[pi]][visit.location]
                left_home[pi] = start - travel
            orders[pi].append((vi, ti))
            where[pi] = visit.location
            free_at[pi] = start + visit.tasks[ti].duration_for(provider)
            on_break[pi] = on_break[pi] or break_first
    solution, _ = evaluate(problem, {k: v for k, v in orders.items() if v}, solver="greedy")
    return solution
