"""Reads of the matching app: the ranking of one visit's candidates (ADR 0020).

``rank_visit`` is the Django adapter of ``scoring``. It answers in a bounded number of
queries whatever the number of providers:

1. the institution must serve the visit's region (one query; else nobody may take it);
2. one query for the institution's active, verified providers of a kind the item allows
   whose home base lies in a bounding box around the visit (``MATCHING_MAX_RADIUS_KM``),
   with their quality score (a LEFT JOIN);
3. the elder's exclusions, the providers under a suspension or removal, and (one
   aggregate) every screened provider's minutes booked on the visit's day and week and
   (another) their completed visits to this elder in the last 90 days;
4. screening and scoring in Python (``scoring.screen`` / ``scoring.rank``);
5. only then, best first, the exact rules on a handful of candidates: the credential rules
   (``workforce.eligibility.check`` over their certificates, one query for the batch) and
   the schedule including travel (``orders.services.schedule_conflicts``, one query each),
   until ``limit`` candidates pass.

Acceptance still assigns through ``orders.services.assign_provider``, which re-checks
everything with ``refusals_for``: the ranking can never let an ineligible provider in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import PROVIDER_ROLES
from doorstep.accounts.policy import Actor
from doorstep.catalog.selectors import region_in_service_areas, requirement_for
from doorstep.core import clock, geo
from doorstep.orders.enums import HOLDING_PROVIDER, VisitStatus
from doorstep.orders.models import Visit
from doorstep.orders.services import schedule_conflicts, travel_minutes
from doorstep.quality.selectors import blocked_provider_ids
from doorstep.workforce import eligibility
from doorstep.workforce.models import Certificate, Provider
from doorstep.workforce.selectors import provider_facts, reason_text

from . import scoring
from .enums import ExclusionStatus, OfferStatus
from .models import Exclusion, Offer

KM_PER_DEGREE = 111.32
CONTINUITY_DAYS = 90
DONE = (VisitStatus.COMPLETED, VisitStatus.REVIEWED)

#: Messages of the rules checked here (the same words as ``orders.services.refusals_for``).
AREA_NOT_COVERED = _("The institution does not serve this area.")
SCHEDULE_OVERLAP = _("The provider has another visit at that time.")
TRAVEL_TIME = _("There is not enough time to travel from or to the provider's other visit.")
NO_LOCATION = _("The visit has no location to match providers against.")


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def weights() -> scoring.Weights:
    """The formula's weights: ``MATCHING_WEIGHTS`` (a dict of ``Weights`` fields)."""
    return scoring.Weights(**setting("MATCHING_WEIGHTS", {}))


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Candidate:
    provider_id: int
    name: str
    kind: str
    distance_km: float
    ranked: scoring.Ranked


@dataclass(frozen=True)
class Refused:
    provider_id: int
    name: str
    reasons: tuple[Refusal, ...]


@dataclass
class Ranking:
    visit: Visit
    candidates: list[Candidate] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    #: Reasons that refuse every provider (the area is not served, no location).
    blocked: list[Refusal] = field(default_factory=list)
    #: Providers of the institution inside the bounding box that were looked at.
    considered: int = 0
    team_median_minutes: float = 0.0


def _screen_message(code: str) -> str:
    return gettext(scoring.REFUSAL_MESSAGES[code])


def visit_point(visit: Visit) -> tuple[float, float] | None:
    if visit.lat is not None and visit.lng is not None:
        return (visit.lat, visit.lng)
    region = visit.region
    if region.centroid_lat is not None and region.centroid_lng is not None:
        return (region.centroid_lat, region.centroid_lng)
    return None


def _day_and_week(at: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]:
    local = timezone.localtime(at)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - dt.timedelta(days=day.weekday())
    return day, day + dt.timedelta(days=1), week, week + dt.timedelta(days=7)


def booked_minutes(
    provider_ids: list[int], at: dt.datetime, *, exclude_visit: int | None = None
) -> dict[int, tuple[int, int]]:
    """``{provider_id: (minutes on at's day, minutes in at's week)}`` in one query."""
    day0, day1, week0, week1 = _day_and_week(at)
    rows = (
        Visit.objects.filter(
            provider_id__in=provider_ids,
            status__in=sorted(HOLDING_PROVIDER),
            window_start__gte=week0,
            window_start__lt=week1,
        )
        .exclude(pk=exclude_visit or 0)
        .values("provider_id")
        .annotate(
            week=Sum("duration_minutes"),
            day=Sum(
                Case(
                    When(window_start__gte=day0, window_start__lt=day1, then="duration_minutes"),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        )
    )
    return {r["provider_id"]: (int(r["day"] or 0), int(r["week"] or 0)) for r in rows}


def continuity_counts(provider_ids: list[int], elder_id: int) -> dict[int, int]:
    """Completed visits of each provider to the elder in the last 90 days (one query)."""
    since = clock.now() - dt.timedelta(days=CONTINUITY_DAYS)
    rows = (
        Visit.objects.filter(
            provider_id__in=provider_ids,
            order__elder_id=elder_id,
            status__in=DONE,
            window_start__gte=since,
        )
        .values("provider_id")
        .annotate(n=Count("id"))
    )
    return {r["provider_id"]: int(r["n"]) for r in rows}


def excluded_provider_ids(elder_id: int) -> frozenset[int]:
    return frozenset(
        Exclusion.objects.filter(elder_id=elder_id, status=ExclusionStatus.ACTIVE).values_list(
            "provider_id", flat=True
        )
    )


def already_offered(visit_id: int) -> frozenset[int]:
    """Providers this visit was offered to and who declined, timed out or accepted."""
    return frozenset(
        Offer.objects.filter(visit_id=visit_id)
        .exclude(status=OfferStatus.WITHDRAWN)
        .values_list("provider_id", flat=True)
    )


def _bbox(point: tuple[float, float], km: float) -> dict[str, float]:
    dlat = km / KM_PER_DEGREE
    dlng = km / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(point[0]))))
    return {
        "home_lat__gte": point[0] - dlat,
        "home_lat__lte": point[0] + dlat,
        "home_lng__gte": point[1] - dlng,
        "home_lng__lte": point[1] + dlng,
    }


def load_visit(visit_id: int) -> Visit:
    return Visit.objects.select_related(
        "order", "order__item", "order__elder", "order__institution", "region"
    ).get(pk=visit_id)


def rank_visit(
    visit: Visit,
    *,
    limit: int = 5,
    urgent: bool = False,
    skip: frozenset[int] = frozenset(),
    max_checks: int | None = None,
) -> Ranking:
    """The best ``limit`` candidates for ``visit`` that pass every rule, with their score
    terms, and the providers refused on the way with every reason. ``urgent`` orders by
    ETA instead of score; ``skip`` leaves providers out (already offered)."""
    order = visit.order
    ranking = Ranking(visit=visit)
    if not region_in_service_areas(order.institution, visit.region):
        ranking.blocked.append(Refusal("area_not_covered", str(AREA_NOT_COVERED)))
        return ranking
    point = visit_point(visit)
    if point is None:
        ranking.blocked.append(Refusal("no_location", str(NO_LOCATION)))
        return ranking
    requirement = requirement_for(order.item)
    qs = Provider.objects.filter(
        institution_id=order.institution_id,
        is_active=True,
        verification_status=eligibility.VERIFIED,
        **_bbox(point, float(setting("MATCHING_MAX_RADIUS_KM", 30.0))),
    )
    if requirement.kinds:
        qs = qs.filter(kind__in=sorted(requirement.kinds))
    if skip:
        qs = qs.exclude(pk__in=sorted(skip))
    rows = list(
        qs.values_list(
            "id",
            "user__display_name",
            "kind",
            "home_lat",
            "home_lng",
            "service_radius_km",
            "transport_mode",
            "gender",
            "languages",
            "max_daily_minutes",
            "quality__score",
        )
    )
    ranking.considered = len(rows)
    if not rows:
        return ranking
    ids = [r[0] for r in rows]
    now = clock.now()
    elder = order.elder
    need = scoring.VisitNeed(
        duration_minutes=visit.duration_minutes,
        rural=not visit.region.is_urban,
        preferred_gender=elder.preferred_provider_gender or "",
        languages=frozenset(elder.languages or ()),
        excluded=excluded_provider_ids(elder.pk),
        sanctioned=frozenset(
            blocked_provider_ids(at=now)
            .filter(provider__institution_id=order.institution_id)
            .values_list("provider_id", flat=True)
        ),
    )
    booked = booked_minutes(ids, visit.window_start, exclude_visit=visit.pk)
    seen = continuity_counts(ids, elder.pk)
    facts: dict[int, scoring.ProviderFacts] = {}
    names: dict[int, tuple[str, str, float]] = {}
    passed: list[scoring.ProviderFacts] = []
    for pid, name, kind, lat, lng, radius, mode, gender, langs, cap, quality in rows:
        if lat is None or lng is None:  # the bounding box already leaves them out
            continue
        km = geo.haversine_km(lat, lng, point[0], point[1])
        eta = travel_minutes(
            cast(Provider, SimpleNamespace(transport_mode=mode)), (lat, lng), point
        )
        day, week = booked.get(pid, (0, 0))
        f = scoring.ProviderFacts(
            provider_id=pid,
            distance_km=km,
            service_radius_km=radius,
            eta_minutes=round(eta, 2),
            gender=gender or "",
            languages=frozenset(langs or ()),
            max_daily_minutes=cap,
            booked_day_minutes=day,
            booked_week_minutes=week,
            visits_to_elder=seen.get(pid, 0),
            quality=quality,
        )
        facts[pid] = f
        names[pid] = (name or "", kind, km)
        codes = scoring.screen(f, need)
        if codes:
            ranking.refused.append(
                Refused(pid, name or "", tuple(Refusal(c, _screen_message(c)) for c in codes))
            )
        else:
            passed.append(f)
    # The team: every screened provider of the institution near the visit.
    team_median = scoring.median(f.booked_week_minutes for f in facts.values())
    ranking.team_median_minutes = team_median
    ranked = scoring.rank(passed, rural=need.rural, team_median=team_median, weights=weights())
    if urgent:
        order_ids = [f.provider_id for f in scoring.nearest(passed)]
        by_id = {r.provider_id: r for r in ranked}
        ranked = [by_id[i] for i in order_ids]
    checks = max_checks if max_checks is not None else max(limit * 4, 12)
    _exact_checks(ranking, ranked[:checks], names, requirement, limit)
    ranking.refused.sort(key=lambda r: (names[r.provider_id][2], r.provider_id))
    return ranking


def _exact_checks(
    ranking: Ranking,
    ranked: list[scoring.Ranked],
    names: dict[int, tuple[str, str, float]],
    requirement: eligibility.Requirement,
    limit: int,
) -> None:
    """Credentials and schedule, best first, in batches, until ``limit`` pass."""
    visit = ranking.visit
    on = timezone.localtime(visit.window_start).date()
    batch = max(limit + 2, 4)
    i = 0
    while i < len(ranked) and len(ranking.candidates) < limit:
        chunk = ranked[i : i + batch]
        i += batch
        ids = [r.provider_id for r in chunk]
        providers = Provider.objects.in_bulk(ids)
        certs: dict[int, list[Certificate]] = {pid: [] for pid in ids}
        for c in Certificate.objects.filter(provider_id__in=ids):
            certs[c.provider_id].append(c)
        for r in chunk:
            provider = providers[r.provider_id]
            reasons = [
                Refusal(x.code, reason_text(x))
                for x in eligibility.check(
                    provider_facts(provider, certs[r.provider_id]), requirement, on
                ).reasons
            ]
            if not reasons:
                conflicts = schedule_conflicts(provider, visit)
                if any(c["kind"] == "overlap" for c in conflicts):
                    reasons.append(Refusal("schedule_overlap", str(SCHEDULE_OVERLAP)))
                if any(c["kind"] == "travel" for c in conflicts):
                    reasons.append(Refusal("travel_time", str(TRAVEL_TIME)))
            name, kind, km = names[r.provider_id]
            if reasons:
                ranking.refused.append(Refused(r.provider_id, name, tuple(reasons)))
            elif len(ranking.candidates) < limit:
                ranking.candidates.append(Candidate(r.provider_id, name, kind, round(km, 3), r))


# --- offers ---------------------------------------------------------------------------------


def pending_offers_for(actor: Actor) -> QuerySet[Offer]:
    """The acting provider's offers still waiting for an answer, soonest deadline first
    (offers whose visit was meanwhile taken, cancelled or expired are left out)."""
    if actor.user is None or not actor.has(*PROVIDER_ROLES):
        return Offer.objects.none()
    return (
        Offer.objects.filter(
            provider__user_id=actor.user.pk,
            status=OfferStatus.PENDING,
            expires_at__gt=clock.now(),
            visit__status=VisitStatus.AWAITING_DISPATCH,
            visit__provider__isnull=True,
        )
        .select_related("visit", "visit__order", "visit__order__item", "visit__region")
        .order_by("expires_at", "id")
    )


def offers_of_visit(visit: Visit) -> QuerySet[Offer]:
    return Offer.objects.filter(visit=visit).select_related("provider__user").order_by("attempt")


def due_offer_ids(now: dt.datetime) -> list[int]:
    return list(
        Offer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("id", flat=True)[:500]
    )


def exclusions_of(elder_id: int) -> QuerySet[Exclusion]:
    return (
        Exclusion.objects.filter(elder_id=elder_id)
        .select_related("provider__user")
        .order_by("-created_at", "-id")
    )
