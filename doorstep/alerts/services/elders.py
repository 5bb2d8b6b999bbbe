"""Alerts about an elder: the SOS button, device alarms, readings against thresholds and
the personal baseline, activity marks, device status and inactivity (ADR 0031)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
    elder = Elder.objects.get(pk=elder_id)
    details = {
        "reasons": [r.as_dict() for r in finding.reasons],
        "values": {k: str(v) for k, v in found.items()},
        **dict(finding.details),
    }
    return [
        raise_alert(
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
