"""Alerts about an elder: the SOS button, device alarms, readings against thresholds and
the personal baseline, activity marks, device status and inactivity (ADR 0031)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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


@dataclass(frozen=True)
class ReadingIn:
    """One reading of a batch for ``evaluate_readings``."""

    elder_id: int
    kind: str
    values: Mapping[str, Any]
    at: dt.datetime
    device_id: int | None = None
    observation_id: int | None = None


def _overrides_of(elder_ids: set[int]) -> dict[int, dict[str, rules.Band]]:
    out: dict[int, dict[str, rules.Band]] = defaultdict(dict)
    for t in Threshold.objects.filter(elder_id__in=elder_ids, is_active=True):
        out[t.elder_id][t.measure] = rules.Band(
            t.critical_low, t.warning_low, t.warning_high, t.critical_high
        )
    return out


_Row = tuple[int, Decimal, "Decimal | None"]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(at: dt.datetime) -> int:
    """Microseconds since 1970 (exact): how the batch query hands back ``measured_at``."""
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


def _recent_rows(
    latest: dict[tuple[int, str], dt.datetime], limit: int
) -> dict[tuple[int, str], list[_Row]]:
    """For each (elder, kind): its latest ``limit`` final observations measured before the
    given time, newest first (``measured_at``, then id), as (microseconds since 1970,
    value, value2): integers load several times faster than timestamps. PostgreSQL: one ``LATERAL`` query
    over the pairs, each side an index scan of (elder, kind, measured_at); elsewhere one
    query per pair."""
    from django.db import connection

    from doorstep.health.enums import EntryStatus
    from doorstep.health.models import Observation

    out: dict[tuple[int, str], list[_Row]] = defaultdict(list)
    if connection.vendor != "postgresql":
        for (elder_id, kind), before in latest.items():
            qs = Observation.objects.filter(
                elder_id=elder_id, kind=kind, status=EntryStatus.FINAL, measured_at__lt=before
            ).order_by("-measured_at", "-id")
            out[(elder_id, kind)] = [
                (_micros(at), value, value2)
                for at, value, value2 in qs.values_list("measured_at", "value", "value2")[:limit]
            ]
        return out
    keys = list(latest)
    table = Observation._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.elder_id, p.kind, "  # noqa: S608 - the model's table, no input
            "(extract(epoch FROM o.measured_at) * 1000000)::bigint, o.value, o.value2 "
            "FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[]) "
            "AS p(elder_id, kind, before) "
            f"CROSS JOIN LATERAL (SELECT measured_at, value, value2 FROM {table} "
            "WHERE elder_id = p.elder_id AND kind = p.kind AND status = %s "
            "AND measured_at < p.before ORDER BY measured_at DESC, id DESC LIMIT %s) AS o",
            [
                [e for e, _ in keys],
                [k for _, k in keys],
                [latest[key] for key in keys],
                EntryStatus.FINAL,
                limit,
            ],
        )
        for elder_id, kind, measured_at, value, value2 in cur.fetchall():
            out[(elder_id, kind)].append((measured_at, value, value2))
    return out


def _histories(wanted: list[ReadingIn]) -> dict[int, dict[str, list[Decimal]] | None]:
    """``_history`` of each reading (by index in ``wanted``) from ONE query: per (elder,
    kind), the latest ``HISTORY`` + n final observations before the batch's latest reading of
    that pair (n = the pair's readings in the batch, which may sit between them). A reading
    whose 30 earlier rows are not all in that window (an older reading arriving late, with
    later rows in between) gets ``None``: the caller asks ``_history`` for it alone."""
    pairs: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, r in enumerate(wanted):
        pairs[(r.elder_id, r.kind)].append(i)
    latest = {pair: max(wanted[i].at for i in idx) for pair, idx in pairs.items()}
    limit = HISTORY + max(len(idx) for idx in pairs.values())
    rows = _recent_rows(latest, limit)
    fetched = {pair: len(found) for pair, found in rows.items()}
    out: dict[int, dict[str, list[Decimal]] | None] = {}
    for pair, idx in pairs.items():
        window = rows.get(pair, [])  # newest first
        complete = fetched.get(pair, 0) < limit  # the pair has no older rows than these
        names = rules.READING_MEASURES.get(pair[1], ())
        for i in idx:
            at = _micros(wanted[i].at)
            earlier = [row for row in window if row[0] < at][:HISTORY]
            if len(earlier) < HISTORY and not complete:
                out[i] = None
                continue
            hist: dict[str, list[Decimal]] = {name: [] for name in names}
            for _at, value, value2 in earlier:
                hist[names[0]].append(value)
                if len(names) > 1 and value2 is not None:
                    hist[names[1]].append(value2)
            out[i] = hist
    return out


def evaluate_readings(readings: list[ReadingIn]) -> list[tuple[Alert, bool]]:
    """``evaluate_reading`` for a batch, in order, with the thresholds of every elder in one
    query and the recent readings of every (elder, kind) in one more: what the MQTT
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
        for j, i in enumerate(baseline_wanted):
            r = readings[i]
            history = histories[j]
            if history is None:
                history = _history(r.elder_id, r.kind, r.at, r.observation_id)
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
