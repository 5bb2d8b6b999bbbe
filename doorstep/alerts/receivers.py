"""Receivers of the devices app's signals (sent inside the ingestion transaction).

Alarms (fall, SOS, voice alarm, smoke, gas) must not be lost: an error while raising one
propagates, the ingestion transaction rolls back and the device's message is retried.
Ordinary readings must never block ingestion: a rule that fails is logged (without personal
data) and the reading is kept.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from doorstep.people.models import Elder

from . import rules, services

logger = logging.getLogger("doorstep.alerts")


def _elder(device: Any) -> Elder | None:
    elder_id = getattr(device, "elder_id", None)
    if elder_id is None:
        return None
    return Elder.objects.filter(pk=elder_id).first()


def on_device_event(
    sender: Any,
    *,
    device: Any,
    kind: str,
    values: dict[str, Any] | None = None,
    at: Any,
    seq: int,
    observation_id: int | None = None,
    **_: Any,
) -> None:
    values = values or {}
    if kind in rules.ALARMS:
        elder = _elder(device)
        if elder is None:
            logger.warning("alarm from device %s without an elder: not raised", device.pk)
            return
        services.device_alarm(
            device_id=device.pk, elder=elder, kind=kind, at=at, seq=seq, values=values
        )
        return
    elder_id = getattr(device, "elder_id", None)
    if elder_id is None:
        return
    if kind in ("motion", "door"):
        services.mark_activity(elder_id=elder_id, kind=kind, at=at)
        return
    if kind not in rules.READING_MEASURES:
        return
    try:
        with transaction.atomic():  # a failing rule must not poison the ingestion transaction
            services.evaluate_reading(
                elder_id=elder_id,
                kind=kind,
                values=values,
                at=at,
                device_id=device.pk,
                observation_id=observation_id,
            )
    except Exception:
        logger.exception("alert rules failed for a %s reading of device %s", kind, device.pk)


def on_device_events(sender: Any, *, messages: list[Any], **_: Any) -> None:
    """A stored batch (``devices.signals.device_events``), in arrival order: alarms one by
    one (an error propagates, see above); motion and door marks, the latest per elder and
    kind; readings in one ``evaluate_readings`` call inside one savepoint. If that fails,
    each reading is evaluated alone in its own savepoint, so one bad rule costs one reading
    its alert, not the batch."""
    readings: list[services.ReadingIn] = []
    marks: dict[tuple[int, str], Any] = {}
    for m in messages:
        values = m.values or {}
        if m.kind in rules.ALARMS:
            on_device_event(sender, device=m.device, kind=m.kind, values=values, at=m.at, seq=m.seq)
            continue
        elder_id = getattr(m.device, "elder_id", None)
        if elder_id is None:
            continue
        if m.kind in ("motion", "door"):
            key = (elder_id, m.kind)
            if key not in marks or m.at > marks[key]:
                marks[key] = m.at
            continue
        if m.kind in rules.READING_MEASURES:
            readings.append(
                services.ReadingIn(
                    elder_id=elder_id,
                    kind=m.kind,
                    values=values,
                    at=m.at,
                    device_id=m.device.pk,
                    observation_id=m.observation_id,
                )
            )
    for (elder_id, kind), at in marks.items():
        services.mark_activity(elder_id=elder_id, kind=kind, at=at)
    if not readings:
        return
    try:
        with transaction.atomic():
            services.evaluate_readings(readings)
        return
    except Exception:
        logger.exception("alert rules failed for a batch of %d readings", len(readings))
    for r in readings:
        try:
            with transaction.atomic():
                services.evaluate_reading(
                    elder_id=r.elder_id,
                    kind=r.kind,
                    values=r.values,
                    at=r.at,
                    device_id=r.device_id,
                    observation_id=r.observation_id,
                )
        except Exception:
            logger.exception(
                "alert rules failed for a %s reading of device %s", r.kind, r.device_id
            )


def on_device_status(sender: Any, *, device: Any, status: str, at: Any, **_: Any) -> None:
    elder = _elder(device)
    if elder is None:
        return
    try:
        with transaction.atomic():
            services.device_status_changed(device_id=device.pk, elder=elder, status=status, at=at)
    except Exception:
        logger.exception(
            "device status %s of device %s not turned into an alert", status, device.pk
        )


def connect() -> None:
    try:
        from doorstep.devices.signals import device_events, device_status
    except ImportError:  # the devices app is not installed in this deployment
        return
    # The batch signal only: ``on_device_event`` is the single-message path it calls for
    # alarms (listening to both would see every message twice).
    device_events.connect(on_device_events, dispatch_uid="alerts.device_events")
    device_status.connect(on_device_status, dispatch_uid="alerts.device_status")
