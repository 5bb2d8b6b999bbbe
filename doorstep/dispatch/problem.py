"""The database -> the solver's pure model, and a solution -> the plan JSON (ADR 0019).

``build(institution=..., day=...)`` reads one day:

* **visits** whose window starts that day (local time) in ``awaiting_dispatch`` or
  ``assigned`` are planned (an assigned one may keep or change its provider); visits
  ``en_route``, ``arrived`` or ``in_service`` are *fixed*: they stay with their provider,
  who becomes available at that home when the visit is expected to end (now + the rest
  of its duration, plus an overrun), and so does its second provider (two-provider
  visits, ``selectors.second_providers_in_force``); completed visits are past;
* a visit's **window**: its booked start (``Visit.window_start``) is the earliest start
  (``DISPATCH_EARLY_MINUTES`` earlier, default 0) and the booked arrival window's end the
  latest on-time start (``BOOKING_ARRIVAL_WINDOW_MINUTES`` later, ADR 0037;
  ``DISPATCH_LATE_TOLERANCE_MINUTES`` overrides it when set); a later start costs
  ``DISPATCH_LATENESS_COST`` per second (soft); its duration is ``duration_minutes``;
* **skills** come from the item's requirement (``catalog.selectors.requirement_for``):
  title rank -> ``Task.min_level``, certificates -> ``cert:<kind>`` credentials, and,
  so that every rule of ``workforce.eligibility`` holds (kinds, licence, years),
  ``req:<item code>`` held by exactly the providers ``eligibility.check`` allows that
  day; ``inst:<id>`` keeps a platform-wide plan inside each institution;
* **two providers**: an item needs ``providers_needed(item)`` providers (ADR 0019);
  two -> two tasks starting together;
* **providers**: of the institution, verified, active, no suspension or removal in
  force, with their shift (``Shift`` or ``models.DEFAULT_SHIFT``), break, home base
  (home, else home region centroid, else the institution), title rank as level, transport
  mode as travel profile;
* **continuity**: providers who completed a visit for the elder before are preferred
  (``DISPATCH_CONTINUITY_BONUS`` metres per visit); when re-planning, the current provider
  is the preferred one with ``DISPATCH_KEEP_BONUS`` (a strong wish to change little); a
  visit booked by a care plan prefers the intervention's preferred provider too
  (``health.careplans.preferred_providers``, ADR 0027);

Time 0 of the model is local midnight of the day, one unit = one second; distance is in
metres. Travel: ``DISPATCH_OSRM_URL`` (an OSRM server, ``solver.travel.OsrmTravel``) or
the embedded haversine x detour (``matrix.haversine_matrices``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from doorstep.catalog.selectors import requirement_for
from doorstep.core.masking import mask_name
from doorstep.dispatch.baseline import greedy
from doorstep.dispatch.matrix import haversine_matrices
from doorstep.dispatch.solver import travel
from doorstep.dispatch.solver.model import (
    Break,
    Matrix,
    Objective,
    Problem,
    Provider,
    Solution,
    Task,
    Visit,
)
from doorstep.orders.enums import VisitStatus
from doorstep.orders.models import Visit as VisitRow
from doorstep.orders.models import arrival_window
from doorstep.organizations.models import Institution, ServiceArea
from doorstep.workforce import eligibility
from doorstep.workforce.enums import VerificationStatus
from doorstep.workforce.models import Certificate
from doorstep.workforce.models import Provider as ProviderRow
from doorstep.workforce.selectors import provider_facts

from .models import DEFAULT_SHIFT, Shift, ShiftTimes
from .selectors import second_provider_ids_of

S = VisitStatus
PLANNED = (S.AWAITING_DISPATCH, S.ASSIGNED)
FIXED = (S.EN_ROUTE, S.ARRIVED, S.IN_SERVICE)
SERVED = (S.COMPLETED, S.REVIEWED)
#: A break must end this long before the shift does (time to get home after it).
BREAK_MARGIN = 30 * 60


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def origin_of(day: dt.date) -> dt.datetime:
    """Time 0 of the day's model: local midnight."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=local_zone())


def providers_needed(item: Any) -> int:
    """How many providers a visit of ``item`` needs at once (1 or 2): the item's
    ``providers_needed`` when the catalogue has one, else 2 for item codes listed in the
    setting ``DISPATCH_TWO_PROVIDER_ITEMS``, else 1 (ADR 0019)."""
    n = getattr(item, "providers_needed", None)
    if n is None:
        n = 2 if item.code in set(setting("DISPATCH_TWO_PROVIDER_ITEMS", ())) else 1
    return 2 if int(n) >= 2 else 1


@dataclass(frozen=True)
class Event:
    """A re-planning event: ``provider_sick`` (``provider_id`` unavailable from ``at``)
    or ``visit_overrun`` (``visit_id`` takes ``minutes`` longer)."""

    kind: str
    provider_id: int | None = None
    visit_id: int | None = None
    at: dt.datetime | None = None
    minutes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "provider_id": self.provider_id,
            "visit_id": self.visit_id,
            "at": self.at.isoformat() if self.at else None,
            "minutes": self.minutes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event | None:
        if not data:
            return None
        at = data.get("at")
        return cls(
            kind=data["kind"],
            provider_id=data.get("provider_id"),
            visit_id=data.get("visit_id"),
            at=dt.datetime.fromisoformat(at) if at else None,
            minutes=int(data.get("minutes") or 0),
        )


@dataclass
class Built:
    """The problem and what is needed to turn its solution back into people and places."""

    problem: Problem
    origin: dt.datetime
    visits: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, frozenset[str]] = field(default_factory=dict)

    def at(self, seconds: int | None) -> str | None:
        if seconds is None:
            return None
        return (self.origin + dt.timedelta(seconds=seconds)).isoformat()


def vid(pk: int) -> str:
    return f"v{pk}"


def pid(pk: int) -> str:
    return f"p{pk}"


def _seconds(origin: dt.datetime, when: dt.datetime) -> int:
    return int((when - origin).total_seconds())


def _clock(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def shifts_for(providers: Iterable[ProviderRow], day: dt.date) -> dict[int, ShiftTimes | None]:
    """Each provider's working times that day (``None`` = day off); default shift when
    there is no row."""
    ids = [p.pk for p in providers]
    rows = {s.provider_id: s for s in Shift.objects.filter(provider_id__in=ids, day=day)}
    out: dict[int, ShiftTimes | None] = {}
    for pk in ids:
        row = rows.get(pk)
        out[pk] = DEFAULT_SHIFT if row is None else (None if row.off else row.times())
    return out


def _home(p: ProviderRow) -> tuple[float, float] | None:
    if p.home_lat is not None and p.home_lng is not None:
        return (p.home_lat, p.home_lng)
    r = p.home_region
    if r is not None and r.centroid_lat is not None and r.centroid_lng is not None:
        return (r.centroid_lat, r.centroid_lng)
    inst = p.institution
    if inst is not None and inst.lat is not None and inst.lng is not None:
        return (inst.lat, inst.lng)
    if inst is not None and inst.region.centroid_lat is not None:
        return (inst.region.centroid_lat, inst.region.centroid_lng)  # type: ignore[return-value]
    return None


def _place(v: VisitRow) -> tuple[float, float] | None:
    if v.lat is not None and v.lng is not None:
        return (v.lat, v.lng)
    r = v.region
    if r.centroid_lat is not None and r.centroid_lng is not None:
        return (r.centroid_lat, r.centroid_lng)
    return None


def _blocked_ids(at: dt.datetime) -> set[int]:
    try:
        from doorstep.quality.selectors import blocked_provider_ids
    except ImportError:  # pragma: no cover - the quality app is optional
        return set()
    return set(blocked_provider_ids(at=at).values_list("provider_id", flat=True))


def _careplan_preferred(visit_ids: list[int]) -> dict[int, int]:
    """visit id -> the care plan's preferred provider (when the health app provides it)."""
    try:
        from doorstep.health.careplans import preferred_providers
    except ImportError:  # pragma: no cover - the health app is optional
        return {}
    return preferred_providers(visit_ids) if visit_ids else {}


def _item_name(item: Any) -> dict[str, str]:
    return {"en": item.name_en, "zh": item.name_zh}


#: Cost per second a visit begins after its arrival window (metres of travel): one minute
#: late weighs like 3.6 km, so the plan is late only where nothing else fits (ADR 0039).
LATENESS_COST = 60


def late_tolerance_s() -> int:
    """Seconds after the booked start a visit may begin on time: the booked arrival
    window (ADR 0037), unless ``DISPATCH_LATE_TOLERANCE_MINUTES`` says otherwise."""
    minutes = setting("DISPATCH_LATE_TOLERANCE_MINUTES", None)
    if minutes is None:
        return int(arrival_window().total_seconds())
    return int(minutes) * 60


def build(
    *,
    institution: Institution | None,
    day: dt.date,
    now: dt.datetime,
    event: Event | None = None,
    replanning: bool = False,
) -> Built:
    """The day's problem (see the module docstring)."""
    origin = origin_of(day)
    end_of_day = origin + dt.timedelta(days=1)
    now_s = max(0, _seconds(origin, now)) if now > origin else 0

    rows = list(
        VisitRow.objects.filter(
            window_start__gte=origin,
            window_start__lt=end_of_day,
            status__in=[*PLANNED, *FIXED],
        )
        .filter(Q(order__institution=institution) if institution is not None else Q())
        .select_related("order__item", "order__elder", "region")
        .order_by("window_start", "pk")
    )
    providers = list(
        ProviderRow.objects.filter(
            verification_status=VerificationStatus.VERIFIED,
            is_active=True,
            institution__isnull=False,
        )
        .filter(Q(institution=institution) if institution is not None else Q())
        .exclude(pk__in=_blocked_ids(max(now, origin)))
        .select_related("user", "home_region", "institution__region")
        .order_by("pk")
    )
    certs: dict[int, list[Certificate]] = defaultdict(list)
    for c in Certificate.objects.filter(provider__in=[p.pk for p in providers]):
        certs[c.provider_id].append(c)
    shifts = shifts_for(providers, day)

    # requirements per item, and who meets each
    requirements: dict[str, eligibility.Requirement] = {}
    items: dict[int, Any] = {}
    for v in rows:
        item = v.order.item
        items[item.pk] = item
        if item.code not in requirements:
            requirements[item.code] = requirement_for(item)
    areas: dict[int, list[str]] = defaultdict(list)
    for inst_id, path in ServiceArea.objects.filter(
        institution_id__in={v.order.institution_id for v in rows}
    ).values_list("institution_id", "region__path"):
        areas[inst_id].append(path)

    points: list[tuple[float, float]] = []
    index: dict[tuple[float, float], int] = {}

    def point(p: tuple[float, float]) -> int:
        """The location index of ``p`` (one per distinct place: smaller matrices)."""
        if p not in index:
            index[p] = len(points)
            points.append(p)
        return index[p]

    built = Built(problem=None, origin=origin)  # type: ignore[arg-type]
    late_cost = int(setting("DISPATCH_LATENESS_COST", LATENESS_COST))
    early = int(setting("DISPATCH_EARLY_MINUTES", 0)) * 60
    tolerance = late_tolerance_s()

    # fixed visits: the provider is busy until they end, then leaves from that home
    busy_until: dict[int, tuple[int, tuple[float, float]]] = {}
    planned_rows: list[VisitRow] = []
    seconds = second_provider_ids_of([v.pk for v in rows if v.status in FIXED])
    for v in rows:
        if v.status not in FIXED:
            planned_rows.append(v)
            continue
        extra = event.minutes * 60 if event and event.kind == "visit_overrun" else 0
        extra = extra if event and event.visit_id == v.pk else 0
        begun = max(_seconds(origin, v.window_start), 0)
        until = max(now_s, begun) + v.duration_minutes * 60 + extra
        if v.status == S.IN_SERVICE:
            until = max(now_s, begun + v.duration_minutes * 60 + extra)
        place = _place(v)
        holders = [v.provider_id, *sorted(seconds.get(v.pk, ()))]
        for holder in holders:  # the second provider of a two-provider visit is busy too
            if holder is None or place is None:
                continue
            prev = busy_until.get(holder)
            if prev is None or prev[0] < until:
                busy_until[holder] = (until, place)
        built.fixed.append(
            {
                "visit_id": v.pk,
                "provider_id": v.provider_id,
                "second_provider_ids": holders[1:],
                "until": built.at(until),
            }
        )

    # providers
    model_providers: list[Provider] = []
    facts_of: dict[int, eligibility.ProviderFacts] = {}
    for p in providers:
        times = shifts[p.pk]
        home = _home(p)
        if times is None or home is None:
            continue
        start, end = _clock(times.start), _clock(times.end)
        if event and event.kind == "provider_sick" and event.provider_id == p.pk and event.at:
            end = min(end, _seconds(origin, event.at))
        start_place = home
        if p.pk in busy_until:
            start = max(start, busy_until[p.pk][0])
            start_place = busy_until[p.pk][1]
        start = max(start, now_s)
        if end <= start:
            continue
        brk = None
        if times.break_minutes and times.break_earliest and times.break_latest:
            b0, b1 = _clock(times.break_earliest), _clock(times.break_latest)
            length = times.break_minutes * 60
            b0, b1 = max(b0, start), min(b1, end - length - BREAK_MARGIN)
            # A break whose latest start is past was taken; one that no longer fits in a
            # shortened day (a sick call), with time to get home after it, is dropped.
            if b0 <= b1:
                brk = Break(earliest=b0, latest=b1, duration=length)
        facts = provider_facts(p, certs.get(p.pk, []))
        facts_of[p.pk] = facts
        creds = {f"inst:{p.institution_id}"}
        creds |= {f"cert:{c.kind}" for c in facts.certificates if c.valid_on(day)}
        for code, req in requirements.items():
            if eligibility.check(facts, req, day).allowed:
                creds.add(f"req:{code}")
        s_loc = point(start_place)
        e_loc = point(home)
        max_work = times.max_work_minutes * 60 if times.max_work_minutes else 10**9
        model_providers.append(
            Provider(
                id=pid(p.pk),
                start_location=s_loc,
                end_location=e_loc,
                shift_start=start,
                shift_end=end,
                max_work=max_work,
                level=eligibility.TITLE_RANK.get(p.title or "", 0),
                credentials=frozenset(creds),
                break_=brk,
                profile=p.transport_mode,
                ref=p.pk,
            )
        )
        built.providers[pid(p.pk)] = {
            "provider_id": p.pk,
            "name": mask_name(p.user.display_name or p.user.username),
            "institution_id": p.institution_id,
            "mode": p.transport_mode,
            "home": {"lat": home[0], "lng": home[1]},
        }

    # continuity: who served each elder before
    elder_ids = {v.order.elder_id for v in planned_rows}
    seen: dict[int, set[str]] = defaultdict(set)
    for elder_id, prov_id in (
        VisitRow.objects.filter(order__elder_id__in=elder_ids, status__in=SERVED)
        .exclude(provider__isnull=True)
        .values_list("order__elder_id", "provider_id")
        .distinct()
    ):
        seen[elder_id].add(pid(prov_id))

    planned_for = _careplan_preferred([v.pk for v in planned_rows])

    # visits
    model_visits: list[Visit] = []
    for v in planned_rows:
        item = v.order.item
        info = {
            "visit_id": v.pk,
            "elder": mask_name(v.order.elder.full_name),
            "item": _item_name(item),
            "item_code": item.code,
            "window_start": v.window_start.isoformat(),
            "window_end": v.window_end.isoformat(),
            "status": v.status,
            "current_provider_id": v.provider_id,
            "lat": None,
            "lng": None,
        }
        place = _place(v)
        paths = areas.get(v.order.institution_id, [])
        if place is None:
            built.excluded.append({**info, "code": "no_location"})
            continue
        info["lat"], info["lng"] = place
        if not any(v.region.path.startswith(path) for path in paths):
            built.excluded.append({**info, "code": "area_not_covered"})
            continue
        req = requirements[item.code]
        extra = 0
        if event and event.kind == "visit_overrun" and event.visit_id == v.pk:
            extra = event.minutes * 60
        creds = {f"inst:{v.order.institution_id}", f"req:{item.code}"}
        creds |= {f"cert:{k}" for k in req.certificate_kinds}
        task = Task(
            duration=v.duration_minutes * 60 + extra,
            min_level=eligibility.TITLE_RANK.get(req.min_title, 0),
            credentials=frozenset(creds),
        )
        tasks = (task,) * providers_needed(item)
        start = _seconds(origin, v.window_start)
        history = frozenset(seen.get(v.order.elder_id, set()))
        if replanning and v.provider_id is not None:
            preferred = frozenset({pid(v.provider_id)})
        else:
            preferred = history | (
                frozenset({pid(v.provider_id)}) if v.provider_id is not None else frozenset()
            )
            if v.pk in planned_for:
                preferred |= {pid(planned_for[v.pk])}
        flags = set(v.risk_flags or ())
        priority = len(flags & {"lives_alone", "cognitive_impairment", "oxygen_in_use"})
        model_visits.append(
            Visit(
                id=vid(v.pk),
                location=point(place),
                tasks=tasks,
                earliest=max(0, start - early),
                latest=start + tolerance,
                lateness_cost=late_cost,
                priority=priority,
                preferred_providers=preferred,
                ref=v.pk,
            )
        )
        built.visits[vid(v.pk)] = info
        built.history[vid(v.pk)] = history
    if not model_visits and not model_providers:
        points.append((0.0, 0.0))

    profiles = sorted({p.profile for p in model_providers} or {"e_bike"})
    matrices = travel_matrices(points, profiles)
    bonus = int(
        setting("DISPATCH_KEEP_BONUS", 20_000)
        if replanning
        else setting("DISPATCH_CONTINUITY_BONUS", 2_000)
    )
    built.problem = Problem(
        visits=tuple(model_visits),
        providers=tuple(model_providers),
        matrices=matrices,
        objective=Objective(distance=1, lateness=1, unassigned=1, continuity=bonus),
        name=f"{institution.pk if institution else 'all'}/{day.isoformat()}",
        coordinates=tuple(points),
    )
    return built


def travel_matrices(points: list[tuple[float, float]], profiles: list[str]) -> dict[str, Matrix]:
    """OSRM when ``DISPATCH_OSRM_URL`` is set, else the embedded haversine x detour."""
    url = setting("DISPATCH_OSRM_URL", "")
    if url:
        return travel.matrices(points, profiles, travel.OsrmTravel(url))
    return haversine_matrices(points, profiles)


# --- solution -> plan JSON ----------------------------------------------------------------


def _minutes(seconds: int) -> int:
    return round(seconds / 60)


def figures(built: Built, solution: Solution) -> dict[str, Any]:
    """Travel km, idle and late minutes, continuity % of a solution."""
    problem = built.problem
    pmap = {p.id: p for p in problem.providers}
    idle = late = late_visits = hits = tasks = 0
    for route in solution.routes:
        p = pmap[route.provider]
        busy = route.travel_time + (p.break_.duration if p.break_ and route.break_start else 0)
        for st in route.stops:
            busy += st.end - st.start
            tasks += 1
            if st.lateness:
                late += st.lateness
                late_visits += 1
            if route.provider in built.history.get(st.visit, frozenset()):
                hits += 1
        idle += max(0, route.return_time - route.departure - busy)
    return {
        "visits": len(problem.visits) + len(built.excluded),
        "planned": len(problem.visits) - len(solution.unassigned),
        "unassigned": len(solution.unassigned) + len(built.excluded),
        "providers": len(problem.providers),
        "providers_used": sum(1 for r in solution.routes if r.stops),
        "travel_km": round(solution.cost.distance / 1000, 1),
        "idle_minutes": _minutes(idle),
        "lateness_minutes": _minutes(late),
        "late_visits": late_visits,
        "continuity_percent": round(100 * hits / tasks, 1) if tasks else 0.0,
    }


def result_json(
    built: Built,
    solution: Solution,
    *,
    baseline: Solution | None = None,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The plan as JSON for the API and the board: per provider the ordered stops (visit
    id, masked elder name, item name, ISO start/end, lat/lng), the unassigned visits with
    a reason code, the figures, and the changes against the current assignments (and the
    previous plan's times when re-planning)."""
    routes = []
    for route in solution.routes:
        info = built.providers[route.provider]
        p = next(x for x in built.problem.providers if x.id == route.provider)
        stops = []
        for st in route.stops:
            v = built.visits[st.visit]
            stops.append(
                {
                    "visit_id": v["visit_id"],
                    "task": st.task,
                    "elder": v["elder"],
                    "item": v["item"],
                    "arrival": built.at(st.arrival),
                    "start": built.at(st.start),
                    "end": built.at(st.end),
                    "late_minutes": _minutes(st.lateness),
                    "window_start": v["window_start"],
                    "lat": v["lat"],
                    "lng": v["lng"],
                    "current_provider_id": v["current_provider_id"],
                }
            )
        routes.append(
            {
                **info,
                "departure": built.at(route.departure),
                "return": built.at(route.return_time),
                "break_start": built.at(route.break_start),
                "break_minutes": _minutes(p.break_.duration) if p.break_ else 0,
                "travel_km": round(route.distance / 1000, 2),
                "stops": stops,
            }
        )
    unassigned = [
        {**{k: built.visits[x][k] for k in _PUBLIC}, "code": "not_planned"}
        for x in solution.unassigned
    ] + [{k: e[k] for k in (*_PUBLIC, "code")} for e in built.excluded]
    figs = figures(built, solution)
    if baseline is not None:
        base = figures(built, baseline)
        base_km = base["travel_km"]
        figs["baseline_travel_km"] = base_km
        figs["baseline_unassigned"] = base["unassigned"]
        figs["baseline_lateness_minutes"] = base["lateness_minutes"]
        figs["baseline_late_visits"] = base["late_visits"]
        figs["saving_percent"] = (
            round(100 * (1 - figs["travel_km"] / base_km), 1) if base_km else 0.0
        )
    changes = diff(built, solution, previous)
    return {
        "day": built.origin.date().isoformat(),
        "timezone": str(built.origin.tzinfo),
        "solver": solution.solver,
        "seconds": round(solution.seconds, 2),
        "feasible": solution.feasible,
        "routes": routes,
        "providers": [
            {
                **built.providers[p.id],
                "available_from": built.at(p.shift_start),
                "available_until": built.at(p.shift_end),
            }
            for p in built.problem.providers
        ],
        "unassigned": unassigned,
        "fixed": built.fixed,
        "figures": figs,
        "changes": changes,
        "notify_provider_ids": sorted(
            {c[k] for c in changes for k in ("from_provider_id", "to_provider_id") if c[k]}
        ),
    }


_PUBLIC = ("visit_id", "elder", "item", "window_start", "lat", "lng", "current_provider_id")
#: A planned start this far from the previous plan's counts as a change of time.
RETIME_SECONDS = 5 * 60


def planned_by_visit(result: dict[str, Any]) -> dict[int, tuple[int, str]]:
    """visit id -> (provider id, planned start ISO) of the first task in a plan JSON."""
    out: dict[int, tuple[int, str]] = {}
    for route in result.get("routes", []):
        for st in route["stops"]:
            if st["task"] == 0:
                out[st["visit_id"]] = (route["provider_id"], st["start"])
    return out


def diff(built: Built, solution: Solution, previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What the plan changes: visits moved to another provider (against the current
    assignment), released (assigned now, unplanned in the plan) or retimed (against the
    previous plan's start, when re-planning)."""
    before = planned_by_visit(previous or {})
    changes: list[dict[str, Any]] = []
    planned: set[str] = set()
    for route in solution.routes:
        to_pk = built.providers[route.provider]["provider_id"]
        for st in route.stops:
            if st.task != 0:
                continue
            planned.add(st.visit)
            v = built.visits[st.visit]
            cur = v["current_provider_id"]
            new_start = built.at(st.start)
            old = before.get(v["visit_id"])
            old_start = old[1] if old else v["window_start"]
            moved = cur is not None and cur != to_pk
            shift = abs(
                (
                    dt.datetime.fromisoformat(new_start)  # type: ignore[arg-type]
                    - dt.datetime.fromisoformat(old_start)
                ).total_seconds()
            )
            retimed = old is not None and shift >= RETIME_SECONDS
            if moved or retimed:
                changes.append(
                    {
                        "visit_id": v["visit_id"],
                        "kind": "moved" if moved else "retimed",
                        "from_provider_id": cur,
                        "to_provider_id": to_pk,
                        "old_start": old_start,
                        "new_start": new_start,
                    }
                )
    for x in solution.unassigned:
        v = built.visits[x]
        if v["current_provider_id"] is not None:
            changes.append(
                {
                    "visit_id": v["visit_id"],
                    "kind": "unplanned",
                    "from_provider_id": v["current_provider_id"],
                    "to_provider_id": None,
                    "old_start": v["window_start"],
                    "new_start": None,
                }
            )
    return sorted(changes, key=lambda c: c["visit_id"])


def baseline_of(built: Built) -> Solution:
    """The nearest-available greedy plan of the same problem."""
    return greedy(built.problem)
