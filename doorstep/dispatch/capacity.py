"""Capacity-aware start times (ADR 0032): is a start time still servable? Pure core.

Booking offers a start time for an institution only while one more visit fits the day
its providers already have. The day is rebuilt the way a dispatcher would fill it:

1. every provider starts with the visits they already hold (as provider or second
   provider), which stay where they are;
2. the institution's booked visits that have no provider yet are given one greedily, in
   the order they were booked, each to the provider who can take it with the least added
   travel (a visit nobody can take is left out: it does not block).
   Booking order makes the check stable: a new visit is placed after every earlier one,
   exactly where step 3 found room for it, so accepting it never strands one booked before;
3. a new visit at a start time fits when some provider who could serve it (eligible, in
   radius, not excluded: the ``candidates``) can still take it on that day, or could once
   one waiting visit next to it moves to another provider who can serve that one
   (``repair``; step 2 makes the same move when the new visit is booked, ADR 0037).

"Can take" means what the planner means, without any lateness: the provider's visits in
booked order, each begun inside its arrival window (from the booked start to
``Stop.slack`` later, ADR 0037), from the home base at the shift's start and back by its
end, with time to travel between them (the planner's embedded travel model: straight-line
distance x the mode's detour factor at its speed plus its overhead,
``solver.travel.MODES``, which is stricter than the acceptance check's straight-line
speeds); the day's minutes under the provider's cap; and the break (``break_minutes``,
begun inside the break window) placed by the planner's own rule (``feasible``: one pass
over the earliest times).

In step 2 "the least travel" is the travel the visit adds where it goes in the provider's
day (previous -> it -> next instead of previous -> next, ``insertion_cost``).

The number shown to staff is how many candidates could take it. Nothing here reads the
database: ``doorstep.dispatch.slots`` loads the facts.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from doorstep.core import geo

Place = tuple[float, float]


def haversine_km(a: Place, b: Place) -> float:
    """Great-circle kilometres between two (lat, lng) places (``core.geo``)."""
    return geo.haversine_km(a[0], a[1], b[0], b[1])


@dataclass(frozen=True, order=True)
class Stop:
    """A visit in a provider's day: seconds of the day (``start``: the booked start, the
    earliest; ``end - start``: the duration), the home it is at (``None``: unknown, no
    travel counted) and ``slack``: how much later than ``start`` it may still begin on
    time (the arrival window, ``BOOKING_ARRIVAL_WINDOW_MINUTES``; 0: exactly at ``start``);
    ``ref``: the visit's id (0: a new visit)."""

    start: int
    end: int
    place: Place | None = field(default=None, compare=False)
    slack: int = field(default=0, compare=False)
    ref: int = field(default=0, compare=False)

    @property
    def latest(self) -> int:
        return self.start + self.slack

    @property
    def duration(self) -> int:
        return self.end - self.start


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
    """One start time: open or not, how many providers could take it, the least travel
    and waiting it adds to one of their days (``added_s``; ``None`` when nobody can take
    it as the day is) and whether booking recommends it (ADR 0038)."""

    start: int
    end: int
    open: bool
    free: int
    reason: str = ""
    added_s: float | None = None
    recommended: bool = False


def travel_s(w: Worker, a: Place | None, b: Place | None) -> float:
    """Seconds ``w`` needs from ``a`` to ``b``: the planner's embedded travel model
    (straight line x the mode's detour at its speed, plus its overhead per trip); 0 at the
    same place or when a place is unknown."""
    if a is None or b is None or a == b:
        return 0.0
    return haversine_km(a, b) * w.detour / w.speed_kmh * 3600.0 + w.overhead_s


def loose_s(w: Worker, stops: Sequence[Stop]) -> float | None:
    """Seconds of ``w``'s working day spent neither at a visit nor on the break: travel
    and waiting, from leaving home (just in time for the first visit) to being back; the
    schedule as ``feasible`` makes it, or ``None`` when that schedule fails. 0 for a day
    without visits. Booking's recommended start times are those that add the least of it
    (ADR 0038)."""
    brk = bool(w.break_minutes) and w.break_earliest is not None and w.break_latest is not None
    earliest, latest = w.break_earliest or 0, w.break_latest or 0
    need = w.break_minutes * 60
    t = float(w.shift_start)
    here = w.home
    leave: float | None = None  # leaving home: just in time for the first visit
    busy = 0.0  # visits, and the break when taken after leaving
    for s in stops:
        travel = travel_s(w, here, s.place)
        if brk:
            b = max(t, earliest)
            begin_without = max(t + travel, s.start)
            if b <= latest and (
                b + need + travel <= begin_without or begin_without + s.duration > latest
            ):
                brk = False
                t = b + need
                if leave is not None:
                    busy += need
        begin = max(t + travel, s.start)
        if begin > s.latest:
            return None
        if leave is None:
            leave = begin - travel
        t = begin + s.duration
        busy += s.duration
        here = s.place
    if brk:
        b = max(t, earliest)
        if b > latest:
            return None
        t = b + need
        if leave is not None:
            busy += need
    back = t + travel_s(w, here, w.home)
    if back > w.shift_end:
        return None
    return 0.0 if leave is None else back - leave - busy


def feasible(w: Worker, stops: Sequence[Stop]) -> bool:
    """``w`` can serve ``stops`` (sorted by booked start) in that order on time: from home
    at the shift's start, each begun between its ``start`` and ``latest`` as early as it
    can, back home by the shift's end.

    The break is placed by the planner's own rule (``solver.evaluate``): before the leg
    to a visit when it costs no time there (it fits in the wait for the window) or when
    after that visit it could no longer begin; else after the last visit. The same rule
    means the day booking filled is on time in the planner's schedule too (ADR 0037).
    """
    return loose_s(w, stops) is not None


def _room(w: Worker, stops: Sequence[Stop], new: Stop, minutes: int) -> list[Stop] | None:
    """``stops`` with ``new`` in its place, or ``None`` when a quick check already rules it
    out (too early or late for the shift, over the cap)."""
    if new.latest - travel_s(w, w.home, new.place) < w.shift_start:
        return None
    if new.end + travel_s(w, new.place, w.home) > w.shift_end:
        return None
    if w.cap_minutes is not None and minutes + new.duration // 60 > w.cap_minutes:
        return None
    i = bisect.bisect_left(stops, new)
    return [*stops[:i], new, *stops[i:]]


def fits(w: Worker, stops: Sequence[Stop], new: Stop, *, minutes: int = 0) -> bool:
    """``w``, whose day is ``stops`` (sorted, ``minutes`` long in total), can take ``new``."""
    day = _room(w, stops, new, minutes)
    return day is not None and feasible(w, day)


def added_loose_s(
    w: Worker, stops: Sequence[Stop], new: Stop, *, minutes: int = 0, before: float | None = None
) -> float | None:
    """Travel and waiting seconds ``new`` adds to ``w``'s day (``loose_s`` with it minus
    without it, ``before`` when known; negative when it fills a wait), or ``None`` when
    ``w`` cannot take it."""
    day = _room(w, stops, new, minutes)
    after = None if day is None else loose_s(w, day)
    if after is None:
        return None
    if before is None:
        before = loose_s(w, stops)
    return after - (before or 0.0)


def insertion_cost(w: Worker, stops: Sequence[Stop], new: Stop) -> float:
    """Travel seconds ``new`` adds to ``w``'s day where it goes (prev -> new -> next
    instead of prev -> next, home at either end)."""
    i = bisect.bisect_left(stops, new)
    before = stops[i - 1].place if i > 0 else w.home
    after = stops[i].place if i < len(stops) else w.home
    return (
        travel_s(w, before, new.place) + travel_s(w, new.place, after) - travel_s(w, before, after)
    )


@dataclass
class Day:
    """The providers' days after step 1 and 2 (see the module docstring); ``movable``: per
    provider, the waiting visits step 2 gave them and who else could serve each."""

    workers: dict[int, Worker]
    stops: dict[int, list[Stop]]
    minutes: dict[int, int]
    left_out: int = 0
    movable: dict[int, list[tuple[Stop, frozenset[int]]]] = field(default_factory=dict)
    _loose: dict[int, float | None] = field(default_factory=dict, repr=False)

    def can_take(self, pid: int, new: Stop) -> bool:
        w = self.workers.get(pid)
        return w is not None and fits(w, self.stops[pid], new, minutes=self.minutes[pid])

    def added_s(self, pid: int, new: Stop) -> float | None:
        """``added_loose_s`` for provider ``pid`` (``None``: cannot take it)."""
        w = self.workers.get(pid)
        if w is None:
            return None
        if pid not in self._loose:
            self._loose[pid] = loose_s(w, self.stops[pid])
        return added_loose_s(
            w, self.stops[pid], new, minutes=self.minutes[pid], before=self._loose[pid]
        )

    def put(self, pid: int, stop: Stop, servers: frozenset[int]) -> None:
        bisect.insort(self.stops[pid], stop)
        self.minutes[pid] += stop.duration // 60
        self._loose.pop(pid, None)
        self.movable.setdefault(pid, []).append((stop, servers))

    def servers_of(self, pid: int, stop: Stop) -> frozenset[int] | None:
        """Who could serve ``stop`` (this very visit) if it is a waiting one, else ``None``."""
        return next((sv for st, sv in self.movable.get(pid, ()) if st is stop), None)

    def take_out(self, pid: int, stop: Stop) -> frozenset[int]:
        # by identity: two visits may share start and end (arrival windows)
        self.stops[pid] = [s for s in self.stops[pid] if s is not stop]
        self.minutes[pid] -= stop.duration // 60
        self._loose.pop(pid, None)
        servers = self.servers_of(pid, stop)
        assert servers is not None, "only waiting visits move"
        self.movable[pid] = [(st, sv) for st, sv in self.movable[pid] if st is not stop]
        return servers


def repair(day: Day, candidates: Iterable[int], new: Stop) -> tuple[int, Stop, int] | None:
    """One move that makes room for ``new``: a candidate ``p`` takes it once a waiting visit
    ``j`` next to where it goes (before or after it) moves to another provider ``q`` who can
    serve ``j``; ``(p, j, q)``, the first in provider order, or ``None``. Held visits never
    move."""
    for pid in sorted(set(candidates)):
        w = day.workers.get(pid)
        if w is None:
            continue
        stops = day.stops[pid]
        i = bisect.bisect_left(stops, new)
        for j in stops[max(0, i - 1) : i + 1]:
            servers = day.servers_of(pid, j)
            if servers is None:
                continue
            rest = [s for s in stops if s is not j]
            if not fits(w, rest, new, minutes=day.minutes[pid] - j.duration // 60):
                continue
            for q in sorted(servers - {pid}):
                if day.can_take(q, j):
                    return pid, j, q
    return None


def fill(workers: Iterable[Worker], waiting: Iterable[Waiting]) -> Day:
    """Steps 1 and 2: the held visits, then the waiting ones given out greedily; one that
    nobody can take gets room by one move of an earlier waiting visit (``repair``) when
    there is one."""
    by_id = {w.id: w for w in workers}
    stops = {w.id: sorted(w.held) for w in by_id.values()}
    minutes = {w.id: sum(s.duration // 60 for s in w.held) for w in by_id.values()}
    day = Day(by_id, stops, minutes)
    # In booking order (then start time): a visit booked later can never take the place an
    # earlier booking was given, so what ``opening`` accepted stays servable (ADR 0032,
    # addendum: a fill in start order let a new early booking strand a later one). A repair
    # moves an earlier visit to another provider who can serve it: it stays placed.
    for v in sorted(waiting, key=lambda v: (v.booked, v.stop.start, v.stop.end)):
        best: tuple[float, int] | None = None
        for pid in sorted(v.servers):
            w = by_id.get(pid)
            if w is None or not fits(w, stops[pid], v.stop, minutes=minutes[pid]):
                continue
            cost = (insertion_cost(w, stops[pid], v.stop), pid)
            if best is None or cost < best:
                best = cost
        if best is not None:
            day.put(best[1], v.stop, v.servers)
            continue
        move = repair(day, v.servers, v.stop)
        if move is None:
            day.left_out += 1
            continue
        pid, j, q = move
        day.put(q, j, day.take_out(pid, j))
        day.put(pid, v.stop, v.servers)
    return day


def opening(day: Day, candidates: Iterable[int], new: Stop) -> Opening:
    """Step 3 for one start time: ``free`` candidates can take it as the day is; when none
    can, it is still open (``free`` 1) if one move of a waiting visit makes room
    (``repair``), exactly as step 2 will do once it is booked. ``added_s``: the least
    travel and waiting it adds to a candidate who can take it as the day is."""
    ids = [c for c in candidates if c in day.workers]
    if not ids:
        return Opening(new.start, new.end, False, 0, "no_provider")
    costs = [c for c in (day.added_s(pid, new) for pid in ids) if c is not None]
    free = len(costs)
    if not free and repair(day, ids, new) is not None:
        free = 1
    return Opening(
        new.start,
        new.end,
        free > 0,
        free,
        "" if free else "fully_booked",
        added_s=min(costs) if costs else None,
    )


#: Recommended start times save at least this much travel and waiting (seconds) against
#: the costliest open one (ADR 0038).
RECOMMEND_MARGIN_S = 300


def recommend(found: Sequence[Opening], top: int) -> list[Opening]:
    """``found`` with at most ``top`` open start times marked ``recommended``: those that
    add the least travel and waiting to a provider's day (earlier first on a tie), each at
    least ``RECOMMEND_MARGIN_S`` below the costliest open start time. Taking one leaves
    the most room for the next booking: the nurse is already nearby, or the visit fills a
    wait in their day."""
    costed = [
        (o.added_s, o.start, i) for i, o in enumerate(found) if o.open and o.added_s is not None
    ]
    if not costed or top <= 0:
        return list(found)
    worst = max(cost for cost, _start, _i in costed)
    chosen = {i for cost, _start, i in sorted(costed)[:top] if cost <= worst - RECOMMEND_MARGIN_S}
    return [replace(o, recommended=True) if i in chosen else o for i, o in enumerate(found)]


def openings(
    day: Day,
    candidates: Iterable[int],
    starts: Iterable[int],
    duration: int,
    place: Place | None,
    *,
    slack: int = 0,
    top: int = 0,
) -> list[Opening]:
    """``opening`` for each start time (seconds of the day), ``duration`` seconds long,
    begun at most ``slack`` seconds after it; up to ``top`` of them ``recommended``."""
    ids = list(candidates)
    found = [opening(day, ids, Stop(s, s + duration, place, slack)) for s in starts]
    return recommend(found, top)
