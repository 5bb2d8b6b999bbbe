"""``Problem`` -> PyVRP ``ProblemData``, solve, and back to a ``Solution``.

PyVRP (pinned in ``pyproject.toml``; its 0.x API changes between minor versions) solves
the problems whose constraints it expresses as hard constraints: capacity, hard time
windows, shifts (vehicle time windows), maximum working time (shift duration), skills
and credentials, provider-dependent visit durations, optional visits with a prize.
``unsupported(problem)`` names what it cannot express (soft lateness, two-provider
visits, breaks, continuity bonus); ``engine.solve`` sends those to the home-care layer.

Mapping:

* PyVRP locations: one per distinct provider start/end location (the depots), then one
  per visit (even when visits share a place), so a visit's service time can be folded
  into the travel time of the arcs leaving it when it differs per provider.
* Arc cost ("distance" for PyVRP) = ``objective.distance`` x distance +
  ``objective.travel_time`` x duration; PyVRP's ``unit_distance_cost`` is 1.
* Skills: one routing profile per distinct (travel profile, set of visits allowed,
  durations); arcs into a visit the provider may not serve get a duration far beyond
  every time window (``FORBIDDEN``), so using them is never feasible.
* Vehicle types: providers with the same depots, shift, maximum work, capacity and
  profile share one type; routes are handed back to those providers in file order.
* Optional visits: ``required=False`` with prize = penalty x ``objective.unassigned``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations

from doorstep.dispatch.solver.evaluate import TaskRef, evaluate
from doorstep.dispatch.solver.model import Problem, Solution

PYVRP_VERSION = "0.14.1"
# Larger than any time in a plan (times stay below model.HORIZON = 1e9), far below
# PyVRP's MAX_VALUE (2**44), and safe to add up over a route in int64.
FORBIDDEN = 1 << 40

Progress = Callable[[float, float], None]


def unsupported(problem: Problem) -> list[str]:
    """What PyVRP cannot express in ``problem`` (empty = PyVRP solves it as is)."""
    reasons = []
    if problem.has_soft_lateness:
        reasons.append("soft lateness (lateness allowed at a cost)")
    if problem.has_multi_provider_visits:
        reasons.append("visits that need two providers")
    if problem.has_breaks:
        reasons.append("breaks")
    if problem.has_continuity:
        reasons.append("continuity bonus")
    return reasons


@dataclass
class Built:
    data: pyvrp.ProblemData
    clients: list[int]  # client index -> visit index
    type_providers: list[list[int]]  # vehicle type -> provider indices
    dropped: list[int]  # visits no provider may serve (left out before solving)


def build(problem: Problem) -> Built:
    """Translate ``problem`` (which ``unsupported`` accepts) to PyVRP data."""
    if reasons := unsupported(problem):
        raise ValueError("PyVRP cannot express: " + ", ".join(reasons))
    visits, providers = problem.visits, problem.providers
    w = problem.objective

    allowed = np.array(
        [[v.tasks[0].allows(p) for p in providers] for v in visits], dtype=bool
    ).reshape(len(visits), len(providers))
    servable = [i for i in range(len(visits)) if allowed[i].any()]
    dropped = [i for i in range(len(visits)) if not allowed[i].any()]

    # Depots: distinct provider locations, in order of first use.
    depot_locs: list[int] = []
    for p in providers:
        for loc in (p.start_location, p.end_location):
            if loc not in depot_locs:
                depot_locs.append(loc)
    depot_of = {loc: k for k, loc in enumerate(depot_locs)}
    loc_map = np.array(depot_locs + [visits[i].location for i in servable], dtype=np.int64)
    n_dep = len(depot_locs)
    n_loc = len(loc_map)
    n_all = next(iter(problem.matrices.values())).size

    durations = np.array(
        [[visits[i].tasks[0].duration_for(p) for p in providers] for i in servable],
        dtype=np.int64,
    ).reshape(len(servable), len(providers))
    uniform = (durations == durations[:, :1]).all(axis=1) if len(providers) else np.ones(0, bool)

    # Coordinates only help PyVRP draw plots; travel comes from the matrices.
    coords = problem.coordinates if len(problem.coordinates) == n_all else ()
    locations = [
        pyvrp.Location(x=coords[int(k)][0], y=coords[int(k)][1])
        if coords
        else pyvrp.Location(x=0, y=0)
        for k in loc_map
    ]
    depots = [pyvrp.Depot(location=k) for k in range(n_dep)]

    use_load = any(p.capacity is not None for p in providers) and any(
        visits[i].demand for i in servable
    )
    total_demand = sum(visits[i].demand for i in servable)
    clients = []
    for c, i in enumerate(servable):
        v = visits[i]
        clients.append(
            pyvrp.Client(
                location=n_dep + c,
                delivery=[v.demand] if use_load else [],
                service_duration=int(durations[c, 0]) if uniform[c] else 0,
                tw_early=v.earliest,
                tw_late=v.latest,
                prize=0 if v.required else v.penalty * w.unassigned,
                required=v.required,
                name=v.id,
            )
        )

    # Profiles: (travel profile, allowed visits, folded durations) -> index.
    base: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    profile_keys: dict[tuple[object, ...], int] = {}
    distance_matrices: list[np.ndarray] = []
    duration_matrices: list[np.ndarray] = []
    provider_profile: list[int] = []
    folded = ~uniform
    for pi, p in enumerate(providers):
        mask = allowed[servable, pi] if servable else np.zeros(0, bool)
        fold = tuple(durations[folded, pi].tolist())
        key = (p.profile, mask.tobytes(), fold)
        if key not in profile_keys:
            if p.profile not in base:
                m = problem.matrices[p.profile]
                dist = np.asarray(m.distance, dtype=np.int64)[np.ix_(loc_map, loc_map)]
                dur = np.asarray(m.duration, dtype=np.int64)[np.ix_(loc_map, loc_map)]
                base[p.profile] = (w.distance * dist + w.travel_time * dur, dur)
            cost, dur = base[p.profile]
            cost, dur = cost.copy(), dur.copy()
            if folded.any():
                rows = n_dep + np.flatnonzero(folded)
                dur[rows, :] += durations[folded, pi][:, None]
            forbidden = n_dep + np.flatnonzero(~mask)
            dur[:, forbidden] = FORBIDDEN
            cost[:, forbidden] = FORBIDDEN
            np.fill_diagonal(dur, 0)
            np.fill_diagonal(cost, 0)
            profile_keys[key] = len(distance_matrices)
            distance_matrices.append(cost)
            duration_matrices.append(dur)
        provider_profile.append(profile_keys[key])

    type_keys: dict[tuple[int | None, ...], int] = {}
    type_providers: list[list[int]] = []
    for pi, p in enumerate(providers):
        tkey = (
            depot_of[p.start_location],
            depot_of[p.end_location],
            p.shift_start,
            p.shift_end,
            p.max_work,
            p.capacity,
            provider_profile[pi],
        )
        if tkey not in type_keys:
            type_keys[tkey] = len(type_providers)
            type_providers.append([])
        type_providers[type_keys[tkey]].append(pi)
    vehicle_types = []
    for members in type_providers:
        p = providers[members[0]]
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=[p.capacity if p.capacity is not None else total_demand]
                if use_load
                else [],
                start_depot=depot_of[p.start_location],
                end_depot=depot_of[p.end_location],
                tw_early=p.shift_start,
                tw_late=p.shift_end,
                shift_duration=p.max_work,
                unit_distance_cost=1,
                unit_duration_cost=0,
                profile=provider_profile[members[0]],
                name=p.id,
            )
        )

    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=distance_matrices,  # type: ignore[arg-type]
        duration_matrices=duration_matrices,  # type: ignore[arg-type]
    )
    assert n_loc == data.num_locations
    return Built(data=data, clients=servable, type_providers=type_providers, dropped=dropped)


class _Stop:
    """Time limit (and optional iteration limit) that also reports progress."""

    def __init__(self, limit: float, progress: Progress | None, iterations: int | None) -> None:
        self.limit = limit
        self.progress = progress
        self.started = time.perf_counter()
        self.last = -1.0
        self.iterations = MaxIterations(iterations) if iterations is not None else None

    def __call__(self, best_cost: float) -> bool:
        elapsed = time.perf_counter() - self.started
        if self.iterations is not None and self.iterations(int(best_cost)):
            return True
        if self.progress is not None and elapsed - self.last >= 0.25:
            self.last = elapsed
            fraction = min(1.0, elapsed / self.limit) if self.limit > 0 else 1.0
            # PyVRP reports an infeasible best as a huge integer: show it as infinity.
            self.progress(fraction, best_cost if best_cost < 2**62 else math.inf)
        return elapsed >= self.limit


def to_pyvrp(built: Built, solution: Solution, problem: Problem) -> pyvrp.Solution | None:
    """A warm start from an earlier ``Solution`` (None if it does not fit this data)."""
    client_of = {problem.visits[vi].id: c for c, vi in enumerate(built.clients)}
    type_of = {pi: t for t, members in enumerate(built.type_providers) for pi in members}
    pindex = problem.provider_index
    routes = []
    for r in solution.routes:
        pi = pindex.get(r.provider)
        if pi is None or not r.stops or any(s.visit not in client_of for s in r.stops):
            return None
        routes.append(pyvrp.Route(built.data, [client_of[s.visit] for s in r.stops], type_of[pi]))
    try:
        return pyvrp.Solution(built.data, routes)
    except (ValueError, IndexError, RuntimeError):
        return None


def solve_pyvrp(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    progress: Progress | None = None,
    initial: Solution | None = None,
    iterations: int | None = None,
) -> Solution:
    """Solve with PyVRP's iterated local search for ``time_limit`` seconds."""
    started = time.perf_counter()
    built = build(problem)
    orders: dict[int, Sequence[TaskRef]] = {}
    num_iterations = 0
    if built.clients:
        stop = _Stop(max(0.0, time_limit - (time.perf_counter() - started)), progress, iterations)
        warm = to_pyvrp(built, initial, problem) if initial is not None else None
        result = pyvrp.solve(
            built.data,
            stop=stop,
            seed=seed,
            collect_stats=False,
            display=False,
            initial_solution=warm,
        )
        num_iterations = result.num_iterations
        free = [list(members) for members in built.type_providers]
        for route in result.best.routes():
            pi = free[route.vehicle_type()].pop(0)
            orders[pi] = [(built.clients[a.idx], 0) for a in route if a.is_client()]
    solution, _ = evaluate(
        problem,
        orders,
        solver=f"pyvrp {PYVRP_VERSION}",
        seconds=round(time.perf_counter() - started, 3),
        iterations=num_iterations,
    )
    if progress is not None:
        progress(1.0, float(solution.cost.total))
    return solution
