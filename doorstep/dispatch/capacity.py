"""Capacity-aware start times (ADR 0032): is a start time still servable? Pure core.

Booking offers a start time for an institution only while one more visit fits the day
its providers already have. The day is rebuilt the way a dispatcher would fill it:

1. every provider starts with the visits they already hold (as provider or second
   provider), which stay where they are;
2. the institution's booked visits that have no provider yet are given one greedily, in
   the order they were booked, each to the provider who can take it with the least travel
   from where they are before it (a visit nobody can take is left out: it does not block).
   Booking order makes the check stable: a new visit is placed after every earlier one,
   exactly where step 3 found room for it, so accepting it never strands one booked before;
3. a new visit at a start time fits when some provider who could serve it (eligible, in
   radius, not excluded: the ``candidates``) can still take it on that day.

"Can take" means what the planner means: inside the shift with time to come from and go
back to the home base; no overlap with the provider's visits and enough time to travel
between them (the planner's embedded travel model: straight-line distance x the mode's
detour factor at its speed plus its overhead, ``solver.travel.MODES``, which is stricter
than the acceptance check's straight-line speeds); the day's minutes under the provider's
cap; and the break still fits: a gap of ``break_minutes`` inside the break window, the
travel across that gap taken before or after it.

The number shown to staff is how many candidates could take it. Nothing here reads the
database: ``doorstep.dispatch.slots`` loads the facts.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Place = tuple[float, float]
EARTH_RADIUS_KM = 6371.0088


def haversine_km(a: Place, b: Place) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, order=True)
class Stop:
    """A visit in a provider's day: seconds of the day and the home it is at (``None``:
    unknown, no travel counted)."""

    start: int
    end: int
    place: Place | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Worker:
    """A provider working that day."""

    id: int
    shift_start: int
    shift_end: int
    home: Place | None = None
    speed_kmh: float = 18.0
    detour: float = 1.0
    overhead_s: int = 0
    held: tuple[Stop, ...] = ()
    cap_minutes: int | None = None
    break_earliest: int | None = None
    break_latest: int | None = None
    break_minutes: int = 0


@dataclass(frozen=True)
class Waiting:
    """A booked visit with no provider yet, who could serve it, and when it was booked
    (``booked``: any increasing number, e.g. the visit's id; the fill goes in that order)."""

    stop: Stop
    servers: frozenset[int] = field(default_factory=frozenset)
    booked: int = 0


@dataclass(frozen=True)
class Opening:
    """One start time: open or not, and how many providers could take it."""

    start: int
    end: int
    open: bool
    free: int
    reason: str = ""


def travel_s(w: Worker, a: Place | None, b: Place | None) -> float:
    """Seconds ``w`` needs from ``a`` to ``b``: the planner's embedded travel model
    (straight line x the mode's detour at its speed, plus its overhead per trip); 0 at the
    same place or when a place is unknown."""
    if a is None or b is None or a == b:
        return 0.0
    return haversine_km(a, b) * w.detour / w.speed_kmh * 3600.0 + w.overhead_s


def _break_fits(w: Worker, stops: Sequence[Stop]) -> bool:
    """A gap of ``break_minutes`` (after the travel across it) inside the break window."""
    if not w.break_minutes or w.break_earliest is None or w.break_latest is None:
        return True
    need = w.break_minutes * 60
    lo, hi = w.break_earliest, w.break_latest + need
    before = Stop(w.shift_start, w.shift_start, w.home)
    after = Stop(w.shift_end, w.shift_end, w.home)
    seq = [before, *stops, after]
    for a, b in itertools.pairwise(seq):
        t = travel_s(w, a.place, b.place)
        after_a = min(b.start - t, hi) - max(a.end, lo)  # the break where a was, then go
        before_b = min(b.start, hi) - max(a.end + t, lo)  # go, then the break at b
        if max(after_a, before_b) >= need:
            return True
    return False


def fits(w: Worker, stops: Sequence[Stop], new: Stop, *, minutes: int = 0) -> bool:
    """``w``, whose day is ``stops`` (sorted, ``minutes`` long in total), can take ``new``."""
    if new.start - travel_s(w, w.home, new.place) < w.shift_start:
        return False
    if new.end + travel_s(w, new.place, w.home) > w.shift_end:
        return False
    if w.cap_minutes is not None and minutes + (new.end - new.start) // 60 > w.cap_minutes:
        return False
    i = bisect.bisect_left(stops, new)
    prev = stops[i - 1] if i > 0 else None
    nxt = stops[i] if i < len(stops) else None
    if prev is not None and prev.end + travel_s(w, prev.place, new.place) > new.start:
        return False
    if nxt is not None and new.end + travel_s(w, new.place, nxt.place) > nxt.start:
        return False
    return _break_fits(w, [*stops[:i], new, *stops[i:]])


@dataclass
class Day:
    """The providers' days after step 1 and 2 (see the module docstring)."""

    workers: dict[int, Worker]
    stops: dict[int, list[Stop]]
    minutes: dict[int, int]
    left_out: int = 0


def fill(workers: Iterable[Worker], waiting: Iterable[Waiting]) -> Day:
    """Steps 1 and 2: the held visits, then the waiting ones given out greedily."""
    by_id = {w.id: w for w in workers}
    stops = {w.id: sorted(w.held) for w in by_id.values()}
    minutes = {w.id: sum((s.end - s.start) // 60 for s in w.held) for w in by_id.values()}
    day = Day(by_id, stops, minutes)
    # In booking order (then start time): a visit booked later can never take the place an
    # earlier booking was given, so what ``opening`` accepted stays servable (ADR 0032,
    # addendum: a fill in start order let a new early booking strand a later one).
    for v in sorted(waiting, key=lambda v: (v.booked, v.stop.start, v.stop.end)):
        best: tuple[float, int] | None = None
        for pid in sorted(v.servers):
            w = by_id.get(pid)
            if w is None or not fits(w, stops[pid], v.stop, minutes=minutes[pid]):
                continue
            i = bisect.bisect_left(stops[pid], v.stop)
            before = stops[pid][i - 1].place if i > 0 else w.home
            cost = (travel_s(w, before, v.stop.place), pid)
            if best is None or cost < best:
                best = cost
        if best is None:
            day.left_out += 1
            continue
        bisect.insort(stops[best[1]], v.stop)
        minutes[best[1]] += (v.stop.end - v.stop.start) // 60
    return day


def opening(day: Day, candidates: Iterable[int], new: Stop) -> Opening:
    """Step 3 for one start time."""
    ids = [c for c in candidates if c in day.workers]
    if not ids:
        return Opening(new.start, new.end, False, 0, "no_provider")
    free = sum(1 for c in ids if fits(day.workers[c], day.stops[c], new, minutes=day.minutes[c]))
    return Opening(new.start, new.end, free > 0, free, "" if free else "fully_booked")


def openings(
    day: Day, candidates: Iterable[int], starts: Iterable[int], duration: int, place: Place | None
) -> list[Opening]:
    """``opening`` for each start time (seconds of the day), ``duration`` seconds long."""
    ids = list(candidates)
    return [opening(day, ids, Stop(s, s + duration, place)) for s in starts]
