"""Schedule and cost a set of routes: the one place that turns visit orders into times.

Given, per provider, the ordered tasks ``(visit index, task index)``, ``evaluate``
computes every start time (earliest schedule: leave home at shift start, wait for a
window to open, never idle otherwise), the break, the cost measures and whether every
hard constraint holds. Two-provider visits are coupled: the start of task 2 minus the
start of task 1 must lie in ``[gap_min, gap_max]``; starts are pushed later until all
routes agree (a fixpoint over the routes, bounded by a round limit).

The break is taken at the first gap (at home before leaving, or after a stop before
travelling on) where it can start, between ``earliest`` and ``latest``; a provider with
a break and no such gap ends the day with it (if still before ``latest``) or the route is
infeasible. Departure from home is delayed to remove waiting at the first door (after a
break taken at home, departure is after the break).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from doorstep.dispatch.solver.model import Cost, Problem, Route, Solution, Stop, weigh

TaskRef = tuple[int, int]  # (visit index, task index)
# One route's schedule: arrivals, starts, departure, return, break start, break placed.
Plan = tuple[list[int], list[int], int, int, int | None, bool]


@dataclass
class Violations:
    """Hard constraints broken, as short human-readable notes (empty = feasible)."""

    notes: list[str] = field(default_factory=list)

    def add(self, note: str) -> None:
        self.notes.append(note)


def _schedule(
    problem: Problem,
    provider_idx: int,
    order: Sequence[TaskRef],
    lower: dict[TaskRef, int],
    delay: int = 0,
) -> Plan:
    """Forward pass for one route: (arrivals, starts, departure, return, break, ok).

    Leaves home at shift start + ``delay`` at the earliest."""
    p = problem.providers[provider_idx]
    matrix = problem.matrices[p.profile]
    dur = matrix.duration
    t = p.shift_start + delay
    here = p.start_location
    brk = p.break_
    break_start: int | None = None
    departure = t
    arrivals: list[int] = []
    starts: list[int] = []
    for ref in order:
        visit = problem.visits[ref[0]]
        travel = dur[here][visit.location]
        if brk is not None and break_start is None:
            b = max(t, brk.earliest)
            # Take it here if it costs no time (it fits in the wait for the window), or
            # if after the next stop it would be too late.
            start_without = max(t + travel, visit.earliest, lower.get(ref, 0))
            end_without = start_without + visit.tasks[ref[1]].duration_for(p)
            if b <= brk.latest and (
                b + brk.duration + travel <= start_without or end_without > brk.latest
            ):
                break_start = b
                t = b + brk.duration
        arrival = t + travel
        start = max(arrival, visit.earliest, lower.get(ref, 0))
        if not arrivals:
            # Leave home as late as possible without delaying the first start: wait at
            # home rather than at the door.
            departure = t + (start - arrival)
            arrival = start
        arrivals.append(arrival)
        starts.append(start)
        t = start + visit.tasks[ref[1]].duration_for(p)
        here = visit.location
    ok = True
    if brk is not None and break_start is None:
        b = max(t, brk.earliest)
        if b <= brk.latest:
            break_start = b
            t = b + brk.duration
        else:
            ok = False
    ret = t + dur[here][p.end_location]
    return arrivals, starts, departure, ret, break_start, ok


def _idle_delay(problem: Problem, provider_idx: int, order: Sequence[TaskRef], plan: Plan) -> int:
    """How much later the provider can leave home without delaying the return or
    breaking a window: the idle time inside the route that a later start absorbs
    (forward time slack). Two-provider tasks are not moved (their partner waits)."""
    p = problem.providers[provider_idx]
    arrivals, starts, departure = plan[0], plan[1], plan[2]
    if p.break_ is not None or not order:
        return 0
    waited = departure - p.shift_start  # the wait before the first stop, spent at home
    best = None
    for ref, arrival, start in zip(order, arrivals, starts, strict=True):
        visit = problem.visits[ref[0]]
        waited += start - arrival
        slack = 0 if len(visit.tasks) > 1 else max(0, visit.latest - start)
        best = slack + waited if best is None else min(best, slack + waited)
    return max(0, min(waited, best if best is not None else 0))


def evaluate(
    problem: Problem,
    orders: dict[int, Sequence[TaskRef]],
    *,
    solver: str = "",
    seconds: float = 0.0,
    iterations: int = 0,
    max_rounds: int = 50,
) -> tuple[Solution, Violations]:
    """Schedule ``orders`` (provider index -> ordered tasks) and cost the result."""
    v = Violations()
    position: dict[TaskRef, int] = {}
    served: dict[int, set[int]] = {}
    for pi, order in orders.items():
        for ref in order:
            if ref in position:
                v.add(f"task {ref} served twice")
            position[ref] = pi
            served.setdefault(ref[0], set()).add(ref[1])

    lower: dict[TaskRef, int] = {}
    plans: dict[int, Plan] = {}
    for _ in range(max_rounds):
        plans = {}
        for pi, order in orders.items():
            plan = _schedule(problem, pi, order, lower)
            delay = _idle_delay(problem, pi, order, plan)
            plans[pi] = _schedule(problem, pi, order, lower, delay) if delay else plan
        start_of: dict[TaskRef, int] = {}
        for pi, order in orders.items():
            for ref, s in zip(order, plans[pi][1], strict=True):
                start_of[ref] = s
        changed = False
        for vi, visit in enumerate(problem.visits):
            if len(visit.tasks) < 2 or (vi, 0) not in start_of or (vi, 1) not in start_of:
                continue
            s0, s1 = start_of[(vi, 0)], start_of[(vi, 1)]
            if s1 - s0 < visit.gap_min:
                lower[(vi, 1)] = max(lower.get((vi, 1), 0), s0 + visit.gap_min)
                changed = True
            elif s1 - s0 > visit.gap_max:
                lower[(vi, 0)] = max(lower.get((vi, 0), 0), s1 - visit.gap_max)
                changed = True
        if not changed:
            break
    else:
        v.add("synchronised visits could not be aligned")

    routes: list[Route] = []
    distance = travel_time = lateness_sum = lateness_max = continuity = 0
    for pi, order in orders.items():
        if not order:
            continue
        p = problem.providers[pi]
        matrix = problem.matrices[p.profile]
        arrivals, starts, departure, ret, break_start, ok = plans[pi]
        if not ok:
            v.add(f"provider {p.id}: break cannot be placed")
        stops: list[Stop] = []
        load = 0
        for ref, arrival, start in zip(order, arrivals, starts, strict=True):
            visit = problem.visits[ref[0]]
            task = visit.tasks[ref[1]]
            if not task.allows(p):
                v.add(f"provider {p.id} lacks the skill for visit {visit.id}")
            late = max(0, start - visit.latest)
            if late and not visit.soft:
                v.add(f"visit {visit.id} starts {late} after its window closes")
            if late:
                lateness_sum += late * (visit.lateness_cost or 0)
                lateness_max = max(lateness_max, late)
            if p.id in visit.preferred_providers:
                continuity += 1
            load += visit.demand
            end = start + task.duration_for(p)
            stops.append(Stop(visit.id, ref[1], arrival, start, end, late))
        if ret > p.shift_end:
            v.add(f"provider {p.id} returns {ret - p.shift_end} after the shift ends")
        if ret - departure > p.max_work:
            v.add(f"provider {p.id} works {ret - departure - p.max_work} over the maximum")
        if p.capacity is not None and load > p.capacity:
            v.add(f"provider {p.id} carries {load - p.capacity} over capacity")
        path = [p.start_location, *(problem.visits[r[0]].location for r in order), p.end_location]
        legs = list(itertools.pairwise(path))
        route_distance = sum(matrix.distance[a][b] for a, b in legs)
        route_travel = sum(matrix.duration[a][b] for a, b in legs)
        distance += route_distance
        travel_time += route_travel
        routes.append(
            Route(
                provider=p.id,
                stops=tuple(stops),
                departure=departure,
                return_time=ret,
                distance=route_distance,
                travel_time=route_travel,
                break_start=break_start,
            )
        )

    unassigned: list[str] = []
    penalty = 0
    for vi, visit in enumerate(problem.visits):
        got = served.get(vi, set())
        if len(got) == len(visit.tasks):
            if len(visit.tasks) == 2 and position[(vi, 0)] == position[(vi, 1)]:
                v.add(f"visit {visit.id}: both tasks by the same provider")
            continue
        if got:
            v.add(f"visit {visit.id}: only part of it is served")
        unassigned.append(visit.id)
        if visit.required:
            v.add(f"required visit {visit.id} is not served")
        else:
            penalty += visit.penalty

    cost = Cost(
        distance=distance,
        travel_time=travel_time,
        lateness_sum=lateness_sum,
        lateness_max=lateness_max,
        unassigned_penalty=penalty,
        continuity_hits=continuity,
    )
    cost = replace(cost, total=weigh(problem, cost))
    solution = Solution(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        cost=cost,
        feasible=not v.notes,
        solver=solver,
        seconds=seconds,
        iterations=iterations,
    )
    return solution, v
