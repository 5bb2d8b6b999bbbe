"""The routing problem and its solution: the one model every caller and solver shares.

Pure Python (no Django, no other doorstep app). Everything is a frozen dataclass and
every quantity is an integer:

* **time** is in *time units*; for real plans one unit is one second. Benchmark loaders
  may pick another scale (Solomon: one unit = 0.1 of the file's time, so that DIMACS
  truncated tenths are exact integers) and record it in ``Problem.time_scale``.
* **distance** is in *distance units*; for real plans one unit is one metre. Solomon
  uses tenths of the file's Euclidean unit. ``Problem.distance_scale`` = units per
  reported unit (1 for metres, 10 for Solomon tenths) so reports can divide it back.
* **cost** is an integer; the objective weights below multiply the integer measures.

Indexing: ``Problem.visits`` and ``Problem.providers`` are tuples; solvers work with
their positions, callers with their ``id`` strings. Locations are indices into the
travel matrices (``Problem.matrices[profile]``), shared by all profiles.

A visit consists of one or two *tasks* (``Visit.tasks``): the work one provider does
there. A task has its own skill requirement and its own duration per provider or per
skill level. A visit with two tasks needs two *different* providers, and the start of
task 2 minus the start of task 1 must lie within ``[gap_min, gap_max]``
(0/0 = both start at the same time). Time windows apply to each task's start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

# A time far beyond any plan: the default "no limit" for shifts, windows and working time.
HORIZON = 10**9


class ProblemError(ValueError):
    """The problem is malformed (an index out of range, an unknown profile, ...)."""


# --- travel ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Matrix:
    """Travel between all locations for one travel profile.

    ``duration[i][j]`` in time units, ``distance[i][j]`` in distance units, both
    non-negative integers; the diagonal is 0. Need not be symmetric.
    """

    duration: Sequence[Sequence[int]]
    distance: Sequence[Sequence[int]]

    @property
    def size(self) -> int:
        return len(self.duration)


class TravelProvider(Protocol):
    """Anything that turns points into a travel matrix (see ``travel.py``)."""

    def matrix(self, points: Sequence[tuple[float, float]], *, profile: str) -> Matrix:
        """Matrix over ``points`` given as ``(lat, lng)`` in WGS-84 degrees."""
        ...


# --- requirements ---------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """What one provider does at a visit.

    Skill: the provider's ``level`` must be >= ``min_level`` and their credentials must
    include every one of ``credentials``. Duration (time units): ``duration_by_provider``
    (provider id -> units) wins, then ``duration_by_level`` (index = provider level,
    the last entry is used for higher levels), then ``duration``.
    """

    duration: int
    min_level: int = 0
    credentials: frozenset[str] = frozenset()
    duration_by_level: tuple[int, ...] = ()
    duration_by_provider: Mapping[str, int] = field(default_factory=dict)

    def duration_for(self, provider: Provider) -> int:
        own = self.duration_by_provider.get(provider.id)
        if own is not None:
            return own
        if self.duration_by_level:
            return self.duration_by_level[min(provider.level, len(self.duration_by_level) - 1)]
        return self.duration

    def allows(self, provider: Provider) -> bool:
        return provider.level >= self.min_level and self.credentials <= provider.credentials


@dataclass(frozen=True)
class Visit:
    """One visit to one place.

    Time window on the start of each task: ``earliest`` (never earlier; the provider
    waits) and ``latest``. With ``lateness_cost is None`` the window end is hard; with an
    integer the start may be later at ``lateness_cost`` x weight per time unit (see
    ``Objective.lateness``), and the lateness also counts in the max-lateness term.

    Optional visits (``required=False``) may be left out at ``penalty`` (x
    ``Objective.unassigned``); ``priority`` (higher = more important) is informative
    for people and tie-breaks; the penalty is what the optimiser weighs.
    ``preferred_providers``: serving the visit with one of them earns
    ``Objective.continuity`` (subtracted from the cost) per task so served.
    ``demand``: capacity units the visit uses (for providers with a capacity).
    ``ref``: anything the caller wants back (an order id, a Mankowska (patient, service)).
    """

    id: str
    location: int
    tasks: tuple[Task, ...]
    earliest: int = 0
    latest: int = HORIZON
    lateness_cost: int | None = None
    gap_min: int = 0
    gap_max: int = 0
    required: bool = True
    penalty: int = 0
    priority: int = 0
    preferred_providers: frozenset[str] = frozenset()
    demand: int = 0
    ref: object = None

    @property
    def providers_needed(self) -> int:
        return len(self.tasks)

    @property
    def soft(self) -> bool:
        """True when lateness is allowed at a cost."""
        return self.lateness_cost is not None


def single_visit(
    id: str,
    location: int,
    duration: int,
    *,
    min_level: int = 0,
    credentials: frozenset[str] = frozenset(),
    **kwargs: object,
) -> Visit:
    """Shorthand for the common one-provider visit."""
    task = Task(duration=duration, min_level=min_level, credentials=credentials)
    return Visit(id=id, location=location, tasks=(task,), **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Break:
    """A break of ``duration`` starting between ``earliest`` and ``latest`` (hard)."""

    earliest: int
    latest: int
    duration: int


@dataclass(frozen=True)
class Provider:
    """A nurse or caregiver for the planned day.

    Starts at ``start_location`` not before ``shift_start``, ends at ``end_location``
    (both usually the home base) by ``shift_end``; ``max_work`` caps the time from
    leaving to returning. ``profile`` names the travel matrix (walking, bicycle, ...).
    ``capacity`` None = unlimited.
    """

    id: str
    start_location: int
    end_location: int
    shift_start: int = 0
    shift_end: int = HORIZON
    max_work: int = HORIZON
    level: int = 0
    credentials: frozenset[str] = frozenset()
    break_: Break | None = None
    profile: str = "car"
    capacity: int | None = None
    ref: object = None


@dataclass(frozen=True)
class Objective:
    """Integer weights; cost = sum of weight x measure.

    distance: per distance unit travelled; travel_time: per time unit travelling;
    lateness: per (time unit late x visit.lateness_cost), summed over tasks;
    max_lateness: per time unit of the largest single lateness; unassigned: x each
    left-out visit's penalty; continuity: bonus (subtracted) per task served by a
    preferred provider.
    """

    distance: int = 1
    travel_time: int = 0
    lateness: int = 1
    max_lateness: int = 0
    unassigned: int = 1
    continuity: int = 0


@dataclass(frozen=True)
class Problem:
    visits: tuple[Visit, ...]
    providers: tuple[Provider, ...]
    matrices: Mapping[str, Matrix]
    objective: Objective = Objective()
    name: str = ""
    time_scale: int = 1
    distance_scale: int = 1
    coordinates: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        self.validate()

    # -- checks and lookups ---------------------------------------------------------

    def validate(self) -> None:
        if not self.matrices:
            raise ProblemError("no travel matrix")
        sizes = {name: m.size for name, m in self.matrices.items()}
        n = next(iter(sizes.values()))
        if any(s != n for s in sizes.values()):
            raise ProblemError(f"travel matrices differ in size: {sizes}")
        seen: set[str] = set()
        for v in self.visits:
            if v.id in seen:
                raise ProblemError(f"duplicate visit id {v.id!r}")
            seen.add(v.id)
            if not 0 <= v.location < n:
                raise ProblemError(f"visit {v.id!r}: location {v.location} out of range")
            if len(v.tasks) not in (1, 2):
                raise ProblemError(f"visit {v.id!r}: needs 1 or 2 tasks")
            if v.earliest > v.latest:
                raise ProblemError(f"visit {v.id!r}: earliest after latest")
            if v.gap_min > v.gap_max:
                raise ProblemError(f"visit {v.id!r}: gap_min above gap_max")
            if any(t.duration < 0 for t in v.tasks) or v.demand < 0 or v.penalty < 0:
                raise ProblemError(f"visit {v.id!r}: negative duration, demand or penalty")
        seen = set()
        for p in self.providers:
            if p.id in seen:
                raise ProblemError(f"duplicate provider id {p.id!r}")
            seen.add(p.id)
            if p.profile not in self.matrices:
                raise ProblemError(f"provider {p.id!r}: unknown travel profile {p.profile!r}")
            for loc in (p.start_location, p.end_location):
                if not 0 <= loc < n:
                    raise ProblemError(f"provider {p.id!r}: location {loc} out of range")
            if p.shift_start > p.shift_end:
                raise ProblemError(f"provider {p.id!r}: shift starts after it ends")

    @property
    def visit_index(self) -> dict[str, int]:
        return {v.id: i for i, v in enumerate(self.visits)}

    @property
    def provider_index(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.providers)}

    # -- what the problem needs beyond plain VRPTW -----------------------------------

    @property
    def has_soft_lateness(self) -> bool:
        return any(v.soft for v in self.visits)

    @property
    def has_multi_provider_visits(self) -> bool:
        return any(len(v.tasks) > 1 for v in self.visits)

    @property
    def has_breaks(self) -> bool:
        return any(p.break_ is not None for p in self.providers)

    @property
    def has_continuity(self) -> bool:
        return self.objective.continuity > 0 and any(v.preferred_providers for v in self.visits)

    @property
    def has_provider_specific_durations(self) -> bool:
        return any(t.duration_by_provider for v in self.visits for t in v.tasks)


# --- solution -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    """One task served: ``visit`` id, ``task`` position (0 or 1) in ``Visit.tasks``.

    ``arrival`` at the place, ``start`` of service (>= arrival, waits until the window
    opens), ``end`` = start + duration, ``lateness`` = max(0, start - latest).
    """

    visit: str
    task: int
    arrival: int
    start: int
    end: int
    lateness: int = 0


@dataclass(frozen=True)
class Route:
    """One provider's day: leaves ``start_location`` at ``departure``, serves ``stops`` in
    order, is back at ``end_location`` at ``return_time``. ``break_start`` if a break is
    planned (it is taken at the place of the stop before it or before leaving)."""

    provider: str
    stops: tuple[Stop, ...]
    departure: int
    return_time: int
    distance: int
    travel_time: int
    break_start: int | None = None


@dataclass(frozen=True)
class Cost:
    """Measures and the weighted total (integers, model units).

    ``lateness_sum`` = sum over tasks of late time units x the visit's ``lateness_cost``;
    ``lateness_max`` = the largest single lateness in time units (unweighted);
    ``unassigned_penalty`` = sum of left-out visits' penalties; ``continuity_hits`` =
    tasks served by a preferred provider; ``total`` = ``weigh(problem, cost)``.
    """

    distance: int = 0
    travel_time: int = 0
    lateness_sum: int = 0
    lateness_max: int = 0
    unassigned_penalty: int = 0
    continuity_hits: int = 0
    total: int = 0


@dataclass(frozen=True)
class Solution:
    """Routes (one per provider who works; providers without visits may be left out),
    visits left out, the cost, whether every hard constraint holds, and solver facts."""

    routes: tuple[Route, ...]
    unassigned: tuple[str, ...]
    cost: Cost
    feasible: bool
    solver: str = ""
    seconds: float = 0.0
    iterations: int = 0

    def route_of(self, provider_id: str) -> Route | None:
        for r in self.routes:
            if r.provider == provider_id:
                return r
        return None


def weigh(problem: Problem, cost: Cost) -> int:
    """The weighted total of a cost's measures under ``problem.objective``."""
    w = problem.objective
    return (
        w.distance * cost.distance
        + w.travel_time * cost.travel_time
        + w.lateness * cost.lateness_sum
        + w.max_lateness * cost.lateness_max
        + w.unassigned * cost.unassigned_penalty
        - w.continuity * cost.continuity_hits
    )
