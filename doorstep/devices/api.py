"""Device registry and HTTP batch ingestion (ADR 0030).

Registry routes act for a logged-in user and follow ``access`` (a device the caller may not
see answers 404). ``POST /devices/ingest`` is for devices and home gateways, not people: it
authenticates with HTTP Basic, either ``device_id:secret`` (the device posts its own
messages) or ``gateway_id:secret`` (a gateway posts for the devices of its household, each
message naming its ``device_id``). Messages are stored exactly as MQTT ones are: duplicates
(same device and seq) once, refusals counted, and the answer lists one result per message.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from doorstep.core import clock
from doorstep.core.api import ERRORS, ErrorOut, actor_of
from doorstep.core.errors import Forbidden, NotFound
from doorstep.people.models import Elder

from . import access, services
from .enums import Via
from .errors import BatchTooLarge, DeviceCredentialsInvalid, IngestionUnavailable
from .ingest import DatabaseUnavailable, Incoming, ingest_resilient
from .models import Device, RejectionCount
from .mosquitto import ACKS, EVENTS

router = Router(tags=["devices"])

MAX_BATCH = 500


class DeviceIn(Schema):
    type: str = Field(..., examples=["bp_monitor"], description="See DeviceType.")
    label: str = Field("", examples=["bedroom"])


class DeviceOut(Schema):
    id: int
    device_id: str
    type: str
    elder_id: int
    household_id: int | None
    institution_id: int | None
    label: str
    status: str
    battery_pct: int | None
    battery_low: bool
    last_seen: dt.datetime | None
    registered_at: dt.datetime


class DevicePage(Schema):
    items: list[DeviceOut]


class CredentialsOut(Schema):
    device: DeviceOut
    secret: str = Field(..., description="Shown once; store it in the device.")
    mqtt_username: str
    events_topic: str
    acks_topic: str


class GatewayOut(Schema):
    gateway_id: str
    household_id: int
    secret: str = Field(..., description="Shown once; store it in the gateway.")


class MessageIn(Schema):
    device_id: str = Field("", description="Required when a gateway posts.")
    seq: Any = None
    ts: Any = None
    type: Any = None
    values: Any = None


class BatchIn(Schema):
    messages: list[MessageIn]


class ResultOut(Schema):
    device_id: str
    seq: int | None
    status: str = Field(..., description="stored, duplicate or rejected.")
    reason: str = ""


class BatchOut(Schema):
    stored: int
    duplicates: int
    rejected: int
    results: list[ResultOut]


class RejectionOut(Schema):
    day: dt.date
    reason: str
    via: str
    count: int


def _device(d: Device) -> DeviceOut:
    return DeviceOut(
        id=d.pk,
        device_id=d.device_id,
        type=d.type,
        elder_id=d.elder_id,
        household_id=d.household_id,
        institution_id=d.institution_id,
        label=d.label,
        status=d.status,
        battery_pct=d.battery_pct,
        battery_low=d.battery_low,
        last_seen=d.last_seen,
        registered_at=d.registered_at,
    )


def _credentials(d: Device, secret: str) -> CredentialsOut:
    return CredentialsOut(
        device=_device(d),
        secret=secret,
        mqtt_username=d.device_id,
        events_topic=EVENTS.format(d.device_id),
        acks_topic=ACKS.format(d.device_id),
    )


def _elder(elder_id: int) -> Elder:
    elder = Elder.objects.filter(pk=elder_id).first()
    if elder is None:
        raise NotFound()
    return elder


@router.get("/devices", response={200: DevicePage, **ERRORS})
def list_devices(request: HttpRequest, elder_id: int | None = Query(None)) -> DevicePage:
    """Devices the caller sees (of one elder with ``elder_id``), with status and battery;
    at most 500, by elder."""
    qs = access.devices_visible_to(actor_of(request)).order_by("elder_id", "id")
    if elder_id is not None:
        qs = qs.filter(elder_id=elder_id)
    return DevicePage(items=[_device(d) for d in qs[:500]])


@router.post("/elders/{elder_id}/devices", response={201: CredentialsOut, **ERRORS})
def register_device(
    request: HttpRequest, elder_id: int, payload: DeviceIn
) -> Status[CredentialsOut]:
    """Register a device for the elder; the answer carries its secret, shown once.
    422 ``device_invalid`` (details.field: type or label)."""
    device, secret = services.register_device(
        actor=actor_of(request), elder=_elder(elder_id), type=payload.type, label=payload.label
    )
    return Status(201, _credentials(device, secret))


@router.get("/devices/{int:device_pk}", response={200: DeviceOut, **ERRORS})
def get_device(request: HttpRequest, device_pk: int) -> DeviceOut:
    return _device(access.access_device(actor=actor_of(request), device_pk=device_pk))


@router.post("/devices/{int:device_pk}/retire", response={200: DeviceOut, **ERRORS})
def retire_device(request: HttpRequest, device_pk: int) -> DeviceOut:
    """Take the device out of service (409 ``device_retired`` when it already is)."""
    actor = actor_of(request)
    device = access.access_device(actor=actor, device_pk=device_pk, manage=True)
    return _device(services.retire_device(actor=actor, device=device))


@router.post("/devices/{int:device_pk}/rotate-secret", response={200: CredentialsOut, **ERRORS})
def rotate_secret(request: HttpRequest, device_pk: int) -> CredentialsOut:
    """A new secret for the device (shown once); the old one stops working."""
    actor = actor_of(request)
    device = access.access_device(actor=actor, device_pk=device_pk, manage=True)
    device, secret = services.rotate_secret(actor=actor, device=device)
    return _credentials(device, secret)


@router.post("/elders/{elder_id}/gateways", response={201: GatewayOut, **ERRORS})
def register_gateway(request: HttpRequest, elder_id: int) -> Status[GatewayOut]:
    """Register a home gateway for the elder's household (422 ``device_invalid`` with
    details.field ``household`` when the elder has none)."""
    gateway, secret = services.register_gateway(actor=actor_of(request), elder=_elder(elder_id))
    return Status(
        201,
        GatewayOut(gateway_id=gateway.gateway_id, household_id=gateway.household_id, secret=secret),
    )


@router.get("/devices/rejections", response={200: list[RejectionOut], **ERRORS})
def rejections(request: HttpRequest) -> list[RejectionOut]:
    """Refused device messages per day, reason and channel (platform admins)."""
    actor = actor_of(request)
    if not actor.is_platform_admin:
        raise Forbidden()
    rows = RejectionCount.objects.order_by("-day", "reason")[:500]
    return [RejectionOut(day=r.day, reason=r.reason, via=r.via, count=r.count) for r in rows]


def _basic(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise DeviceCredentialsInvalid()
    try:
        name, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise DeviceCredentialsInvalid() from exc
    return name, secret


@router.post(
    "/devices/ingest",
    auth=None,
    response={200: BatchOut, 401: ErrorOut, 422: ErrorOut, 503: ErrorOut},
)
def ingest_batch(request: HttpRequest, payload: BatchIn) -> BatchOut:
    """Post up to 500 messages (``{"seq", "ts", "type", "values"}``, plus ``device_id``
    from a gateway) with HTTP Basic device or gateway credentials. 401
    ``device_credentials_invalid``; 422 ``device_batch_too_large``; 503
    ``ingestion_unavailable`` (nothing stored: send the batch again)."""
    name, secret = _basic(request)
    household_id: int | None = None
    own: str | None = None
    if name.startswith("gw-"):
        gateway = services.authenticate_gateway(name, secret)
        if gateway is None:
            raise DeviceCredentialsInvalid()
        household_id = gateway.household_id
    else:
        device = services.authenticate_device(name, secret)
        if device is None:
            raise DeviceCredentialsInvalid()
        own = device.device_id
    if len(payload.messages) > MAX_BATCH:
        raise BatchTooLarge(details={"max": MAX_BATCH})
    now = clock.now()
    items = [
        Incoming(
            own or m.device_id,
            {
                "seq": m.seq,
                "ts": m.ts,
                "type": m.type,
                "values": {} if m.values is None else m.values,
            },
            now,
        )
        for m in payload.messages
    ]
    try:
        outcomes = ingest_resilient(items, via=Via.HTTP, household_id=household_id)
    except DatabaseUnavailable as exc:
        raise IngestionUnavailable() from exc
    results = [
        ResultOut(device_id=o.device_id, seq=o.seq, status=o.status, reason=o.reason)
        for o in outcomes
    ]
    return BatchOut(
        stored=sum(o.status == "stored" for o in outcomes),
        duplicates=sum(o.status == "duplicate" for o in outcomes),
        rejected=sum(o.status == "rejected" for o in outcomes),
        results=results,
    )
