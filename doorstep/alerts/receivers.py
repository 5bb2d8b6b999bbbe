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
    observation: Any = None,
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
                observation_id=getattr(observation, "pk", None),
            )
    except Exception:
        logger.exception("alert rules failed for a %s reading of device %s", kind, device.pk)


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
        from doorstep.devices.signals import device_event, device_status
    except ImportError:  # the devices app is not installed in this deployment
        return
    device_event.connect(on_device_event, dispatch_uid="alerts.device_event")
    device_status.connect(on_device_status, dispatch_uid="alerts.device_status")
