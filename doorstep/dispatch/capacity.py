"""Capacity-aware start times (ADR 0032): is a start time still servable? Pure core.

Booking offers a start time for an institution only while one more visit fits: after every
visit already booked there that needs somebody at about that time has been given a
provider, one provider is still free for the new visit. "Free" means what the orders
acceptance check and the planner mean:

* the provider meets the item's requirement, the new home is inside their service radius,
  they are not excluded by the elder, not sanctioned;
* their shift covers the visit;
* the visits they already hold (as provider or second provider) neither overlap it nor
  leave less time than the travel between the two homes (the acceptance check's rule);
* their minutes booked that day plus this visit stay under their daily cap.

Visits booked but not yet assigned (``awaiting_dispatch`` and the steps before it) compete
for the same people: each one whose window comes within ``buffer`` of the new visit takes
one of the providers who could serve it. Who takes whom is a bipartite matching; the new
visit fits when a maximum matching with it is larger than one without it (it can be served
without taking anybody from a visit already booked). The count shown to a person is the
number of providers left free after that matching.

Nothing here reads the database: ``doorstep.dispatch.slots`` loads the facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Held:
    """A visit a provider already holds: seconds of the day and, when known, travel
    minutes from its home to the new visit's home (``None``: unknown place, overlap only)."""

    start: int
    end: int
    travel_to_new: float | None


@dataclass(frozen=True)
class Candidate:
    """A provider who could serve the new visit (eligible, in radius, not excluded)."""

    id: int
    shift_start: int
    shift_end: int
    held: tuple[Held, ...] = ()
    booked_minutes: int = 0
    cap_minutes: int | None = None


@dataclass(frozen=True)
class Pending:
    """A booked visit with no provider yet, and who among the candidates could serve it."""

    start: int
    end: int
    servers: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Opening:
    """One start time: open or not, and how many providers stay free if it is booked."""

    start: int
    end: int
    open: bool
    free: int
    reason: str = ""


def is_free(c: Candidate, start: int, end: int) -> bool:
    """``c`` can take a visit from ``start`` to ``end`` (seconds of the day)."""
    if start < c.shift_start or end > c.shift_end:
        return False
    if c.cap_minutes is not None and c.booked_minutes + (end - start) // 60 > c.cap_minutes:
        return False
    for h in c.held:
        if h.start < end and h.end > start:
            return False
        if h.travel_to_new is None:
            continue
        gap = (start - h.end) if h.end <= start else (h.start - end)
        if h.travel_to_new * 60 > gap:
            return False
    return True


def max_matching(demand: Sequence[frozenset[int]], supply: Iterable[int]) -> dict[int, int]:
    """A maximum matching of demands (index -> one of their allowed supply ids), each
    supply id used once (augmenting paths, Kuhn). Demands are tried in order."""
    allowed = set(supply)
    owner: dict[int, int] = {}

    def augment(d: int, seen: set[int]) -> bool:
        for s in sorted(demand[d] & allowed):
            if s in seen:
                continue
            seen.add(s)
            if s not in owner or augment(owner[s], seen):
                owner[s] = d
                return True
        return False

    for d in range(len(demand)):
        augment(d, set())
    return {d: s for s, d in owner.items()}


def opening(
    candidates: Sequence[Candidate],
    pending: Sequence[Pending],
    start: int,
    end: int,
    *,
    buffer: int,
) -> Opening:
    """Whether a visit from ``start`` to ``end`` still fits (see the module docstring)."""
    free = [c.id for c in candidates if is_free(c, start, end)]
    if not free:
        reason = "no_provider" if not candidates else "fully_booked"
        return Opening(start, end, False, 0, reason)
    competing = [p.servers for p in pending if p.start < end + buffer and p.end > start - buffer]
    without = max_matching(competing, free)
    with_new = max_matching([*competing, frozenset(free)], free)
    fits = len(with_new) > len(without)
    left = len(free) - len(with_new) if fits else 0
    return Opening(start, end, fits, left, "" if fits else "fully_booked")


def openings(
    candidates: Sequence[Candidate],
    pending: Sequence[Pending],
    starts: Iterable[int],
    duration: int,
    *,
    buffer: int,
) -> list[Opening]:
    """``opening`` for each start time (seconds of the day), ``duration`` seconds long."""
    return [opening(candidates, pending, s, s + duration, buffer=buffer) for s in starts]
