"""Start times a person may book, with the capacity behind each (ADR 0032).

``start_times(day)`` is the grid the booking page and the API offer (every
``BOOKING_SLOT_MINUTES`` from ``BOOKING_FIRST_START`` to ``BOOKING_LAST_START``, local
time). ``openings(...)`` loads, for one institution, item, elder and day, the facts the
pure core ``capacity`` needs and says which of those start times still fit.

``slot_open(...)`` is the orders services' hook (``_dispatch_hook``): ``place_order``
refuses a start time that does not fit (``slot_full``) when ``BOOKING_CAPACITY_CHECK`` is
on, for bookings by the elder or family; operators and institution staff may book past it
(they arrange the day by phone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from doorstep.catalog.selectors import home_of, requirement_for
from doorstep.core import geo
from doorstep.orders.enums import HOLDING_PROVIDER, VisitStatus
from doorstep.orders.models import Visit, arrival_window
from doorstep.workforce import eligibility
from doorstep.workforce.enums import TransportMode, VerificationStatus
from doorstep.workforce.models import Certificate
from doorstep.workforce.models import Provider as ProviderRow
from doorstep.workforce.selectors import provider_facts

from . import capacity
from .problem import _blocked_ids, origin_of, shifts_for
from .selectors import second_provider_ids_of, second_providers_in_force
from .solver.travel import MODES

S = VisitStatus
#: Booked visits that will need a provider but have none yet.
WAITING = (
    S.REQUESTED,
    S.AWAITING_ASSESSMENT,
    S.ACCEPTED,
    S.AWAITING_PAYMENT,
    S.AWAITING_DISPATCH,
)
#: Slack on the service radius, as the matching screen allows (km).
RADIUS_TOLERANCE_KM = 0.05


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _clock(value: str) -> int:
    hour, minute = (int(x) for x in value.split(":"))
    return hour * 3600 + minute * 60


def arrival_window_s() -> int:
    """Seconds after the booked start a provider may still arrive on time (ADR 0037)."""
    return int(arrival_window().total_seconds())


def start_times(day: dt.date) -> list[dt.datetime]:
    """The start times offered on ``day`` (aware, local)."""
    step = int(setting("BOOKING_SLOT_MINUTES", 30)) * 60
    first = _clock(str(setting("BOOKING_FIRST_START", "08:00")))
    last = _clock(str(setting("BOOKING_LAST_START", "17:00")))
    origin = origin_of(day)
    return [origin + dt.timedelta(seconds=s) for s in range(first, last + 1, step)]


@dataclass(frozen=True)
class Offer:
    """One start time as shown: the time, whether it fits, providers left free, and
    whether booking recommends it (ADR 0038) with the travel and waiting minutes it adds
    to the best-placed provider's day (``None``: nobody can take it as the day is)."""

    start: dt.datetime
    open: bool
    free: int
    reason: str
    recommended: bool = False
    added_minutes: int | None = None


def _seconds(origin: dt.datetime, when: dt.datetime) -> int:
    return int((when - origin).total_seconds())


def _clock_s(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _visit_point(v: Visit) -> tuple[float, float] | None:
    if v.lat is not None and v.lng is not None:
        return (v.lat, v.lng)
    r = v.region
    if r.centroid_lat is not None and r.centroid_lng is not None:
        return (r.centroid_lat, r.centroid_lng)
    return None


def _excluded(elder_id: int) -> set[int]:
    return _exclusions([elder_id]).get(elder_id, set())


def _exclusions(elder_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per elder, the providers they have excluded (active exclusions)."""
    from doorstep.matching.enums import ExclusionStatus
    from doorstep.matching.models import Exclusion

    out: dict[int, set[int]] = {}
    rows = Exclusion.objects.filter(
        elder_id__in=sorted(set(elder_ids)), status=ExclusionStatus.ACTIVE
    ).values_list("elder_id", "provider_id")
    for elder_id, provider_id in rows:
        out.setdefault(elder_id, set()).add(provider_id)
    return out


def _in_radius(p: ProviderRow, place: tuple[float, float] | None) -> bool:
    if place is None or p.home_lat is None or p.home_lng is None:
        return False
    km = geo.haversine_km(p.home_lat, p.home_lng, place[0], place[1])
    return km <= p.service_radius_km + RADIUS_TOLERANCE_KM


def _filled(
    *, institution_id: int, day: dt.date, exclude_visit: int | None
) -> tuple[capacity.Day, list[ProviderRow], Callable[[ProviderRow, Any], bool], dt.datetime]:
    """The institution's day (held visits, then its waiting visits given out, ADR 0032),
    its working providers, who may serve which item, and the day's origin."""
    origin = origin_of(day)
    end_of_day = origin + dt.timedelta(days=1)
    providers = list(
        ProviderRow.objects.filter(
            institution_id=institution_id,
            verification_status=VerificationStatus.VERIFIED,
            is_active=True,
        )
        .exclude(pk__in=_blocked_ids(origin))
        .order_by("pk")
    )
    shifts = shifts_for(providers, day)
    working = [p for p in providers if shifts[p.pk] is not None]
    ids = [p.pk for p in working]
    certs: dict[int, list[Certificate]] = {}
    for c in Certificate.objects.filter(provider__in=ids):
        certs.setdefault(c.provider_id, []).append(c)
    facts = {p.pk: provider_facts(p, certs.get(p.pk, [])) for p in working}
    allowed: dict[tuple[int, int], bool] = {}

    def may(p: ProviderRow, the_item: Any) -> bool:
        key = (p.pk, the_item.pk)
        if key not in allowed:
            allowed[key] = eligibility.check(facts[p.pk], _requirement(the_item), day).allowed
        return allowed[key]

    requirements: dict[int, eligibility.Requirement] = {}

    def _requirement(the_item: Any) -> eligibility.Requirement:
        if the_item.pk not in requirements:
            requirements[the_item.pk] = requirement_for(the_item)
        return requirements[the_item.pk]

    # The day's visits these providers hold (as provider or second provider) and the
    # institution's visits still waiting for one.
    second_visit_ids = set(
        second_providers_in_force()
        .filter(provider_id__in=ids, visit__window_start__lt=end_of_day)
        .filter(visit__window_end__gt=origin)
        .values_list("visit_id", flat=True)
    )
    visits = list(
        Visit.objects.filter(window_start__lt=end_of_day, window_end__gt=origin)
        .filter(
            Q(provider_id__in=ids, status__in=sorted(HOLDING_PROVIDER))
            | Q(pk__in=second_visit_ids, status__in=sorted(HOLDING_PROVIDER))
            | Q(order__institution_id=institution_id, status__in=WAITING)
        )
        .exclude(pk=exclude_visit or 0)
        .select_related("region", "order__item")
    )
    held: dict[int, list[capacity.Stop]] = {}
    waiting: list[tuple[Visit, capacity.Stop]] = []
    slack = arrival_window_s()
    seconds = second_provider_ids_of([v.pk for v in visits if v.status in HOLDING_PROVIDER])
    for v in visits:
        stop = capacity.Stop(
            _seconds(origin, v.window_start),
            _seconds(origin, v.window_end),
            _visit_point(v),
            slack,
            v.pk,
        )
        if v.status in HOLDING_PROVIDER:
            for pk in {v.provider_id, *seconds.get(v.pk, ())}:
                if pk is not None:
                    held.setdefault(pk, []).append(stop)
        else:
            waiting.append((v, stop))

    workers = []
    for p in working:
        times = shifts[p.pk]
        assert times is not None
        p_home = (p.home_lat, p.home_lng) if p.home_lat is not None else None
        mode = MODES.get(p.transport_mode, MODES[TransportMode.E_BIKE])
        workers.append(
            capacity.Worker(
                id=p.pk,
                shift_start=_clock_s(times.start),
                shift_end=_clock_s(times.end),
                home=p_home,  # type: ignore[arg-type]
                speed_kmh=mode.speed_kmh,
                detour=mode.detour,
                overhead_s=mode.overhead_s,
                held=tuple(held.get(p.pk, ())),
                cap_minutes=p.max_daily_minutes or None,
                break_earliest=_clock_s(times.break_earliest) if times.break_earliest else None,
                break_latest=_clock_s(times.break_latest) if times.break_latest else None,
                break_minutes=times.break_minutes,
            )
        )
    # who may serve a waiting visit: in radius, eligible for its item, not excluded by
    # its elder (as the candidates of a new booking, ``_facts``)
    excluded = _exclusions(v.order.elder_id for v, _stop in waiting)
    filled = capacity.fill(
        workers,
        [
            capacity.Waiting(
                stop=stop,
                servers=frozenset(
                    p.pk
                    for p in working
                    if p.pk not in excluded.get(v.order.elder_id, ())
                    and _in_radius(p, stop.place)
                    and may(p, v.order.item)
                ),
                booked=v.pk,
            )
            for v, stop in waiting
        ],
    )
    return filled, working, may, origin


def _facts(
    *, institution_id: int, item: Any, elder: Any, day: dt.date, exclude_visit: int | None
) -> tuple[capacity.Day, list[int], dt.datetime]:
    """The institution's day and the providers who could serve a visit of ``item`` at
    ``elder``'s home."""
    filled, working, may, origin = _filled(
        institution_id=institution_id, day=day, exclude_visit=exclude_visit
    )
    home = home_of(elder)
    excluded = _excluded(elder.pk)
    candidates = [
        p.pk for p in working if p.pk not in excluded and _in_radius(p, home) and may(p, item)
    ]
    return filled, candidates, origin


def booked_days(*, institution_ids: Iterable[int], day: dt.date) -> dict[int, list[int]]:
    """The day as booking filled it (ADR 0032, 0037): per provider, the ids of the visits
    the fill gives them (held and waiting), in start order. The day plan starts from it."""
    out: dict[int, list[int]] = {}
    for institution_id in sorted(set(institution_ids)):
        filled, _working, _may, _origin = _filled(
            institution_id=institution_id, day=day, exclude_visit=None
        )
        for provider_id, stops in filled.stops.items():
            refs = [s.ref for s in stops if s.ref]
            if refs:
                out.setdefault(provider_id, []).extend(refs)
    return out


def openings(
    *,
    institution_id: int,
    item: Any,
    elder: Any,
    day: dt.date,
    starts: list[dt.datetime] | None = None,
    exclude_visit: int | None = None,
) -> list[Offer]:
    """Each start time of ``day`` (or ``starts``) for a visit of ``item`` at ``elder``'s
    home with ``institution_id``: open or not, providers left free, and the recommended
    ones (``BOOKING_RECOMMENDED_TIMES``, ADR 0038)."""
    day_of, candidates, origin = _facts(
        institution_id=institution_id,
        item=item,
        elder=elder,
        day=day,
        exclude_visit=exclude_visit,
    )
    duration = int(item.duration_minutes) * 60
    times = starts if starts is not None else start_times(day)
    found = capacity.openings(
        day_of,
        candidates,
        [_seconds(origin, t) for t in times],
        duration,
        home_of(elder),
        slack=arrival_window_s(),
        top=int(setting("BOOKING_RECOMMENDED_TIMES", 3)),
    )
    return [
        Offer(
            start=t,
            open=o.open,
            free=o.free,
            reason=o.reason,
            recommended=o.recommended,
            added_minutes=None if o.added_s is None else round(o.added_s / 60),
        )
        for t, o in zip(times, found, strict=True)
    ]


def slot_open(
    *,
    institution_id: int,
    item: Any,
    elder: Any,
    start: dt.datetime,
    exclude_visit: int | None = None,
) -> Offer:
    """The one start time ``start`` (the orders services' capacity hook)."""
    local = start.astimezone(origin_of(start.date()).tzinfo)
    day = local.date()
    return openings(
        institution_id=institution_id,
        item=item,
        elder=elder,
        day=day,
        starts=[local],
        exclude_visit=exclude_visit,
    )[0]
