"""Writes of the device registry (ADR 0030): register, re-key, retire, offline sweep.

Each checks the actor (``access``), writes inside ``transaction.atomic`` and records an audit
row naming fields, never secrets. The plaintext secret is returned once by ``register_*`` and
``rotate_secret`` and never stored: only its Mosquitto ``$7$`` hash. When the broker's files
are managed by this process (``settings.MOSQUITTO_PASSWORD_FILE``), they are rewritten after
the commit so a new device can connect and a retired one cannot.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction

from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.people.access import audit_institution
from doorstep.people.models import Elder

from . import access, credentials
from .enums import OFFLINE_AFTER, DeviceStatus, DeviceType
from .errors import DeviceRetired, InvalidDevice
from .models import Device, Gateway
from .signals import device_status

logger = logging.getLogger("doorstep.devices")

PREFIX: dict[str, str] = {
    DeviceType.BP_MONITOR: "bp",
    DeviceType.GLUCOMETER: "glu",
    DeviceType.PULSE_OXIMETER: "spo",
    DeviceType.WATCH: "watch",
    DeviceType.MOTION_SENSOR: "pir",
    DeviceType.DOOR_SENSOR: "door",
    DeviceType.BED_SENSOR: "bed",
    DeviceType.SMOKE_GAS_SENSOR: "smoke",
    DeviceType.VOICE_ALARM: "voice",
}


def _audit(actor: Actor, action: str, object_type: str, object_id: int, **details: object) -> None:
    audit.record(
        actor=actor.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        institution_id=audit_institution(actor),
        details=dict(details),
    )


def _resync_broker() -> None:
    if getattr(settings, "MOSQUITTO_PASSWORD_FILE", ""):
        from .mosquitto import sync_from_settings

        try:
            sync_from_settings()
        except OSError as exc:  # the registry is right; the broker catches up at next sync
            logger.error("mosquitto sync failed: %s", type(exc).__name__)


def _institution_for(actor: Actor, elder: Elder) -> int | None:
    mine = actor.institution_ids()
    if not mine:
        return None
    linked = set(
        elder.institution_links.filter(status="active", institution_id__in=mine).values_list(
            "institution_id", flat=True
        )
    )
    return min(linked) if linked else None


@transaction.atomic
def register_device(
    *, actor: Actor, elder: Elder, type: str, label: str = ""
) -> tuple[Device, str]:
    """Register a device for ``elder`` (installed in the elder's household); returns the
    device and its secret, shown once."""
    access.require_manage(actor, elder)
    if type not in DeviceType.values:
        raise InvalidDevice(details={"field": "type"})
    clean = " ".join((label or "").split())
    if len(clean) > 64:
        raise InvalidDevice(details={"field": "label", "max_length": 64})
    secret = credentials.new_secret()
    device = Device.objects.create(
        device_id=credentials.new_id(PREFIX[type]),
        type=type,
        elder=elder,
        household_id=elder.household_id,
        institution_id=_institution_for(actor, elder),
        label=clean,
        secret_hash=credentials.hash_secret(secret),
        registered_by=actor.user,
        registered_at=clock.now(),
    )
    _audit(actor, "register", "device", device.pk, elder_id=elder.pk, type=type)
    transaction.on_commit(_resync_broker)
    return device, secret


@transaction.atomic
def rotate_secret(*, actor: Actor, device: Device) -> tuple[Device, str]:
    """Give the device a new secret (the old one stops working at the next broker sync)."""
    row = Device.objects.select_for_update().get(pk=device.pk)
    access.require_manage(actor, row.elder)
    if row.status == DeviceStatus.RETIRED:
        raise DeviceRetired()
    secret = credentials.new_secret()
    row.secret_hash = credentials.hash_secret(secret)
    row.save(update_fields=["secret_hash"])
    _audit(actor, "rotate_secret", "device", row.pk, elder_id=row.elder_id)
    transaction.on_commit(_resync_broker)
    return row, secret


@transaction.atomic
def retire_device(*, actor: Actor, device: Device) -> Device:
    """Take a device out of service: it can no longer connect or post; its history stays."""
    row = Device.objects.select_for_update().get(pk=device.pk)
    access.require_manage(actor, row.elder)
    if row.status == DeviceStatus.RETIRED:
        raise DeviceRetired()
    row.status, row.retired_at = DeviceStatus.RETIRED, clock.now()
    row.save(update_fields=["status", "retired_at"])
    _audit(actor, "retire", "device", row.pk, elder_id=row.elder_id)
    transaction.on_commit(_resync_broker)
    return row


@transaction.atomic
def register_gateway(*, actor: Actor, elder: Elder) -> tuple[Gateway, str]:
    """Register a home gateway for the elder's household (HTTP batch ingestion)."""
    access.require_manage(actor, elder)
    if elder.household_id is None:
        raise InvalidDevice(details={"field": "household"})
    secret = credentials.new_secret()
    gateway = Gateway.objects.create(
        gateway_id=credentials.new_id("gw"),
        household_id=elder.household_id,
        institution_id=_institution_for(actor, elder),
        secret_hash=credentials.hash_secret(secret),
        registered_by=actor.user,
        registered_at=clock.now(),
    )
    _audit(actor, "register", "gateway", gateway.pk, elder_id=elder.pk)
    return gateway, secret


def mark_offline(*, at: dt.datetime | None = None) -> list[Device]:
    """Mark devices offline that were not heard from within their type's interval; sends
    ``device_status`` (``offline``) for each, in the transaction that marks it."""
    now = at or clock.now()
    marked: list[Device] = []
    for type_, interval in OFFLINE_AFTER.items():
        with transaction.atomic():
            rows = list(
                Device.objects.select_for_update(skip_locked=True)
                .select_related("elder")
                .filter(type=type_, status=DeviceStatus.ONLINE, last_seen__lt=now - interval)
            )
            for row in rows:
                row.status = DeviceStatus.OFFLINE
                row.save(update_fields=["status"])
                device_status.send(sender=Device, device=row, status="offline", at=now)
            marked.extend(rows)
    return marked


def authenticate_device(device_id: str, secret: str) -> Device | None:
    device = Device.objects.filter(device_id=device_id).first()
    if device is None or device.status == DeviceStatus.RETIRED:
        credentials.verify_secret(secret, credentials.hash_secret("x"))  # same time either way
        return None
    return device if credentials.verify_secret(secret, device.secret_hash) else None


def authenticate_gateway(gateway_id: str, secret: str) -> Gateway | None:
    gateway = Gateway.objects.filter(gateway_id=gateway_id, is_active=True).first()
    if gateway is None:
        return None
    return gateway if credentials.verify_secret(secret, gateway.secret_hash) else None
