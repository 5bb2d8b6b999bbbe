"""Raising an alert, or folding a repeat into the open alert of the same elder and rule
(storms), idempotent by ``dedupe_key`` (ADR 0031)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from doorstep.core import clock
from doorstep.orders.models import Visit
from doorstep.people.models import Elder

from .. import errors
from ..enums import SEVERITY_RANK, EventKind, Status
from ..models import Alert, AlertEvent
from .escalation import _take_step

_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def fold_window() -> dt.timedelta:
    """Repeats within this time of the last notification fold silently; a repeat after it
    tells the current step's recipients again (the alert stays one alert)."""
    return dt.timedelta(seconds=getattr(settings, "ALERTS_FOLD_WINDOW_SECONDS", 1800))


def _check_key(key: str) -> str:
    if not _KEY.match(key or ""):
        raise errors.IdempotencyKeyInvalid(details={"field": "idempotency_key"})
    return key


def raise_alert(
    *,
    kind: str,
    source: str,
    severity: str,
    region_id: int,
    at: dt.datetime,
    elder: Elder | None = None,
    fold_key: str = "",
    dedupe_key: str | None = None,
    details: Mapping[str, Any] | None = None,
    device_id: int | None = None,
    visit: Visit | None = None,
    provider_id: int | None = None,
    institution_id: int | None = None,
    raised_by: Any = None,
    location: tuple[float, float, float | None] | None = None,
) -> tuple[Alert, bool]:
    """Raise an alert, or fold the trigger into the open alert of the same elder and rule.

    Idempotent: a ``dedupe_key`` already used returns that alert (``created`` False), so a
    device's alarm delivered twice is one incident. With a ``fold_key`` (a rule's identity)
    an unresolved alert of the same elder and rule absorbs the trigger (count, last time,
    the worse severity). Otherwise a new alert is written and the first step of its chain
    is taken at once. Returns ``(alert, created)``.
    """
    now = clock.now()
    with transaction.atomic():
        if dedupe_key:
            existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing, False
        open_key = f"{elder.pk}:{fold_key}" if (elder is not None and fold_key) else None
        if open_key:
            current = Alert.objects.select_for_update().filter(open_key=open_key).first()
            if current is not None:
                return _fold(current, at=at, now=now, severity=severity, details=details), False
        alert = Alert(
            kind=kind,
            source=source,
            severity=severity,
            elder=elder,
            region_id=region_id,
            institution_id=institution_id,
            provider_id=provider_id,
            visit=visit,
            device_id=device_id,
            fold_key=fold_key,
            open_key=open_key,
            dedupe_key=dedupe_key or None,
            details=dict(details or {}),
            raised_at=at,
            last_at=at,
            raised_by=raised_by,
        )
        if location is not None:
            alert.lat, alert.lng, alert.accuracy_m = location
            alert.located_at = now
        try:
            with transaction.atomic():  # a concurrent twin: fall back to it, no error
                alert.save()
        except IntegrityError:
            twin = (
                Alert.objects.filter(dedupe_key=dedupe_key).first()
                if dedupe_key
                else Alert.objects.select_for_update().filter(open_key=open_key).first()
            )
            if twin is None:
                raise
            if dedupe_key:
                return twin, False
            return _fold(twin, at=at, now=now, severity=severity, details=details), False
        AlertEvent.objects.create(
            alert=alert,
            kind=EventKind.RAISED,
            at=now,
            actor=raised_by,
            data={"severity": severity, "source": source},
        )
        _take_step(alert, 0, now)
    return alert, True


def _fold(
    alert: Alert,
    *,
    at: dt.datetime,
    now: dt.datetime,
    severity: str,
    details: Mapping[str, Any] | None,
) -> Alert:
    """One more trigger of an open alert: count it; tell people again only when the
    severity rises or the last notification is older than the fold window."""
    alert.count += 1
    alert.last_at = max(alert.last_at, at)
    if details:
        alert.details = {**alert.details, "latest": dict(details)}
    fields = ["count", "last_at", "details"]
    upgraded = SEVERITY_RANK[severity] > SEVERITY_RANK[alert.severity]  # type: ignore[index]
    stale = alert.notified_at is None or now - alert.notified_at >= fold_window()
    if upgraded or (stale and alert.status == Status.OPEN):
        AlertEvent.objects.create(
            alert=alert,
            kind=EventKind.REPEATED,
            at=now,
            data={"count": alert.count, "severity": severity, "from": alert.severity},
        )
        if upgraded:
            alert.severity = severity
            fields.append("severity")
        if alert.status == Status.OPEN:
            alert.save(update_fields=fields)
            # the current step again, in the new severity's chain and pace
            _take_step(alert, alert.step_index, now, repeat=True)
            return alert
    alert.save(update_fields=fields)
    return alert
