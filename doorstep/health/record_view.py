"""Reads behind the elder's record page, its charts and the printable summary (ADR 0028).

Read-only and scoped by the caller: every function takes an ``Elder`` the caller has
already looked up through ``access.access_record`` (which audits the read).

* ``timeline``: observations, assessments, visits' care records and documents merged
  newest first: the top rows of each source through its own index, merged in Python
  (pages of ``per_page``, one extra row tells whether an older page exists), then the
  rows of the page by id.
* ``vital_series``: the trend data of one range (30 d, 90 d, 1 y, 5 y) for every kind.
  One SQL pass groups the range per kind and local day (1 y and shorter) or week (5 y)
  with the mean, minimum, maximum and count; a kind with at most ``MAX_RAW_POINTS``
  readings in the range is then sent raw instead (a second, index-driven query), so five
  years of readings are a few hundred points.
* ``TARGETS``: the general target range of each kind, drawn as a band on the chart.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    CharField,
    Count,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, TruncDate, TruncWeek

from doorstep.core import clock
from doorstep.orders.models import ServiceRecord
from doorstep.people.models import Elder

from . import selectors
from .enums import (
    ActiveStatus,
    ConditionStatus,
    EntryStatus,
    LineStatus,
    MedicationStatus,
    ObservationKind,
)
from .instruments import INSTRUMENTS, LTC_LEVEL, ltc
from .models import (
    Allergy,
    AssessmentResult,
    BodyLine,
    Condition,
    Disability,
    Document,
    Medication,
    Observation,
)
from .observations import KINDS

#: Range code -> days shown (5 y: 5 x 365 + 1 leap day).
RANGES: dict[str, int] = {"30d": 30, "90d": 90, "1y": 365, "5y": 1826}
DEFAULT_RANGE = "90d"
#: A kind with more readings than this in the range is downsampled.
MAX_RAW_POINTS = 400
#: How long computed chart points stay cached (the key changes with the data anyway).
CACHE_SECONDS = 24 * 3600
#: Range -> bucket of the downsampled series.
BUCKETS: dict[str, str] = {"30d": "day", "90d": "day", "1y": "day", "5y": "week"}
TIMELINE_PER_PAGE = 20
#: Deeper pages read too many rows per source; the charts and lists cover older data.
MAX_TIMELINE_PAGE = 250
ASSESSMENT_HISTORY = 10


@dataclass(frozen=True)
class Target:
    """A general target range of a reading (not a personal one), inclusive."""

    low: Decimal
    high: Decimal
    label_en: str
    label_zh: str
    component: int = 1  # 1: value, 2: value2 (diastolic)


def _t(low: str, high: str, en: str, zh: str, component: int = 1) -> Target:
    return Target(Decimal(low), Decimal(high), en, zh, component)


#: General targets for elders at home (Chinese guidelines for hypertension 2018 and type 2
#: diabetes 2020 in the elderly, adult reference ranges otherwise). Weight has none: it
#: needs the elder's height and history.
TARGETS: dict[str, tuple[Target, ...]] = {
    "blood_pressure": (
        _t("90", "140", "Systolic target 90-140", "收缩压目标 90-140"),
        _t("60", "90", "Diastolic target 60-90", "舒张压目标 60-90", component=2),
    ),
    "heart_rate": (_t("60", "100", "Target 60-100", "目标 60-100"),),
    "glucose": (_t("4.4", "7.0", "Fasting target 4.4-7.0", "空腹目标 4.4-7.0"),),
    "spo2": (_t("95", "100", "Target 95-100", "目标 95-100"),),
    "temperature": (_t("36.0", "37.3", "Normal 36.0-37.3", "正常 36.0-37.3"),),
    "weight": (),
    "pain": (_t("0", "3", "Mild or none 0-3", "无或轻度 0-3"),),
}


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def _day_ms(day: dt.date) -> int:
    return _ms(dt.datetime(day.year, day.month, day.day, tzinfo=local_tz()))


def _float(field: str) -> Cast:
    """A reading's value as a float in SQL: the chart needs no Decimal, and converting
    thousands of them in Python costs more than the query."""
    return Cast(field, FloatField())


def _num(value: Any, decimals: int) -> float | None:
    if value is None:
        return None
    return round(float(value), decimals)


def in_target(kind: str, value: Decimal, value2: Decimal | None = None) -> bool | None:
    """Whether a reading lies in its kind's general target range (``None``: no target)."""
    targets = TARGETS.get(kind, ())
    if not targets:
        return None
    for target in targets:
        v = value2 if target.component == 2 else value
        if v is not None and not target.low <= v <= target.high:
            return False
    return True


# --- vitals ------------------------------------------------------------------------


def range_bounds(code: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the local day (ranges up to a year) or week (five years) that many
    days ago, to now: the start moves once a day or week, so a computed range stays valid
    until a reading is added or voided (``data_version``)."""
    until = now or clock.now()
    day = until.astimezone(local_tz()).date() - dt.timedelta(days=RANGES[code])
    if BUCKETS[code] == "week":
        day -= dt.timedelta(days=day.weekday())
    since = dt.datetime(day.year, day.month, day.day, tzinfo=local_tz())
    return since, until


def data_version(elder: Elder) -> str:
    """Changes whenever the elder's valid readings change: readings are never edited, only
    added (a new highest id) or voided (a new latest ``voided_at``). Two index probes in
    one statement (``health`` migration 0004)."""
    newest = Observation.objects.filter(elder_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    voided = (
        Observation.objects.filter(elder_id=OuterRef("pk"), status=EntryStatus.ENTERED_IN_ERROR)
        .order_by("-voided_at")
        .values("voided_at")[:1]
    )
    row = (
        Elder.objects.filter(pk=elder.pk)
        .annotate(newest=Subquery(newest), voided=Subquery(voided))
        .values_list("newest", "voided")
        .first()
    )
    newest_id, voided_at = row or (None, None)
    stamp = voided_at.timestamp() if voided_at else 0
    return f"{elder.pk}.{elder.created_at.timestamp()}.{newest_id or 0}.{stamp}"


def vital_series(elder: Elder, range_code: str, *, zh: bool) -> dict[str, Any]:
    """The chart data of every kind over ``range_code`` (see the module docstring).

    ``{"range", "since", "until", "series": [{kind, label, label2, unit, decimals, mode,
    count, points, targets}]}``; ``mode`` is ``raw`` (points ``[ms, value, value2]``) or
    ``day``/``week`` (points ``[ms, mean, min, max, n, mean2, min2, max2]``).

    The points are cached (the shared cache) under the range's start and the elder's
    ``data_version``, so a page opened again reads two index entries instead of
    aggregating five years of readings; a new or voided reading makes a new key."""
    since, until = range_bounds(range_code)
    key = f"health:vitals:v1:{range_code}:{int(since.timestamp())}:{data_version(elder)}"
    computed = cache.get(key)
    if computed is None:
        computed = _points(elder, range_code, since)
        cache.set(key, computed, CACHE_SECONDS)
    points, counts, modes = computed
    series = []
    for kind, spec in KINDS.items():
        series.append(
            {
                "kind": kind,
                "title": str(ObservationKind(kind).label),
                "label": spec.label_zh if zh else spec.label_en,
                "label2": (spec.label2_zh if zh else spec.label2_en) if spec.range2 else "",
                "unit": display_unit(spec.unit),
                "decimals": spec.decimals,
                "mode": modes.get(kind, "raw"),
                "count": counts.get(kind, 0),
                "points": points.get(kind, []),
                "targets": [
                    {
                        "low": float(t.low),
                        "high": float(t.high),
                        "label": t.label_zh if zh else t.label_en,
                        "component": t.component,
                    }
                    for t in TARGETS.get(kind, ())
                ],
            }
        )
    return {
        "range": range_code,
        "since": _ms(since),
        "until": _ms(until),
        "series": series,
    }


def display_unit(ucum: str) -> str:
    """A UCUM unit for reading: ``mm[Hg]`` -> ``mmHg``, ``Cel`` -> ``°C``, ``{score}`` -> ''."""
    return {"mm[Hg]": "mmHg", "Cel": "°C", "{score}": "", "/min": "/min"}.get(ucum, ucum)


def reading_text(o: Observation) -> str:
    """``148/92 mmHg``, ``6.8 mmol/L``, ``3`` (pain), in the kind's decimals."""
    spec = KINDS[o.kind]
    fmt = f"{{:.{spec.decimals}f}}"
    text = fmt.format(o.value)
    if o.value2 is not None:
        text += "/" + fmt.format(o.value2)
    unit = display_unit(o.unit)
    return f"{text} {unit}".strip()


def _points(
    elder: Elder, range_code: str, since: dt.datetime
) -> tuple[dict[str, list[list[Any]]], dict[str, int], dict[str, str]]:
    """(points, counts, modes) per kind over ``since`` .. now (readings up to the
    services' few minutes of clock tolerance ahead included)."""
    base = Observation.objects.filter(
        elder=elder, status=EntryStatus.FINAL, measured_at__gte=since
    ).order_by()
    mode = BUCKETS[range_code]
    trunc = TruncDate if mode == "day" else TruncWeek
    # One pass over the range: the buckets of every kind, whose counts also say which
    # kinds are small enough to send raw (a second, index-driven query for those only).
    rows = (
        base.annotate(bucket=trunc("measured_at", tzinfo=local_tz()))
        .values("kind", "bucket")
        .annotate(
            mean=Avg(_float("value")),
            lo=Min(_float("value")),
            hi=Max(_float("value")),
            n=Count("id"),
            mean2=Avg(_float("value2")),
            lo2=Min(_float("value2")),
            hi2=Max(_float("value2")),
        )
        .order_by("kind", "bucket")
    )
    buckets: dict[str, list[list[Any]]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        kind = row["kind"]
        d = KINDS[kind].decimals
        bucket = row["bucket"]
        day = bucket.date() if isinstance(bucket, dt.datetime) else bucket
        counts[kind] += row["n"]
        buckets[kind].append(
            [
                _day_ms(day),
                _num(row["mean"], d + 1),
                _num(row["lo"], d),
                _num(row["hi"], d),
                row["n"],
                _num(row["mean2"], d + 1),
                _num(row["lo2"], d),
                _num(row["hi2"], d),
            ]
        )
    raw_kinds = [k for k, n in counts.items() if n <= MAX_RAW_POINTS]
    points = {k: v for k, v in buckets.items() if k not in raw_kinds}
    modes = dict.fromkeys(points, mode)
    if raw_kinds:
        raw = (
            base.filter(kind__in=raw_kinds)
            .order_by("measured_at", "id")
            .values_list("kind", "measured_at", _float("value"), _float("value2"))
        )
        for kind, at, value, value2 in raw:
            d = KINDS[kind].decimals
            point = [_ms(at), _num(value, d)]
            if value2 is not None:
                point.append(_num(value2, d))
            points.setdefault(kind, []).append(point)
    return points, dict(counts), modes


# --- summary -----------------------------------------------------------------------


@dataclass
class RecordSummary:
    """What ``selectors.summary`` holds, in fewer queries (the page's budget, ADR 0028):
    the latest reading of every kind in one statement, assessments left to
    ``assessment_history``."""

    conditions: list[Condition]
    allergies: list[Allergy]
    medications: list[Medication]
    disabilities: list[Disability]
    lines: list[BodyLine]
    latest_observations: list[Observation]
    documents: int
    ltc_enrolled_level: int | None


def latest_observations(elder: Elder) -> list[Observation]:
    """The latest valid reading of each kind, in ``KINDS`` order: one statement with one
    index-driven scalar subquery per kind (the (elder, kind, measured_at) index)."""
    wanted = Q(pk__in=[])
    for kind in KINDS:
        wanted |= Q(
            pk=Subquery(
                Observation.objects.filter(elder=elder, kind=kind, status=EntryStatus.FINAL)
                .order_by("-measured_at", "-id")
                .values("pk")[:1]
            )
        )
    order = list(KINDS)
    return sorted(Observation.objects.filter(wanted), key=lambda o: order.index(o.kind))


def record_summary(elder: Elder) -> RecordSummary:
    return RecordSummary(
        conditions=list(
            Condition.objects.filter(elder=elder, status=ConditionStatus.ACTIVE).select_related(
                "code"
            )
        ),
        allergies=list(Allergy.objects.filter(elder=elder, status=ActiveStatus.ACTIVE)),
        medications=list(Medication.objects.filter(elder=elder, status=MedicationStatus.ACTIVE)),
        disabilities=list(Disability.objects.filter(elder=elder, status=ActiveStatus.ACTIVE)),
        lines=list(BodyLine.objects.filter(elder=elder, status=LineStatus.IN_PLACE)),
        latest_observations=latest_observations(elder),
        documents=Document.objects.filter(elder=elder, status=EntryStatus.FINAL).count(),
        ltc_enrolled_level=selectors.enrolled_ltc_level(elder),
    )


# --- assessments -------------------------------------------------------------------


def band_labels(result: AssessmentResult) -> tuple[str, str]:
    """(English, Chinese) interpretation of a stored result."""
    if result.instrument == LTC_LEVEL:
        return ltc.LEVELS.get(result.score, ("", ""))
    instrument = INSTRUMENTS.get(result.instrument)
    if instrument is None:
        return result.band, result.band
    band = next((b for b in instrument.bands if b.code == result.band), None)
    return (band.label_en, band.label_zh) if band else (result.band, result.band)


def instrument_name(code: str, *, zh: bool) -> str:
    instrument = INSTRUMENTS.get(code)
    if instrument is not None:
        return instrument.name_zh if zh else instrument.name_en
    if code == LTC_LEVEL:
        return "长期护理失能等级（建议）" if zh else "Long-term-care disability level (suggested)"
    return code


def assessment_history(elder: Elder) -> dict[str, list[AssessmentResult]]:
    """Valid results per instrument, newest first, at most ``ASSESSMENT_HISTORY`` each
    (one query over the (elder, instrument, assessed_at) index)."""
    out: dict[str, list[AssessmentResult]] = defaultdict(list)
    rows = AssessmentResult.objects.filter(elder=elder, status=EntryStatus.FINAL).order_by(
        "instrument", "-assessed_at", "-id"
    )
    for row in rows.only(
        "id", "instrument", "score", "max_score", "band", "assessed_at", "elder_id"
    ):
        if len(out[row.instrument]) < ASSESSMENT_HISTORY:
            out[row.instrument].append(row)
    return dict(out)


# --- timeline ----------------------------------------------------------------------


@dataclass
class TimelinePage:
    page: int
    entries: list[dict[str, Any]]
    has_older: bool


def _sources(elder: Elder) -> list[Any]:
    """Per source, its events as (entry, id, at), newest first: each is read through its
    own index (a ``UNION ALL`` sorted as a whole made PostgreSQL sort every reading)."""

    def tag(kind: str) -> Value:
        return Value(kind, output_field=CharField())

    return [
        Observation.objects.filter(elder=elder, status=EntryStatus.FINAL)
        .annotate(entry=tag("observation"), at=F("measured_at"))
        .order_by("-measured_at", "-id")
        .values_list("entry", "id", "at"),
        AssessmentResult.objects.filter(elder=elder, status=EntryStatus.FINAL)
        .annotate(entry=tag("assessment"), at=F("assessed_at"))
        .order_by("-assessed_at", "-id")
        .values_list("entry", "id", "at"),
        ServiceRecord.objects.filter(visit__order__elder_id=elder.pk)
        .annotate(entry=tag("visit"), at=F("submitted_at"))
        .order_by("-submitted_at", "-id")
        .values_list("entry", "id", "at"),
        Document.objects.filter(elder=elder, status=EntryStatus.FINAL)
        .annotate(entry=tag("document"), at=F("recorded_at"))
        .order_by("-recorded_at", "-id")
        .values_list("entry", "id", "at"),
    ]


def timeline(elder: Elder, *, page: int = 1, per_page: int = TIMELINE_PER_PAGE) -> TimelinePage:
    """One page of the record's events, newest first (see the module docstring)."""
    page = max(1, min(page, MAX_TIMELINE_PAGE))
    start = (page - 1) * per_page
    # The top ``start + per_page + 1`` of each source hold the page: merge them by time.
    depth = start + per_page + 1
    merged = heapq.merge(
        *(list(qs[:depth]) for qs in _sources(elder)),
        key=lambda k: (k[2], k[1]),
        reverse=True,
    )
    keys = list(itertools.islice(merged, start, start + per_page + 1))
    has_older = len(keys) > per_page
    keys = keys[:per_page]
    ids: dict[str, list[int]] = defaultdict(list)
    for entry, pk, _at in keys:
        ids[entry].append(pk)
    found: dict[tuple[str, int], Any] = {}
    if ids["observation"]:
        for o in Observation.objects.filter(pk__in=ids["observation"]):
            found["observation", o.pk] = o
    if ids["assessment"]:
        for a in AssessmentResult.objects.filter(pk__in=ids["assessment"]):
            found["assessment", a.pk] = a
    if ids["visit"]:
        for r in ServiceRecord.objects.filter(pk__in=ids["visit"]).select_related(
            "visit__order__item", "visit__provider__user"
        ):
            found["visit", r.pk] = r
    if ids["document"]:
        for d in Document.objects.filter(pk__in=ids["document"]):
            found["document", d.pk] = d
    entries = [
        {"type": entry, "at": at, "row": found[entry, pk]}
        for entry, pk, at in keys
        if (entry, pk) in found
    ]
    return TimelinePage(page=page, entries=entries, has_older=has_older)
