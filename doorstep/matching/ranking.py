"""The ranking of one visit's candidates: the Django adapter of ``scoring`` (ADR 0020 and
its addendum on speed; its statements are prepared once per database session, ADR 0036).

``rank_visit`` answers in a bounded number of queries, and its Python work is bounded by
the candidates it hands over, not by the providers in the area:

1. the institution must serve the visit's region (else nobody may take it);
2. one statement (``_screen_sql``): *the team* (the institution's active, verified
   providers of a kind the item allows whose home base lies in a bounding box of
   ``MATCHING_MAX_RADIUS_KM`` around the visit; index ``matching.0002``) with every rule
   of ``scoring.screen`` as a 0/1 flag: the great-circle distance against the provider's
   own radius (1 mm tolerance: SQL's floating point may differ from Python's in the last
   digit), the gender preference, a shared language, the elder's exclusions, suspensions
   and removals, and the daily cap (minutes booked that day and week, and completed visits
   to the elder, are CTEs of the same statement). It returns the counts (``considered``,
   ``refused_counts``), the survivors whose score needs more than ETA and quality
   ("apart"), the best ``m`` other survivors by an SQL key, and the nearest
   ``REFUSED_DETAIL_LIMIT`` refused providers;
3. in Python, exact distances, ETAs and scores (``scoring.score_of``) for the rows handed
   over, the ordinary ones a few at a time in key order until a bound proves that no
   survivor left behind (scored or not fetched) can enter the first ``checks``
   (``_beats``), else ``m`` grows (``_proved``); score terms only for the candidates
   returned (``scoring.ranked_of``);
4. then, best first, in batches, the exact rules the screen does not cover: credentials
   (``workforce.eligibility.check``, one certificates query per batch) and the schedule
   with travel (``orders.services.schedule_conflicts``, called only for providers who hold
   a visit within 12 hours of this one or a second-provider slot: one query per batch
   finds them), until ``limit`` candidates pass.

Acceptance still assigns through ``orders.services.assign_provider``, which re-checks
everything with ``refusals_for``: the ranking can never let an ineligible provider in.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import User
from doorstep.catalog.selectors import region_in_service_areas, requirement_for
from doorstep.core import clock, geo, sql
from doorstep.orders.enums import HOLDING_PROVIDER, VisitStatus
from doorstep.orders.models import Order, Visit
from doorstep.orders.services import SPEED_KMH, minutes_for_km, schedule_conflicts
from doorstep.quality.models import ProviderQuality
from doorstep.quality.selectors import blocked_provider_ids_sql
from doorstep.workforce import eligibility
from doorstep.workforce.enums import TransportMode
from doorstep.workforce.models import Certificate, Provider
from doorstep.workforce.selectors import provider_facts, reason_text

from . import scoring
from .enums import ExclusionStatus, OfferStatus
from .models import Exclusion, Offer

KM_PER_DEGREE = 111.32
CONTINUITY_DAYS = 90
DONE = (VisitStatus.COMPLETED, VisitStatus.REVIEWED)
#: Screen-refused providers reported one by one (nearest first); the rest are counted.
REFUSED_DETAIL_LIMIT = 20
#: Kilometres the SQL distance may exceed the radius before SQL alone refuses.
SQL_RADIUS_TOLERANCE_KM = 1e-6
#: ``schedule_conflicts`` looks this far around the visit.
SCHEDULE_MARGIN = dt.timedelta(hours=12)

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
    #: Refused providers with every reason: the nearest ``REFUSED_DETAIL_LIMIT`` refused
    #: by the screen, and every one refused by the exact checks (credentials, schedule).
    refused: list[Refused] = field(default_factory=list)
    #: Reasons that refuse every provider (the area is not served, no location).
    blocked: list[Refusal] = field(default_factory=list)
    #: Providers of the institution inside the bounding box that were looked at.
    considered: int = 0
    team_median_minutes: float = 0.0
    #: ``{code: providers refused for it}`` over everyone considered (a provider failing
    #: two rules counts under both); the exact checks count only the providers they ran on.
    refused_counts: dict[str, int] = field(default_factory=dict)
    #: Providers that passed the screen (before credentials and schedule).
    screened_in: int = 0


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


def _bbox(point: tuple[float, float], km: float, prefix: str = "") -> dict[str, float]:
    dlat = km / KM_PER_DEGREE
    dlng = km / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(point[0]))))
    return {
        f"{prefix}home_lat__gte": point[0] - dlat,
        f"{prefix}home_lat__lte": point[0] + dlat,
        f"{prefix}home_lng__gte": point[1] - dlng,
        f"{prefix}home_lng__lte": point[1] + dlng,
    }


def load_visit(visit_id: int) -> Visit:
    return Visit.objects.select_related(
        "order", "order__item", "order__elder", "order__institution", "region"
    ).get(pk=visit_id)


# --- the team and its SQL screen ------------------------------------------------------------


@dataclass(frozen=True)
class _Team:
    """Who is in the team (step 2)."""

    institution_id: int
    kinds: tuple[str, ...]
    point: tuple[float, float]
    radius_km: float
    skip: tuple[int, ...]


def _quoted(column: str, table: str | None = None) -> str:
    qn = connection.ops.quote_name
    return f"{qn(table or Provider._meta.db_table)}.{qn(column)}"


class _Sql:
    """An SQL text and its parameters, built in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> _Sql:
        self.parts.append(sql)
        self.params.extend(params)
        return self

    def sub(self, other: _Sql) -> str:
        self.params.extend(other.params)
        return other.text

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _distance_sql(point: tuple[float, float], lat: str, lng: str) -> _Sql:
    """``geo.haversine_km`` from the home base to ``point`` as SQL (the trigonometric
    functions exist on PostgreSQL and are registered by Django on SQLite)."""
    p2 = math.radians(point[0])
    return _Sql().add(
        f"(%s * ASIN(SQRT(POWER(SIN((%s - RADIANS({lat})) / 2.0), 2)"
        f" + %s * COS(RADIANS({lat})) * POWER(SIN((%s - RADIANS({lng})) / 2.0), 2))))",
        2.0 * geo.EARTH_RADIUS_KM, p2, math.cos(p2), math.radians(point[1]),
    )  # fmt: skip


#: The flat-earth distance (degrees scaled at the visit's latitude) is within 5 % + 10 m of
#: the great-circle one inside a box of up to 100 km at latitudes up to 70 degrees: there
#: it settles clear cases cheaply and the trigonometry runs only near the radius.
PLANAR_MAX_BOX_KM = 100.0
PLANAR_MAX_LAT = 70.0


def _in_list(column: str, ids: Any) -> _Sql:
    text, params = sql.in_list(column, ids)
    return _Sql().add(text, *params)


def _speaks_any(column: str, languages: frozenset[str]) -> _Sql:
    """True when the JSON list ``column`` has one of ``languages``."""
    langs = sorted(languages)
    if connection.vendor == "postgresql":
        return _Sql().add(f"jsonb_exists_any({column}, %s)", langs)
    marks = ", ".join(["%s"] * len(langs))
    return _Sql().add(
        f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value IN ({marks}))",  # noqa: S608
        *langs,
    )


#: The columns of every row the statement returns; the first row (``part`` "c") carries
#: the counts in the columns named by ``COUNT_COLUMNS``.
COLUMNS = (
    "part", "id", "lat", "lng", "radius", "mode", "quality", "gender", "languages", "cap",
    "excl", "sanc", "name", "key",
)  # fmt: skip
COUNT_COLUMNS = {
    "considered": "id", "survivors": "lat", "apart": "lng", "outside_radius": "radius",
    "gender_preference": "quality", "no_shared_language": "cap", "excluded_by_elder": "excl",
    "sanctioned": "sanc", "daily_cap": "key",
}  # fmt: skip


@dataclass
class _Screened:
    counts: dict[str, int]
    apart: list[dict[str, Any]]  # survivors ranked in Python whatever their key
    ordinary: list[dict[str, Any]]  # the other survivors, best key first, at most ``m``
    refused: list[dict[str, Any]]  # the nearest refused (flat distance), at most the limit
    booked: _Booked  # the team's minutes booked on the visit's day and week
    seen: dict[int, int]  # the team's completed visits to the elder (90 days)


def _screen_sql(
    team: _Team,
    need: scoring.VisitNeed,
    visit: Visit,
    order: _OrderSql,
    *,
    elder_id: int,
    now: dt.datetime,
    m: int | None,
) -> _Screened:
    """Step 4 in one statement: the team with every screening rule as a 0/1 flag
    (computed once per provider), the counts, the survivors apart, the best ``m``
    ordinary survivors by ``order``'s key and the nearest refused providers."""
    qn = connection.ops.quote_name
    table = qn(Provider._meta.db_table)
    col = {c: _quoted(c) for c in ("id", "home_lat", "home_lng", "service_radius_km",
                                   "max_daily_minutes", "gender", "languages")}  # fmt: skip
    q = _Sql()
    point = team.point
    ky = geo.EARTH_RADIUS_KM * math.pi / 180.0
    kx = ky * math.cos(math.radians(point[0]))
    lat, lng, radius = col["home_lat"], col["home_lng"], col["service_radius_km"]
    planar = _Sql().add(
        f"(({lat} - %s) * %s * (({lat} - %s) * %s) + ({lng} - %s) * %s * (({lng} - %s) * %s))",
        point[0], ky, point[0], ky, point[1], kx, point[1], kx,
    )  # fmt: skip
    tol = SQL_RADIUS_TOLERANCE_KM

    def radius_flag(beyond: str) -> _Sql:
        """1 when the great-circle distance is beyond ``radius {beyond} tol``; clear cases
        by the flat distance ``pl`` first (over the ``team`` rows)."""
        f = _Sql().add("(CASE ")
        if team.radius_km <= PLANAR_MAX_BOX_KM and abs(point[0]) <= PLANAR_MAX_LAT:
            hi, lo = "(radius * 1.05 + 0.01)", "(radius * 0.95 - 0.01)"
            far = 1 if beyond == "+" else 0
            f.add(f"WHEN pl > {hi} * {hi} THEN {far} WHEN {lo} > 0 AND pl <= {lo} * {lo} THEN 0 ")
        dist = _distance_sql(point, "home_lat", "home_lng")
        f.add(f"WHEN {f.sub(dist)} > radius {beyond} %s THEN 1 ", tol)
        return f.add("ELSE 0 END)")

    # Each stage is materialized: its columns are computed once per provider.
    quality = qn(ProviderQuality._meta.db_table)
    vt = qn(Visit._meta.db_table)
    ot = qn(Order._meta.db_table)
    at = connection.ops.adapt_datetimefield_value
    day0, day1, week0, week1 = _day_and_week(visit.window_start)
    holding = sorted(HOLDING_PROVIDER)
    # Minutes booked that day and week by the institution's providers (visits holding them).
    q.add("WITH booked AS MATERIALIZED (SELECT v.provider_id AS pid, ")
    q.add("SUM(CASE WHEN v.window_start >= %s AND v.window_start < %s ", at(day0), at(day1))
    q.add("THEN v.duration_minutes ELSE 0 END) AS bday, SUM(v.duration_minutes) AS bweek ")
    q.add(f"FROM {vt} v WHERE v.provider_id IN (SELECT {qn('id')} FROM {table} ")  # noqa: S608
    q.add(f"WHERE {qn('institution_id')} = %s) ", team.institution_id)
    q.add(f"AND {q.sub(_in_list('v.status', holding))} ")
    q.add("AND v.window_start >= %s AND v.window_start < %s ", at(week0), at(week1))
    q.add("AND v.id <> %s GROUP BY v.provider_id), ", visit.pk)
    # Completed visits to this elder in the last 90 days.
    q.add(f"seen AS MATERIALIZED (SELECT v.provider_id AS pid, COUNT(*) AS sn FROM {vt} v ")  # noqa: S608
    q.add(f"JOIN {ot} o ON o.id = v.order_id WHERE o.elder_id = %s ", elder_id)
    q.add(f"AND {q.sub(_in_list('v.status', DONE))} ")
    q.add("AND v.window_start >= %s ", at(now - dt.timedelta(days=CONTINUITY_DAYS)))
    q.add("AND v.provider_id IS NOT NULL GROUP BY v.provider_id), ")
    q.add("team AS MATERIALIZED (SELECT ")
    q.add(f"{col['id']} AS id, {lat} AS home_lat, {lng} AS home_lng, {radius} AS radius, ")
    # Narrow rows: the stages below copy every row two more times; gender, languages, the
    # cap and the user are read again from the table for the few refused rows shown.
    q.add(f"{_quoted('transport_mode')} AS mode, ")
    q.add("booked.bday AS bday, booked.bweek AS bweek, seen.sn AS sn, ")
    q.add(f"{q.sub(planar)} AS pl, ")
    if need.preferred_gender:
        q.add(f"(CASE WHEN {col['gender']} = %s THEN 0 ELSE 1 END) AS f_gender, ",
              need.preferred_gender)  # fmt: skip
    else:
        q.add("0 AS f_gender, ")
    if need.languages:
        q.add(f"(CASE WHEN {q.sub(_speaks_any(col['languages'], need.languages))} "
              "THEN 0 ELSE 1 END) AS f_lang, ")  # fmt: skip
    else:
        q.add("0 AS f_lang, ")
    # The elder's active exclusions (this app's table: written here, not compiled by the
    # ORM at every request; the same rows as ``excluded_provider_ids``).
    ex = qn(Exclusion._meta.db_table)
    q.add(f"(CASE WHEN {col['id']} IN (SELECT x.{qn('provider_id')} FROM {ex} x ")  # noqa: S608
    q.add(f"WHERE x.{qn('elder_id')} = %s AND x.{qn('status')} = %s) ",
          elder_id, str(ExclusionStatus.ACTIVE))  # fmt: skip
    q.add("THEN 1 ELSE 0 END) AS f_excl, ")
    sanc_sql, sanc_params = blocked_provider_ids_sql(at=now)
    q.add(f"(CASE WHEN {col['id']} IN ({sanc_sql}) THEN 1 ELSE 0 END) AS f_sanc, ", *sanc_params)
    # Over the cap: the minutes booked that day plus this visit's.
    q.add("(CASE WHEN COALESCE(booked.bday, 0) + %s > ", need.duration_minutes)
    q.add(f"{col['max_daily_minutes']} THEN 1 ELSE 0 END) AS f_cap ")
    box = _bbox(point, team.radius_km)
    q.add(f"FROM {table} LEFT JOIN booked ON booked.pid = {col['id']} ")
    q.add(f"LEFT JOIN seen ON seen.pid = {col['id']} ")
    q.add(f"WHERE {_quoted('institution_id')} = %s ", team.institution_id)
    q.add(f"AND {_quoted('is_active')} = %s ", True)
    q.add(f"AND {_quoted('verification_status')} = %s ", eligibility.VERIFIED)
    q.add(f"AND {lat} >= %s AND {lat} <= %s ", box["home_lat__gte"], box["home_lat__lte"])
    q.add(f"AND {lng} >= %s AND {lng} <= %s ", box["home_lng__gte"], box["home_lng__lte"])
    if team.kinds:
        q.add(f"AND {q.sub(_in_list(_quoted('kind'), team.kinds))} ")
    if team.skip:
        q.add(f"AND NOT {q.sub(_in_list(col['id'], team.skip))} ")
    # One more pass: the radius flags and the verdicts. The inner select is not
    # materialized (the planner inlines it), so its two cheap CASEs may be evaluated twice;
    # that costs less than copying every row through one more stage.
    q.add("), flagged AS MATERIALIZED (SELECT radial.*, ")
    q.add("(CASE WHEN f_out + f_gender + f_lang + f_excl + f_sanc + f_cap = 0 ")
    q.add("THEN 1 ELSE 0 END) AS ok, ")
    q.add("(CASE WHEN f_edge = 1 OR bweek IS NOT NULL OR sn IS NOT NULL THEN 1 ELSE 0 END)")
    q.add(" AS apart ")
    q.add("FROM (SELECT team.*, ")
    q.add(f"{q.sub(radius_flag('+'))} AS f_out, {q.sub(radius_flag('-'))} AS f_edge FROM team)")
    q.add(" AS radial) ")
    # The counts.
    q.add("SELECT 'c' AS part, COUNT(*) AS id, SUM(ok) AS lat, SUM(ok * apart) AS lng, ")
    # Typed NULLs: PostgreSQL resolves the UNION's column types branch by branch.
    text, num, big = "CAST(NULL AS TEXT)", "CAST(NULL AS DOUBLE PRECISION)", "CAST(NULL AS BIGINT)"
    js = "CAST(NULL AS JSONB)" if connection.vendor == "postgresql" else text
    q.add(f"SUM(f_out) AS radius, {text} AS mode, SUM(f_gender) AS quality, {text} AS gender, ")
    q.add(f"{js} AS languages, SUM(f_lang) AS cap, SUM(f_excl) AS excl, SUM(f_sanc) AS sanc, ")
    q.add(f"{text} AS name, SUM(f_cap) AS skey FROM flagged ")
    # The quality score only for the survivors (it orders them): not joined for the team.
    join_q = f"LEFT JOIN {quality} qq ON qq.{qn('provider_id')} = flagged.id "
    score = f"qq.{qn('score')}"
    # The survivors apart.
    f = "flagged."
    q.add(f"UNION ALL SELECT 'a', {f}id, {f}home_lat, {f}home_lng, {f}radius, {f}mode, ")
    q.add(f"{score}, {text}, {js}, {big}, {big}, {big}, {text}, {num} FROM flagged {join_q}")
    q.add(f"WHERE {f}ok = 1 AND {f}apart = 1 ")
    # The ordinary survivors, best key first.
    q.add(f"UNION ALL SELECT * FROM (SELECT 'o', {f}id, {f}home_lat, {f}home_lng, {f}radius, ")  # noqa: S608
    q.add(f"{f}mode, ")
    q.add(f"{score}, {text}, {js}, {big}, {big}, {big}, {text}, ")
    q.add(f"{q.sub(order.key_sql(score))} AS skey FROM flagged {join_q}")
    q.add(
        f"WHERE {f}ok = 1 AND {f}apart = 0 ORDER BY skey {'ASC' if order.urgent else 'DESC'}, {f}id "
    )
    if m is not None:
        q.add("LIMIT %s", m)
    q.add(") o ")
    # The team's bookings and visits to the elder.
    q.add(f"UNION ALL SELECT 'b', id, bday, bweek, sn, {text}, {num}, {text}, {js}, {big}, ")
    q.add(f"{big}, {big}, {text}, {num} FROM flagged WHERE bweek IS NOT NULL OR sn IS NOT NULL ")
    # The nearest refused.
    user = qn(User._meta.db_table)
    q.add(f"UNION ALL SELECT 'r', r.id, r.home_lat, r.home_lng, r.radius, r.mode, {num}, ")
    q.add(f"p.{qn('gender')}, p.{qn('languages')}, p.{qn('max_daily_minutes')}, ")
    q.add(f"r.f_excl, r.f_sanc, {user}.{qn('display_name')}, {num} ")
    q.add("FROM (SELECT * FROM flagged WHERE ok = 0 ORDER BY pl, id LIMIT %s) r ",
          REFUSED_DETAIL_LIMIT)  # fmt: skip
    q.add(f"JOIN {table} p ON p.{qn('id')} = r.id ")
    q.add(f"LEFT JOIN {user} ON {user}.{qn('id')} = p.{qn('user_id')}")
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in sql.fetchall(q.text, q.params)]
    out = _Screened(counts={}, apart=[], ordinary=[], refused=[], booked=_Booked({}, {}), seen={})
    for r in rows:
        part = r["part"]
        if part == "b":
            if r["lng"] is not None:
                out.booked.day[r["id"]] = int(r["lat"] or 0)
                out.booked.week[r["id"]] = int(r["lng"] or 0)
            if r["radius"] is not None:
                out.seen[r["id"]] = int(r["radius"])
        elif part == "c":
            out.counts = {k: int(r[c] or 0) for k, c in COUNT_COLUMNS.items()}
        elif part == "a":
            out.apart.append(r)
        elif part == "o":
            out.ordinary.append(r)
        else:
            if isinstance(r["languages"], str):
                r["languages"] = json.loads(r["languages"])
            out.refused.append(r)
    out.ordinary.sort(key=lambda r: (r["key"] if order.urgent else -r["key"], r["id"]))
    out.refused.sort(key=lambda r: r["id"])
    return out


class _OrderSql:
    """The survivors' order as SQL: the ETA (urgent) or the part of the score that varies
    among providers with no booking this week and no visit to the elder (ETA and
    quality), and how far it may be from Python's exact value (``slack``)."""

    def __init__(
        self,
        point: tuple[float, float],
        need: scoring.VisitNeed,
        w: scoring.Weights,
        urgent: bool,
    ) -> None:
        self.urgent = urgent
        self.point = point
        self.w = w
        self.horizon = w.eta_horizon_minutes * (w.rural_eta_factor if need.rural else 1.0)
        # ETA rounded to 0.01 min in Python; the score's terms to 1e-6 each.
        self.eta_slack = 0.006
        self.slack = w.eta * 0.01 / self.horizon + 2e-5
        self.rural = need.rural
        self.exact_order = urgent or min(w.eta, w.quality) >= 0

    def floor(self, team_median: float) -> float:
        """The score of a provider with ETA and quality terms at 0 and nothing booked."""
        return scoring.score_of(
            self.horizon * 2, 0, self.w.quality_min, 0,
            rural=self.rural, team_median=team_median, weights=self.w,
        )  # fmt: skip

    def eta_sql(self) -> _Sql:
        """``orders.services.travel_minutes`` as SQL over the ``flagged`` rows."""
        e = _Sql().add("(")
        dist = _distance_sql(self.point, "home_lat", "home_lng")
        e.add(f"{e.sub(dist)} / (CASE flagged.mode ")
        for mode, speed in SPEED_KMH.items():
            e.add("WHEN %s THEN %s ", str(mode), float(speed))
        return e.add("ELSE %s END) * 60.0)", float(SPEED_KMH[TransportMode.E_BIKE]))

    def key_sql(self, score: str) -> _Sql:
        if self.urgent:
            return self.eta_sql()
        w, k = self.w, _Sql()
        eta = self.eta_sql()
        k.add("(%s * (CASE WHEN ", w.eta)
        k.add(f"{k.sub(eta)} >= %s THEN 0.0 ", self.horizon)
        k.add(f"ELSE 1.0 - {k.sub(eta)} / %s END) + ", self.horizon)
        qn = f"((COALESCE({score}, %s) - %s) / %s)"
        qp = (w.quality_prior, w.quality_min, w.quality_max - w.quality_min)
        k.add(f"%s * (CASE WHEN {qn} < 0 THEN 0.0 ", w.quality, *qp)
        k.add(f"WHEN {qn} > 1 THEN 1.0 ELSE {qn} END))", *qp, *qp)
        return k


@dataclass
class _Booked:
    """Minutes booked by the team on the visit's day and week (visits holding a provider)."""

    day: dict[int, int]
    week: dict[int, int]


#: Ordinary survivors fetched at first; multiplied by 4 until the best are proved.
FETCH_MIN = 48
#: Ordinary survivors scored in Python at a time, best key first (``rank_visit``).
ORDINARY_STEP = 8

Pooled = tuple[float, float, int, float, float, "float | None"]


def rank_visit(
    visit: Visit,
    *,
    limit: int = 5,
    urgent: bool = False,
    skip: frozenset[int] = frozenset(),
    max_checks: int | None = None,
    area_covered: bool | None = None,
) -> Ranking:
    """The best ``limit`` candidates for ``visit`` that pass every rule, with their score
    terms; the providers refused (the nearest with every reason, all of them counted by
    reason). ``urgent`` orders by ETA instead of score; ``skip`` leaves providers out
    (already offered). ``area_covered``: whether the institution serves the visit's region,
    when the caller has read it already (``access.access_visit_to_rank``)."""
    order = visit.order
    ranking = Ranking(visit=visit)
    if area_covered is None:
        area_covered = region_in_service_areas(order.institution, visit.region)
    if not area_covered:
        ranking.blocked.append(Refusal("area_not_covered", str(AREA_NOT_COVERED)))
        return ranking
    point = visit_point(visit)
    if point is None:
        ranking.blocked.append(Refusal("no_location", str(NO_LOCATION)))
        return ranking
    requirement = requirement_for(order.item)
    team = _Team(
        institution_id=order.institution_id,
        kinds=tuple(sorted(requirement.kinds)),
        point=point,
        radius_km=float(setting("MATCHING_MAX_RADIUS_KM", 30.0)),
        skip=tuple(sorted(skip)),
    )
    elder = order.elder
    need = scoring.VisitNeed(
        duration_minutes=visit.duration_minutes,
        rural=not visit.region.is_urban,
        preferred_gender=elder.preferred_provider_gender or "",
        languages=frozenset(elder.languages or ()),
    )
    w = weights()
    checks = max_checks if max_checks is not None else max(limit * 4, 12)

    def exact(r: dict[str, Any], band: list[tuple[float, int]]) -> Pooled | None:
        pid, lat, lng = r["id"], r["lat"], r["lng"]
        km = geo.haversine_km(lat, lng, point[0], point[1])
        if km > r["radius"]:
            band.append((km, pid))
            return None
        eta = round(minutes_for_km(r["mode"], km), 2)
        key = 0.0
        if not urgent:
            key = -scoring.score_of(
                eta, seen.get(pid, 0), r["quality"], booked.week.get(pid, 0),
                rural=need.rural, team_median=team_median, weights=w,
            )  # fmt: skip
        return (key, eta, pid, km, r["radius"], r["quality"])

    m: int | None = max(FETCH_MIN, 2 * checks)
    order_sql = _OrderSql(point, need, w, urgent)
    if not order_sql.exact_order:
        m = None
    now = clock.now()
    while True:
        screened = _screen_sql(team, need, visit, order_sql, elder_id=elder.pk, now=now, m=m)
        booked, seen = screened.booked, screened.seen
        considered = screened.counts["considered"]
        # The team's median booked week: providers with no booking this week count as 0.
        weeks = list(booked.week.values())
        team_median = scoring.median(weeks + [0] * max(0, considered - len(weeks)))
        band: list[tuple[float, int]] = []
        pool = [x for r in screened.apart if (x := exact(r, band)) is not None]
        ordinary = screened.ordinary
        floor = order_sql.floor(team_median)
        # Ordinary survivors come best key first: scored in Python a few at a time, until
        # the next one's key proves that neither it nor any after it (fetched or not) can
        # enter the first ``checks`` (``_beats``). Without an exact SQL order, all of them.
        done = 0 if m is not None else len(ordinary)
        pool += [x for r in ordinary[done:] if m is None and (x := exact(r, [])) is not None]
        pool.sort(key=lambda x: (x[0], x[1], x[2]))
        while done < len(ordinary) and not _beats(
            pool, float(ordinary[done]["key"]), order_sql, checks, floor
        ):
            chunk = ordinary[done : done + ORDINARY_STEP]
            done += len(chunk)
            pool += [x for r in chunk if (x := exact(r, [])) is not None]
            pool.sort(key=lambda x: (x[0], x[1], x[2]))
        if (
            m is None
            or done < len(ordinary)
            or len(ordinary) < m
            or _proved(pool, screened, order_sql, checks, floor)
        ):
            break
        m *= 4
    ranking.considered = considered
    ranking.team_median_minutes = team_median
    if not considered:
        return ranking
    counts = screened.counts
    refused_counts: Counter[str] = Counter(
        {c: n for c, n in counts.items() if n and c in scoring.REFUSAL_MESSAGES}
    )
    ranking.screened_in = counts["survivors"] - len(band)
    if band:
        refused_counts["outside_radius"] += len(band)
    best = [
        scoring.ProviderFacts(
            provider_id=pid, distance_km=km, service_radius_km=radius, eta_minutes=eta,
            booked_day_minutes=booked.day.get(pid, 0),
            booked_week_minutes=booked.week.get(pid, 0),
            visits_to_elder=seen.get(pid, 0), quality=quality,
        )
        for _k, eta, pid, km, radius, quality in pool[:checks]
    ]  # fmt: skip

    # ``pool`` is in ``scoring.rank``'s order already (its key is ``score_of``, the total
    # of ``rank``; urgent: the ETA): the terms are built only for the candidates returned.
    def ranked_of(f: scoring.ProviderFacts) -> scoring.Ranked:
        return scoring.ranked_of(f, rural=need.rural, team_median=team_median, weights=w)

    distances = {f.provider_id: f.distance_km or 0.0 for f in best}
    _exact_checks(ranking, best, ranked_of, distances, requirement, limit, refused_counts)
    _refused_detail(ranking, screened.refused, need, band, (point, booked, seen), distances)
    ranking.refused_counts = dict(sorted(refused_counts.items()))
    return ranking


def _proved(
    pool: list[Pooled], screened: _Screened, order: _OrderSql, checks: int, floor: float
) -> bool:
    """Whether no ordinary survivor left out by the ``LIMIT`` can enter the first
    ``checks``: each scores at most the last fetched key plus the constant terms and the
    slack (urgent: its ETA is at least the last one minus the rounding)."""
    if not screened.ordinary:
        return False
    return _beats(pool, float(screened.ordinary[-1]["key"]), order, checks, floor)


def _beats(pool: list[Pooled], key: float, order: _OrderSql, checks: int, floor: float) -> bool:
    """Whether the ``checks``-th best of ``pool`` is strictly better than any ordinary
    survivor whose SQL key is at most ``key`` can be (urgent: at least ``key``): such a
    survivor scores at most ``key`` plus the constant terms and the slack (urgent: its
    ETA is at least ``key`` minus the rounding)."""
    if len(pool) < checks:
        return False
    kth = pool[checks - 1]
    if order.urgent:
        return kth[1] < key - order.eta_slack
    return -kth[0] > key + floor + order.slack


def _refused_detail(
    ranking: Ranking,
    rows: list[dict[str, Any]],
    need: scoring.VisitNeed,
    band: list[tuple[float, int]],
    context: tuple[tuple[float, float], _Booked, dict[int, int]],
    distances: dict[int, float],
) -> None:
    """The nearest ``REFUSED_DETAIL_LIMIT`` providers refused by the screen, each with
    every reason (``scoring.screen`` on their facts), among the exact checks' refusals;
    all sorted by distance."""
    point, booked, seen = context
    # The screen sees the exclusions and sanctions the SQL found among these rows.
    need = replace(
        need,
        excluded=frozenset(r["id"] for r in rows if r["excl"]),
        sanctioned=frozenset(r["id"] for r in rows if r["sanc"]),
    )
    found: list[tuple[float, int, tuple[str, ...]]] = []
    names: dict[int, str] = {}
    for r in rows:
        pid, lat, lng = r["id"], r["lat"], r["lng"]
        km = geo.haversine_km(lat, lng, point[0], point[1])
        f = scoring.ProviderFacts(
            provider_id=pid,
            distance_km=km,
            service_radius_km=r["radius"],
            eta_minutes=round(minutes_for_km(r["mode"], km), 2),
            gender=r["gender"] or "",
            languages=frozenset(r["languages"] or ()),
            max_daily_minutes=r["cap"],
            booked_day_minutes=booked.day.get(pid, 0),
            booked_week_minutes=booked.week.get(pid, 0),
            visits_to_elder=seen.get(pid, 0),
        )
        found.append((f.distance_km or 0.0, pid, tuple(scoring.screen(f, need))))
        names[pid] = r["name"] or ""
    found += [(km, pid, ("outside_radius",)) for km, pid in band]
    found.sort()
    found = [x for x in found if x[2]][:REFUSED_DETAIL_LIMIT]
    distances.update((pid, km) for km, pid, _c in found)
    missing = [pid for _km, pid, _c in found if pid not in names]  # refused in the band
    if missing:
        names.update(
            Provider.objects.filter(pk__in=missing).values_list("pk", "user__display_name")
        )
    exact = ranking.refused
    ranking.refused = [
        Refused(pid, names.get(pid) or "", tuple(Refusal(c, _screen_message(c)) for c in codes))
        for _km, pid, codes in found
    ]
    ranking.refused += exact
    ranking.refused.sort(key=lambda x: (distances.get(x.provider_id, 0.0), x.provider_id))


#: Per database vendor: the compiled ``dispatch.selectors.second_providers_in_force``
#: provider ids (its SQL and parameters depend on no request; ``_second_providers_sql``).
_SECOND_SQL: dict[str, tuple[str, tuple[Any, ...]] | None] = {}


def _second_providers_sql() -> tuple[str, tuple[Any, ...]] | None:
    """The SQL of the providers holding any visit as second provider (ADR 0019), for whom
    ``schedule_conflicts`` runs whatever the time (a safe superset); ``None`` without the
    dispatch app. Compiled once per process and vendor: the queryset has no parameter that
    changes between requests (``test_ranking`` compares it with a fresh compilation)."""
    vendor = connection.vendor
    if vendor not in _SECOND_SQL:
        try:
            from doorstep.dispatch.selectors import second_providers_in_force
        except ImportError:  # pragma: no cover - the dispatch app is optional
            _SECOND_SQL[vendor] = None
        else:
            qs = second_providers_in_force().order_by().values("provider_id")
            sql, params = qs.query.sql_with_params()
            _SECOND_SQL[vendor] = (sql, tuple(params))
    return _SECOND_SQL[vendor]


@dataclass
class _CheckFacts:
    """What the exact checks read of one provider (``_check_facts``); the model instances
    are built only for the providers the checks reach."""

    row: tuple[Any, ...]  # the provider row of ``_check_facts``
    cert_rows: list[tuple[Any, ...]]
    name: str
    #: Holds a visit within ``SCHEDULE_MARGIN`` of this one, or any second-provider slot:
    #: only then can ``schedule_conflicts`` find anything.
    busy: bool

    @property
    def provider(self) -> Provider:
        """The columns ``schedule_conflicts`` reads, as a model instance (busy providers)."""
        return sql.instance(Provider, CHECK_PROVIDER_FIELDS, self.row[1:9])

    @property
    def facts(self) -> eligibility.ProviderFacts:
        """``workforce.selectors.provider_facts`` of the provider and its certificates,
        read from the converted values (no model instances)."""
        p = SimpleNamespace(**sql.values(Provider, CHECK_PROVIDER_FIELDS, self.row[1:9]))
        # Certificate rows: provider, kind, status in slots 1-3, expires_on in 6, id in 10.
        certs = [
            SimpleNamespace(
                **sql.values(Certificate, CHECK_CERTIFICATE_FIELDS, (r[10], r[1], r[2], r[3], r[6]))
            )
            for r in self.cert_rows
        ]
        return provider_facts(cast(Provider, p), cast(list[Certificate], certs))


#: Provider columns the exact checks read (``workforce.selectors.provider_facts``, the
#: candidate's kind, ``orders.services.travel_minutes`` in ``schedule_conflicts``).
CHECK_PROVIDER_FIELDS = (
    "id", "kind", "verification_status", "licence_number", "title", "practice_start_date",
    "is_active", "transport_mode",
)  # fmt: skip
CHECK_CERTIFICATE_FIELDS = ("id", "provider_id", "kind", "status", "expires_on")


def _column(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).column)


def _check_facts(ids: list[int], visit: Visit) -> dict[int, _CheckFacts]:
    """One statement for the exact checks of ``ids``: each provider's columns and name,
    whether it is busy near the visit, and its certificates (rows ``p`` and ``k``)."""
    qn = connection.ops.quote_name
    at = connection.ops.adapt_datetimefield_value
    pt, ut = qn(Provider._meta.db_table), qn(User._meta.db_table)
    ct, vt = qn(Certificate._meta.db_table), qn(Visit._meta.db_table)
    pcols = [_column(Provider, f) for f in CHECK_PROVIDER_FIELDS]
    ccols = [_column(Certificate, f) for f in CHECK_CERTIFICATE_FIELDS]
    q = _Sql()
    text = "CAST(NULL AS TEXT)"
    # Provider rows: the columns of ``CHECK_PROVIDER_FIELDS``, the name, busy.
    q.add("SELECT 'p' AS part, " + ", ".join(f"p.{qn(c)}" for c in pcols[:6]) + ", ")
    q.add(f"p.{qn(pcols[6])} AS is_active, p.{qn(pcols[7])} AS mode, ")
    q.add(f"u.{qn('display_name')} AS name, (CASE WHEN EXISTS (SELECT 1 FROM {vt} v ")  # noqa: S608
    q.add("WHERE v.provider_id = p.id ")
    q.add(f"AND {q.sub(_in_list('v.status', HOLDING_PROVIDER))} ")
    q.add("AND v.window_start < %s ", at(visit.window_end + SCHEDULE_MARGIN))
    q.add("AND v.window_end > %s AND v.id <> %s) THEN 1 ",
          at(visit.window_start - SCHEDULE_MARGIN), visit.pk)  # fmt: skip
    second = _second_providers_sql()
    if second is not None:
        q.add(f"WHEN p.id IN ({second[0]}) THEN 1 ", *second[1])
    q.add(f"ELSE 0 END) AS busy FROM {pt} p JOIN {ut} u ON u.{qn('id')} = p.{qn('user_id')} ")
    q.add(f"WHERE {q.sub(_in_list('p.id', ids))} ")
    q.add(f"UNION ALL SELECT 'k', c.{qn(ccols[1])}, c.{qn(ccols[2])}, c.{qn(ccols[3])}, ")
    q.add(f"{text}, {text}, c.{qn(ccols[4])}, CAST(NULL AS BOOLEAN), {text}, {text}, ")
    q.add(f"c.{qn(ccols[0])} FROM {ct} c WHERE {q.sub(_in_list('c.' + qn(ccols[1]), ids))}")
    rows = sql.fetchall(q.text, q.params)
    certs: dict[int, list[tuple[Any, ...]]] = {pid: [] for pid in ids}
    for row in rows:
        if row[0] == "k":
            certs[row[1]].append(row)
    # Raw rows: SQLite answers dates as text and booleans as 0/1, hence ``to_python``.
    return {
        row[1]: _CheckFacts(row, certs[row[1]], row[9] or "", bool(row[10]))
        for row in rows
        if row[0] == "p"
    }


def _exact_checks(
    ranking: Ranking,
    best: list[scoring.ProviderFacts],
    ranked_of: Callable[[scoring.ProviderFacts], scoring.Ranked],
    distances: dict[int, float],
    requirement: eligibility.Requirement,
    limit: int,
    refused_counts: Counter[str],
) -> None:
    """Credentials and schedule, best first, in batches, until ``limit`` pass."""
    visit = ranking.visit
    on = timezone.localtime(visit.window_start).date()
    batch = max(limit + 2, 4)
    # Everyone the loop may reach, in one statement (they are at most ``checks``).
    facts = _check_facts([f.provider_id for f in best], visit) if best else {}
    i = 0
    while i < len(best) and len(ranking.candidates) < limit:
        chunk = best[i : i + batch]
        i += batch
        for f in chunk:
            found = facts[f.provider_id]
            checked = found.facts
            reasons = [
                Refusal(x.code, reason_text(x))
                for x in eligibility.check(checked, requirement, on).reasons
            ]
            if not reasons and found.busy:
                conflicts = schedule_conflicts(found.provider, visit)
                if any(c["kind"] == "overlap" for c in conflicts):
                    reasons.append(Refusal("schedule_overlap", str(SCHEDULE_OVERLAP)))
                if any(c["kind"] == "travel" for c in conflicts):
                    reasons.append(Refusal("travel_time", str(TRAVEL_TIME)))
            if reasons:
                ranking.refused.append(Refused(f.provider_id, found.name, tuple(reasons)))
                refused_counts.update(x.code for x in reasons)
            elif len(ranking.candidates) < limit:
                km = round(distances[f.provider_id], 3)
                ranking.candidates.append(
                    Candidate(f.provider_id, found.name, checked.kind, km, ranked_of(f))
                )
