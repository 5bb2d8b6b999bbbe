"""Alerts about an elder: the SOS button, device alarms, readings against thresholds and
the personal baseline, activity marks, device status and inactivity (ADR 0031)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.people.models import Elder

from .. import errors, rules
from ..enums import UNRESOLVED, Kind, Severity, Source
from ..models import Activity, Alert, Threshold
from .handling import _resolve
from .raising import _check_key, raise_alert


def own_elder(actor: Actor) -> Elder | None:
    if actor.user_id is None or not actor.has(Role.ELDER):
        return None
    return Elder.objects.filter(user_id=actor.user_id).select_related("region").first()


def press_sos(*, actor: Actor, idempotency_key: str) -> tuple[Alert, bool]:
    """The elder's SOS button: a critical incident at once. The same key (a double tap, a
    retried request) returns the same incident."""
    key = _check_key(idempotency_key)
    elder = own_elder(actor)
    if elder is None:
        raise errors.NoElderProfile()
    return raise_alert(
        kind=Kind.SOS,
        source=Source.ELDER_BUTTON,
        severity=Severity.CRITICAL,
        region_id=elder.region_id,
        at=clock.now(),
        elder=elder,
        dedupe_key=f"button:{elder.pk}:{key}",
        raised_by=actor.user,
    )


# --- devices ---------------------------------------------------------------------------


def device_alarm(
    *, device_id: int, elder: Elder, kind: str, at: dt.datetime, seq: int, values: Mapping[str, Any]
) -> tuple[Alert, bool] | None:
    """Fall, SOS, voice alarm, smoke or gas from a device: one incident per (device, seq)."""
    finding = rules.alarm(kind, device_id)
    if finding is None:
        return None
    return raise_alert(
        kind=finding.kind,
        source=Source.DEVICE,
        severity=finding.severity,
        region_id=elder.region_id,
        at=at,
        elder=elder,
        fold_key=finding.fold_key,
        dedupe_key=f"device:{device_id}:{seq}",
        device_id=device_id,
        details={"seq": seq, **{k: v for k, v in values.items() if k in ("room", "level")}},
    )


def _overrides(elder_id: int) -> dict[str, rules.Band]:
    return {
        t.measure: rules.Band(t.critical_low, t.warning_low, t.warning_high, t.critical_high)
        for t in Threshold.objects.filter(elder_id=elder_id, is_active=True)
    }


HISTORY = 30


def _history(
    elder_id: int, kind: str, at: dt.datetime, exclude_id: int | None
) -> dict[str, list[Decimal]]:
    from doorstep.health import selectors as health

    rows = health.observations(Elder(pk=elder_id), kind=kind, until=at)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    names = rules.READING_MEASURES.get(kind, ())
    out: dict[str, list[Decimal]] = {name: [] for name in names}
    for value, value2 in rows.values_list("value", "value2")[:HISTORY]:
        out[names[0]].append(value)
        if len(names) > 1 and value2 is not None:
            out[names[1]].append(value2)
    return out


def evaluate_reading(
    *,
    elder_id: int,
    kind: str,
    values: Mapping[str, Any],
    at: dt.datetime,
    device_id: int | None = None,
    observation_id: int | None = None,
) -> list[tuple[Alert, bool]]:
    """Thresholds first; a reading inside the bands is compared with the elder's baseline."""
    found = rules.measures(kind, values)
    if not found:
        return []
    finding = rules.evaluate_thresholds(kind, found, _overrides(elder_id))
    if finding is None:
        finding = rules.baseline_anomaly(kind, found, _history(elder_id, kind, at, observation_id))
    if finding is None:
        return []
    return [_raise_finding(Elder.objects.get(pk=elder_id), finding, found, at, device_id)]


def _raise_finding(
    elder: Elder,
    finding: rules.Finding,
    found: Mapping[str, Decimal],
    at: dt.datetime,
    device_id: int | None,
) -> tuple[Alert, bool]:
    """Raise (or fold) the alert of a reading's finding, with the reasons and values."""
    details = {
        "reasons": [r.as_dict() for r in finding.reasons],
        "values": {k: str(v) for k, v in found.items()},
        **dict(finding.details),
    }
    return raise_alert(
        kind=finding.kind,
        source=Source.RULE,
        severity=finding.severity,
        region_id=elder.region_id,
        at=at,
        elder=elder,
        fold_key=finding.fold_key,
        device_id=device_id,
        details=details,
    )


class ReadingIn(NamedTuple):
    """One reading of a batch for ``evaluate_readings`` (a named tuple: one per reading)."""

    elder_id: int
    kind: str
    values: Mapping[str, Any]
    at: dt.datetime
    device_id: int | None = None
    observation_id: int | None = None


def _overrides_of(elder_ids: set[int]) -> dict[int, dict[str, rules.Band]]:
    from django.db import connection
    from django.db.models.expressions import RawSQL

    from doorstep.core.bulk import array_literal

    out: dict[int, dict[str, rules.Band]] = defaultdict(dict)
    rows = Threshold.objects.filter(is_active=True)
    if connection.vendor == "postgresql":  # one array parameter, not one per elder
        ids = array_literal(sorted(elder_ids))
        rows = rows.filter(elder_id__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
    else:
        rows = rows.filter(elder_id__in=elder_ids)
    for elder_id, measure, *band in rows.values_list(
        "elder_id", "measure", "critical_low", "warning_low", "warning_high", "critical_high"
    ):
        out[elder_id][measure] = rules.Band(*band)
    return out


def _utc(at: dt.datetime) -> dt.datetime:
    """``at`` as a naive UTC time: how the batch query hands back ``measured_at`` (psycopg
    loads a ``timestamp`` in C; a ``timestamptz`` costs ~12 us a row in Python)."""
    return at.astimezone(dt.UTC).replace(tzinfo=None)


def _hundredths(value: Decimal) -> int:
    """An observation value (two places) in hundredths, as ``rules.baseline`` takes it."""
    return int(value.scaleb(2))


class _Window(NamedTuple):
    """Observations of one (elder, kind) before a time, newest first (``measured_at``, then
    id), as three lists: naive UTC times (``_utc``), value and value2 in hundredths."""

    times: list[dt.datetime]
    values: list[int]
    values2: list[int | None]


def _first_before(times: list[dt.datetime], at: dt.datetime) -> int:
    """The index of the first row of a window (newest first) measured before ``at``."""
    lo, hi = 0, len(times)
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] < at:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _recent_rows(keys: list[tuple[int, str, dt.datetime, int | None]], limit: int) -> list[_Window]:
    """For each (elder, kind, before, exclude id) key, in order: the latest ``limit`` final
    observations of that elder and kind measured before ``before`` (other than the excluded
    one). PostgreSQL: one ``LATERAL`` query over the keys (array literals, ADR 0034; rows
    numbered by key), each side an index scan, the values as ints in hundredths and the
    times as naive UTC (cheap to load); elsewhere one query per key."""
    from django.db import connection

    from doorstep.health.enums import EntryStatus
    from doorstep.health.models import Observation

    out = [_Window([], [], []) for _ in keys]
    if connection.vendor != "postgresql":
        for window, (elder_id, kind, before, exclude_id) in zip(out, keys, strict=True):
            qs = Observation.objects.filter(
                elder_id=elder_id, kind=kind, status=EntryStatus.FINAL, measured_at__lt=before
            ).order_by("-measured_at", "-id")
            if exclude_id is not None:
                qs = qs.exclude(pk=exclude_id)
            for at, value, value2 in qs.values_list("measured_at", "value", "value2")[:limit]:
                window.times.append(_utc(at))
                window.values.append(_hundredths(value))
                window.values2.append(None if value2 is None else _hundredths(value2))
        return out
    from doorstep.core.bulk import array_literal

    table = Observation._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.n, o.measured_at AT TIME ZONE 'UTC', "  # noqa: S608 - the model's table
            "(o.value * 100)::integer, (o.value2 * 100)::integer "
            "FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::bigint[]) "
            "WITH ORDINALITY AS p(elder_id, kind, before, exclude_id, n) "
            f"CROSS JOIN LATERAL (SELECT measured_at, value, value2 FROM {table} "
            "WHERE elder_id = p.elder_id AND kind = p.kind AND status = %s "
            "AND measured_at < p.before AND id IS DISTINCT FROM p.exclude_id "
            "ORDER BY measured_at DESC, id DESC LIMIT %s) AS o",
            [
                array_literal([k[0] for k in keys]),
                array_literal([k[1] for k in keys]),
                array_literal([k[2] for k in keys]),
                array_literal([k[3] for k in keys]),
                EntryStatus.FINAL,
                limit,
            ],
        )
        for n, at, value, value2 in cur.fetchall():
            window = out[n - 1]
            window.times.append(at)
            window.values.append(value)
            window.values2.append(value2)
    return out


def _as_history(names: tuple[str, ...], window: _Window, start: int) -> dict[str, list[int]]:
    end = start + HISTORY
    hist: dict[str, list[int]] = {names[0]: window.values[start:end]}
    if len(names) > 1:
        hist[names[1]] = [v for v in window.values2[start:end] if v is not None]
    return hist


def _histories(wanted: list[ReadingIn]) -> list[dict[str, list[int]]]:
    """``_history`` of each reading of ``wanted``, in order, from at most two queries. First,
    per (elder, kind), the latest ``HISTORY`` + n final observations before the batch's latest
    reading of that pair (n = the pair's readings in the batch, which may sit between them).
    A reading whose 30 earlier rows are not all in that window (an older reading arriving
    late, with later rows in between) has its own window read by a second query, for all
    such readings at once."""
    pairs: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, r in enumerate(wanted):
        pairs[(r.elder_id, r.kind)].append(i)
    limit = HISTORY + max(len(idx) for idx in pairs.values())
    keys: list[tuple[int, str, dt.datetime, int | None]] = [
        (elder_id, kind, max(wanted[i].at for i in idx), None)
        for (elder_id, kind), idx in pairs.items()
    ]
    out: dict[int, dict[str, list[int]]] = {}
    late: list[int] = []
    for ((_elder, kind), idx), window in zip(pairs.items(), _recent_rows(keys, limit), strict=True):
        complete = len(window.times) < limit  # the pair has no older rows than these
        names = rules.READING_MEASURES[kind]
        for i in idx:
            # The window is newest first: the reading's history starts at its first row
            # measured before it and is the next ``HISTORY`` rows.
            start = _first_before(window.times, _utc(wanted[i].at))
            if len(window.times) - start < HISTORY and not complete:
                late.append(i)
                continue
            out[i] = _as_history(names, window, start)
    if late:
        windows = _recent_rows(
            [(r.elder_id, r.kind, r.at, r.observation_id) for r in (wanted[i] for i in late)],
            HISTORY,
        )
        for i, window in zip(late, windows, strict=True):
            out[i] = _as_history(rules.READING_MEASURES[wanted[i].kind], window, 0)
    return [out[i] for i in range(len(wanted))]


def evaluate_readings(readings: list[ReadingIn]) -> list[tuple[Alert, bool]]:
    """``evaluate_reading`` for a batch, in order, with the thresholds of every elder in one
    query and the recent readings of every (elder, kind) in one more (and one for readings
    that arrive late, ``_histories``): what the MQTT
    consumer calls for each batch (ADR 0031 addendum). Raises the same alerts as calling
    ``evaluate_reading`` for each reading in turn."""
    found = [rules.measures(r.kind, r.values) for r in readings]
    live = [i for i, f in enumerate(found) if f]
    if not live:
        return []
    overrides = _overrides_of({readings[i].elder_id for i in live})
    findings: dict[int, rules.Finding] = {}
    baseline_wanted: list[int] = []
    for i in live:
        r = readings[i]
        finding = rules.evaluate_thresholds(r.kind, found[i], overrides.get(r.elder_id, {}))
        if finding is not None:
            findings[i] = finding
        else:
            baseline_wanted.append(i)
    if baseline_wanted:
        histories = _histories([readings[i] for i in baseline_wanted])
        for i, history in zip(baseline_wanted, histories, strict=True):
            r = readings[i]
            finding = rules.baseline_anomaly(r.kind, found[i], history)
            if finding is not None:
                findings[i] = finding
    if not findings:
        return []
    elders = Elder.objects.in_bulk({readings[i].elder_id for i in findings})
    return [
        _raise_finding(
            elders[readings[i].elder_id],
            findings[i],
            found[i],
            readings[i].at,
            readings[i].device_id,
        )
        for i in sorted(findings)
    ]


def mark_activity(*, elder_id: int, kind: str, at: dt.datetime) -> None:
    """Remember the latest motion or door opening (at most one write a minute)."""
    column = {"motion": "last_motion_at", "door": "last_door_at"}.get(kind)
    if column is None:
        return
    from django.db.models import Q

    stale = Q(**{f"{column}__isnull": True}) | Q(**{f"{column}__lt": at - dt.timedelta(minutes=1)})
    if Activity.objects.filter(stale, elder_id=elder_id).update(**{column: at}):
        return
    if not Activity.objects.filter(elder_id=elder_id).exists():
        Activity.objects.bulk_create(
            [Activity(elder_id=elder_id, **{column: at})], ignore_conflicts=True
        )


def device_status_changed(*, device_id: int, elder: Elder, status: str, at: dt.datetime) -> None:
    """Offline or battery low raises (folded per device); back online resolves the open
    offline alert with a note from the platform."""
    if status == "online":
        open_alert = Alert.objects.filter(open_key=f"{elder.pk}:offline:{device_id}").first()
        if open_alert is not None:
            _resolve(open_alert, actor=None, note=str(_("The device is back online.")))
        return
    finding = rules.device_status(status, device_id)
    if finding is None:
        return
    raise_alert(
        kind=finding.kind,
        source=Source.DEVICE,
        severity=finding.severity,
        region_id=elder.region_id,
        at=at,
        elder=elder,
        fold_key=finding.fold_key,
        device_id=device_id,
    )


# --- inactivity (periodic) -------------------------------------------------------------


def evaluate_inactivity(*, now: dt.datetime | None = None) -> int:
    """No motion in the daytime for ``ALERTS_NO_MOTION_HOURS`` and no door opening for
    ``ALERTS_DOOR_HOURS``: raise (or fold) one alert per elder and rule. Elders whose
    sensor is offline (an open offline alert) are left to that alert."""
    from django.utils import timezone

    now = now or clock.now()
    local_now = timezone.localtime(now)
    motion_hours = float(getattr(settings, "ALERTS_NO_MOTION_HOURS", 4))
    door_hours = float(getattr(settings, "ALERTS_DOOR_HOURS", 24))
    offline = set(
        Alert.objects.filter(kind=Kind.DEVICE_OFFLINE, status__in=UNRESOLVED).values_list(
            "elder_id", flat=True
        )
    )
    raised = 0
    for row in Activity.objects.select_related("elder").iterator(chunk_size=500):
        if row.elder_id in offline:
            continue
        findings = [
            rules.no_motion(
                local_now,
                timezone.localtime(row.last_motion_at) if row.last_motion_at else None,
                hours=motion_hours,
            ),
            rules.door_unopened(
                local_now,
                timezone.localtime(row.last_door_at) if row.last_door_at else None,
                hours=door_hours,
            ),
        ]
        for finding in findings:
            if finding is None:
                continue
            raise_alert(
                kind=finding.kind,
                source=Source.RULE,
                severity=finding.severity,
                region_id=row.elder.region_id,
                at=now,
                elder=row.elder,
                fold_key=finding.fold_key,
                details=dict(finding.details),
            )
            raised += 1
    return raised
