"""Flat arrays the home-care search works on, compiled once from a ``model.Problem``.

A *job* is one task of one visit (a double visit has two jobs, its *unit*). Everything
is a plain list indexed by job or provider so the hot loops only index lists of ints.

Start-time coupling of a double visit is stored per job as ``partner[j]`` and
``sync[j]``: ``start[j] >= start[partner[j]] + sync[j]``. For the visit's first task
``sync = -gap_max``, for the second ``sync = gap_min``; both are lower bounds, so the
earliest schedule is the least solution of a system of difference constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.dispatch.solver.model import HORIZON, Problem

# Weight of one unit of hard-constraint violation (shift end, hard window, break, ...).
HARD = 10**6
# Cost of leaving out a required visit: above any plan with all visits served.
REQUIRED_MISSING = 10**15


@dataclass
class Data:
    problem: Problem
    n_jobs: int
    n_providers: int
    # per job
    node: list[int]
    visit_of: list[int]
    task_of: list[int]
    earliest: list[int]
    soft_due: list[int]  # lateness counted after this start time (HORIZON: none)
    late_w: list[int]  # objective weight x visit.lateness_cost per late time unit
    hard_due: list[int]  # start after this is a hard violation (HORIZON: none)
    partner: list[int]
    sync: list[int]
    demand: list[int]
    # per provider x job
    dur: list[list[int]]  # -1: provider may not serve the job
    bonus: list[list[int]]  # continuity bonus (a cost reduction) for this provider
    allowed: list[list[int]]  # per job: providers that may serve it
    # per provider
    start_node: list[int]
    end_node: list[int]
    shift_start: list[int]
    shift_end: list[int]
    max_work: list[int]
    capacity: list[int]  # -1: unlimited
    brk: list[tuple[int, int, int] | None]
    travel: list[list[list[int]]]  # travel time matrix of the provider's profile
    arc: list[list[list[int]]]  # weighted arc cost matrix of the provider's profile
    # units (visits)
    units: list[tuple[int, ...]]
    unit_of: list[int]
    miss_cost: list[int]  # cost of leaving the unit out
    # objective
    w_late: int
    w_max: int
    has_breaks: bool
    has_route_limits: bool


def compile_problem(problem: Problem) -> Data:
    obj = problem.objective
    provs = problem.providers
    n_prov = len(provs)
    node: list[int] = []
    visit_of: list[int] = []
    task_of: list[int] = []
    earliest: list[int] = []
    soft_due: list[int] = []
    late_w: list[int] = []
    hard_due: list[int] = []
    partner: list[int] = []
    sync: list[int] = []
    demand: list[int] = []
    units: list[tuple[int, ...]] = []
    unit_of: list[int] = []
    miss: list[int] = []
    dur: list[list[int]] = [[] for _ in range(n_prov)]
    bonus: list[list[int]] = [[] for _ in range(n_prov)]
    allowed: list[list[int]] = []
    for vi, visit in enumerate(problem.visits):
        first = len(node)
        for ti, task in enumerate(visit.tasks):
            node.append(visit.location)
            visit_of.append(vi)
            task_of.append(ti)
            earliest.append(visit.earliest)
            if visit.lateness_cost is None:
                soft_due.append(HORIZON)
                late_w.append(0)
                hard_due.append(visit.latest)
            else:
                soft_due.append(visit.latest)
                late_w.append(obj.lateness * visit.lateness_cost)
                hard_due.append(HORIZON)
            demand.append(visit.demand if ti == 0 else 0)
            ok: list[int] = []
            for v, prov in enumerate(provs):
                if task.allows(prov):
                    dur[v].append(task.duration_for(prov))
                    ok.append(v)
                else:
                    dur[v].append(-1)
                pref = prov.id in visit.preferred_providers
                bonus[v].append(obj.continuity if pref else 0)
            allowed.append(ok)
            unit_of.append(len(units))
        if len(visit.tasks) == 2:
            partner += [first + 1, first]
            sync += [-visit.gap_max, visit.gap_min]
        else:
            partner.append(-1)
            sync.append(0)
        units.append(tuple(range(first, len(node))))
        miss.append(REQUIRED_MISSING if visit.required else obj.unassigned * visit.penalty)
    arcs: dict[str, list[list[int]]] = {}
    for name, m in problem.matrices.items():
        arcs[name] = [
            [obj.distance * dd + obj.travel_time * tt for dd, tt in zip(drow, trow, strict=True)]
            for drow, trow in zip(m.distance, m.duration, strict=True)
        ]
    durations = {name: [list(row) for row in m.duration] for name, m in problem.matrices.items()}
    brk = [
        (p.break_.earliest, p.break_.latest, p.break_.duration) if p.break_ else None for p in provs
    ]
    return Data(
        problem=problem,
        n_jobs=len(node),
        n_providers=n_prov,
        node=node,
        visit_of=visit_of,
        task_of=task_of,
        earliest=earliest,
        soft_due=soft_due,
        late_w=late_w,
        hard_due=hard_due,
        partner=partner,
        sync=sync,
        demand=demand,
        dur=dur,
        bonus=bonus,
        allowed=allowed,
        start_node=[p.start_location for p in provs],
        end_node=[p.end_location for p in provs],
        shift_start=[p.shift_start for p in provs],
        shift_end=[p.shift_end for p in provs],
        max_work=[p.max_work for p in provs],
        capacity=[-1 if p.capacity is None else p.capacity for p in provs],
        brk=brk,
        travel=[durations[p.profile] for p in provs],
        arc=[arcs[p.profile] for p in provs],
        units=units,
        unit_of=unit_of,
        miss_cost=miss,
        w_late=obj.lateness,
        w_max=obj.max_lateness,
        has_breaks=any(b is not None for b in brk),
        has_route_limits=any(
            p.shift_end < HORIZON or p.max_work < HORIZON or p.capacity is not None for p in provs
        ),
    )
