"""Independent parts of a problem: solve them one by one, merge the plans.

Two visits interact only through the providers who may serve them. When the providers
and visits fall into groups that share nobody (a platform-wide day is one group per
institution: a visit needs the ``inst:<id>`` credential of its own institution), each
group is a problem of its own. Solving the groups one after the other with a share of
the time limit each is the same optimisation, on much smaller data (a search's moves
and schedule rebuilds cost in proportion to the size of what they search).

``parts(problem)`` finds the groups (union-find over who may serve what, one pass per
distinct task requirement); ``subproblem`` cuts one out with its own compact travel
matrices; ``merge`` turns the parts' solutions back into one ``Solution`` of the whole
problem through ``evaluate`` (the one schedule-and-cost function). Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from doorstep.dispatch.solver.evaluate import TaskRef, evaluate
from doorstep.dispatch.solver.model import Matrix, Problem, Route, Solution


@dataclass(frozen=True)
class Part:
    """Indices (into the whole problem) of one group's visits and providers."""

    visits: tuple[int, ...]
    providers: tuple[int, ...]


def parts(problem: Problem) -> list[Part]:
    """The independent groups, largest first (by visits); visits nobody may serve form
    a group without providers."""
    n_prov = len(problem.providers)
    parent = list(range(n_prov + len(problem.visits)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    allowed_by: dict[tuple[int, frozenset[str]], list[int]] = {}
    for vi, visit in enumerate(problem.visits):
        node = n_prov + vi
        for task in visit.tasks:
            key = (task.min_level, task.credentials)
            who = allowed_by.get(key)
            if who is None:
                who = [pi for pi, p in enumerate(problem.providers) if task.allows(p)]
                allowed_by[key] = who
            for pi in who:
                a, b = find(node), find(pi)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for pi in range(n_prov):
        groups.setdefault(find(pi), ([], []))[1].append(pi)
    for vi in range(len(problem.visits)):
        groups.setdefault(find(n_prov + vi), ([], []))[0].append(vi)
    out = [Part(tuple(vs), tuple(ps)) for vs, ps in groups.values() if vs]
    out.sort(key=lambda part: (-len(part.visits), part.visits[0]))
    return out


def subproblem(problem: Problem, part: Part) -> Problem:
    """The problem of one group, with locations renumbered and matrices cut to them."""
    visits = [problem.visits[i] for i in part.visits]
    providers = [problem.providers[i] for i in part.providers]
    used: list[int] = []
    new: dict[int, int] = {}
    for loc in [
        *(loc for p in providers for loc in (p.start_location, p.end_location)),
        *(v.location for v in visits),
    ]:
        if loc not in new:
            new[loc] = len(used)
            used.append(loc)
    profiles = sorted({p.profile for p in providers}) or [next(iter(problem.matrices))]
    matrices = {}
    for name in profiles:
        m = problem.matrices[name]
        matrices[name] = Matrix(
            duration=[[m.duration[a][b] for b in used] for a in used],
            distance=[[m.distance[a][b] for b in used] for a in used],
        )
    coords = problem.coordinates
    return Problem(
        visits=tuple(replace(v, location=new[v.location]) for v in visits),
        providers=tuple(
            replace(p, start_location=new[p.start_location], end_location=new[p.end_location])
            for p in providers
        ),
        matrices=matrices,
        objective=problem.objective,
        name=problem.name,
        time_scale=problem.time_scale,
        distance_scale=problem.distance_scale,
        coordinates=tuple(coords[i] for i in used) if coords else (),
    )


def restrict(solution: Solution | None, sub: Problem) -> Solution | None:
    """The routes of ``solution`` that belong to ``sub``'s providers (a warm start)."""
    if solution is None:
        return None
    mine = {p.id for p in sub.providers}
    visits = {v.id for v in sub.visits}
    routes: list[Route] = [
        r for r in solution.routes if r.provider in mine and all(s.visit in visits for s in r.stops)
    ]
    return Solution(
        routes=tuple(routes),
        unassigned=(),
        cost=solution.cost,
        feasible=solution.feasible,
        solver=solution.solver,
    )


def merge(
    problem: Problem,
    solutions: Sequence[Solution],
    *,
    solver: str,
    seconds: float,
) -> Solution:
    """One solution of ``problem`` from its parts' solutions, scheduled and costed by
    ``evaluate``."""
    pidx, vidx = problem.provider_index, problem.visit_index
    orders: dict[int, Sequence[TaskRef]] = {}
    n_jobs = 0
    for sol in solutions:
        for r in sol.routes:
            if r.stops:
                orders[pidx[r.provider]] = [(vidx[s.visit], s.task) for s in r.stops]
                n_jobs += len(r.stops)
    merged, _ = evaluate(
        problem,
        orders,
        solver=solver,
        seconds=seconds,
        iterations=sum(s.iterations for s in solutions),
        max_rounds=2 * n_jobs + 50,
    )
    return merged
