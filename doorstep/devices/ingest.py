"""Store device messages: parse, dedupe, write readings and events, tell the alerts app.

``ingest`` takes a batch (from the MQTT consumer or an HTTP gateway) and, in ONE transaction:
claims each ``(device, seq)`` in ``DeviceMessage`` (a message already stored, or repeated in
the batch, is a duplicate and changes nothing), writes readings as ``health`` observations
(``health.services.record_device_readings``) and other messages as ``DeviceEvent`` rows,
updates each device's last-seen time, sequence and battery, counts refusals, and sends
``signals.device_event`` once per newly stored message and ``signals.device_events`` once with
all of them (and ``device_status`` when a device comes back online or reports a low
battery). The caller acknowledges the batch only after this
returns, i.e. after the commit.

``ingest_resilient`` is what callers use: a database that cannot be reached raises
``DatabaseUnavailable`` (do not acknowledge, back off, retry); any other failure of the batch
(a receiver of the signal raising) is retried message by message, and a message that still
fails is stored without the signal and flagged ``dispatch_failed``, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F

from doorstep.core import clock
from doorstep.health import services as health_services

from . import payloads
from .enums import BATTERY_LOW_PCT, DeviceStatus, Via
from .models import Device, DeviceEvent, DeviceMessage, RejectionCount
from .signals import StoredMessage, device_event, device_events, device_status

logger = logging.getLogger("doorstep.devices.ingest")

STORED, DUPLICATE, REJECTED = "stored", "duplicate", "rejected"


class DatabaseUnavailable(Exception):
    """The database could not be reached: nothing was stored; retry later."""


@dataclass(frozen=True)
class Incoming:
    device_id: str
    payload: bytes | str | Mapping[str, Any]
    received_at: dt.datetime


@dataclass(frozen=True)
class Outcome:
    status: str
    device_id: str
    seq: int | None = None
    kind: str = ""
    reason: str = ""

    @property
    def needs_ack(self) -> bool:
        """An alarm stored now or before: the device waits for an end-to-end ack."""
        return self.status in (STORED, DUPLICATE) and self.kind in payloads.ALARM_KINDS


@dataclass
class _Parsed:
    index: int
    device: Device
    message: payloads.Message


def _parse_all(
    items: Sequence[Incoming], *, household_id: int | None
) -> tuple[list[Outcome | None], list[_Parsed]]:
    ids = {item.device_id for item in items}
    devices = {
        d.device_id: d for d in Device.objects.select_related("elder").filter(device_id__in=ids)
    }
    now = clock.now()
    outcomes: list[Outcome | None] = [None] * len(items)
    parsed: list[_Parsed] = []
    for i, item in enumerate(items):
        device = devices.get(item.device_id)
        if device is None or (household_id is not None and device.household_id != household_id):
            outcomes[i] = Outcome(REJECTED, item.device_id, reason="device_unknown")
            continue
        if device.status == DeviceStatus.RETIRED:
            outcomes[i] = Outcome(REJECTED, item.device_id, reason="device_retired")
            continue
        try:
            message = payloads.parse(item.payload, device_type=device.type, now=now)
            if message.is_reading and message.at.date() < device.elder.birth_date:
                raise payloads.Rejected("ts_invalid")
        except payloads.Rejected as exc:
            outcomes[i] = Outcome(REJECTED, item.device_id, reason=exc.reason)
            continue
        parsed.append(_Parsed(i, device, message))
    return outcomes, parsed


def count_rejections(reasons: Counter[str], *, via: str) -> None:
    """Add refused messages to today's counters (reason and channel only)."""
    day = clock.today()
    for reason, n in sorted(reasons.items()):
        updated = RejectionCount.objects.filter(day=day, reason=reason, via=via).update(
            count=F("count") + n
        )
        if not updated:
            try:
                with transaction.atomic():
                    RejectionCount.objects.create(day=day, reason=reason, via=via, count=n)
            except IntegrityError:  # created concurrently
                RejectionCount.objects.filter(day=day, reason=reason, via=via).update(
                    count=F("count") + n
                )


class _LogRow(NamedTuple):
    device_id: int
    seq: int
    kind: str
    at: dt.datetime
    received_at: dt.datetime
    via: str
    observation_id: int | None
    dispatch_failed: bool


def _insert_messages(rows: list[_LogRow]) -> None:
    """The ingestion log in one statement. On PostgreSQL one ``INSERT ... SELECT FROM
    unnest(...)`` with the columns as arrays (Django's ``bulk_create`` spends about as long
    building a 500-row statement as PostgreSQL spends running it); elsewhere ``bulk_create``.
    A row claimed meanwhile by another writer still raises ``IntegrityError`` (``ingest``
    retries the batch, the other writer's rows then count as duplicates)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        DeviceMessage.objects.bulk_create([DeviceMessage(**r._asdict()) for r in rows])
        return
    table = DeviceMessage._meta.db_table
    columns = ", ".join(_LogRow._fields)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - model's table, no input
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], "
            "%s::timestamptz[], %s::timestamptz[], %s::varchar[], %s::bigint[], %s::boolean[])",
            [list(column) for column in zip(*rows, strict=True)],
        )


def _update_devices(devices: list[Device]) -> None:
    """Last seen, seq, battery and status of every device of the batch in one statement
    (PostgreSQL: ``UPDATE ... FROM unnest(...)``; ``bulk_update``'s ``CASE WHEN`` over a few
    hundred devices cost more than the rest of the batch); elsewhere ``bulk_update``."""
    if connection.vendor != "postgresql":
        Device.objects.bulk_update(
            devices, ["last_seen", "last_seq", "battery_pct", "battery_low", "status"]
        )
        return
    table = Device._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} AS d SET last_seen = v.last_seen, last_seq = v.last_seq, "  # noqa: S608
            "battery_pct = v.battery_pct, battery_low = v.battery_low, status = v.status "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[], %s::integer[], "
            "%s::boolean[], %s::varchar[]) AS v(id, last_seen, last_seq, battery_pct, "
            "battery_low, status) WHERE d.id = v.id",
            [
                [d.pk for d in devices],
                [d.last_seen for d in devices],
                [d.last_seq for d in devices],
                [d.battery_pct for d in devices],
                [d.battery_low for d in devices],
                [d.status for d in devices],
            ],
        )


def _store(
    items: Sequence[Incoming],
    outcomes: list[Outcome | None],
    parsed: list[_Parsed],
    *,
    via: str,
    dispatch: bool,
) -> list[Outcome]:
    # 1. Claim (device, seq): drop what is stored already or repeated within the batch.
    seqs = {p.message.seq for p in parsed}
    device_pks = {p.device.pk for p in parsed}
    stored = (
        set(
            DeviceMessage.objects.filter(device_id__in=device_pks, seq__in=seqs).values_list(
                "device_id", "seq"
            )
        )
        if parsed
        else set()
    )
    fresh: list[_Parsed] = []
    for p in parsed:
        key = (p.device.pk, p.message.seq)
        if key in stored:
            outcomes[p.index] = Outcome(
                DUPLICATE, p.device.device_id, p.message.seq, p.message.kind
            )
            continue
        stored.add(key)
        fresh.append(p)
        outcomes[p.index] = Outcome(STORED, p.device.device_id, p.message.seq, p.message.kind)

    # 2. Readings -> observations (one insert), events -> DeviceEvent (one insert).
    readings = [
        health_services.DeviceReading(
            p.device.elder, r.kind, r.value, r.value2, r.context, p.message.at
        )
        for p in fresh
        for r in p.message.readings
    ]
    observations = iter(
        health_services.record_device_readings(readings=readings) if readings else []
    )
    first_observation: dict[int, Any] = {}
    for p in fresh:
        rows = [next(observations) for _ in p.message.readings]
        if rows:
            first_observation[p.index] = rows[0]
    received = {i: items[i].received_at for i in range(len(items))}
    events = DeviceEvent.objects.bulk_create(
        [
            DeviceEvent(
                device=p.device,
                elder=p.device.elder,
                seq=p.message.seq,
                kind=p.message.kind,
                values=p.message.values,
                at=p.message.at,
                received_at=received[p.index],
            )
            for p in fresh
            if not p.message.is_reading
        ]
    )
    event_of = dict(zip([p.index for p in fresh if not p.message.is_reading], events, strict=True))
    _insert_messages(
        [
            _LogRow(
                p.device.pk,
                p.message.seq,
                p.message.kind,
                p.message.at,
                received[p.index],
                via,
                getattr(first_observation.get(p.index), "pk", None),
                not dispatch,
            )
            for p in fresh
        ]
    )

    # 3. Devices: last seen, sequence, battery, status (online again, battery low).
    changes: list[tuple[Device, str, dt.datetime]] = []
    touched: dict[int, Device] = {}
    for p in fresh:
        device = p.device
        touched[device.pk] = device
        at = received[p.index]
        if device.last_seen is None or at > device.last_seen:
            device.last_seen = at
        device.last_seq = max(device.last_seq, p.message.seq)
        level = payloads.battery_of(p.message)
        if level is not None:
            device.battery_pct = level
            low = level <= BATTERY_LOW_PCT
            if low and not device.battery_low:
                changes.append((device, "battery_low", at))
            device.battery_low = low
        if device.status in (DeviceStatus.REGISTERED, DeviceStatus.OFFLINE):
            device.status = DeviceStatus.ONLINE
            changes.append((device, "online", at))
    if touched:
        _update_devices(list(touched.values()))

    # 4. Refusals, counted without content.
    rejected = Counter(o.reason for o in outcomes if o is not None and o.status == REJECTED)
    if rejected:
        count_rejections(rejected, via=via)

    # 5. Tell the other apps, inside this transaction.
    if dispatch:
        for device, status, at in changes:
            device_status.send(sender=Device, device=device, status=status, at=at)
        stored_messages = [
            StoredMessage(
                device=p.device,
                event=event_of.get(p.index),
                observation=first_observation.get(p.index),
                kind=p.message.kind,
                values=p.message.values,
                at=p.message.at,
                seq=p.message.seq,
            )
            for p in fresh
        ]
        if device_event.has_listeners(Device):
            for m in stored_messages:
                device_event.send(
                    sender=Device,
                    device=m.device,
                    event=m.event,
                    observation=m.observation,
                    kind=m.kind,
                    values=m.values,
                    at=m.at,
                    seq=m.seq,
                )
        if stored_messages:
            device_events.send(sender=Device, messages=stored_messages)
    return [o for o in outcomes if o is not None]


def ingest(
    items: Sequence[Incoming],
    *,
    via: str = Via.MQTT,
    household_id: int | None = None,
    dispatch: bool = True,
) -> list[Outcome]:
    """Store a batch in one transaction; one ``Outcome`` per item, in order.

    ``household_id``: a gateway may only post for devices of its household (others are
    ``device_unknown``). ``dispatch=False`` stores without sending the signals and flags the
    messages ``dispatch_failed`` (the fallback of ``ingest_resilient``).
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                outcomes, parsed = _parse_all(items, household_id=household_id)
                result = _store(items, outcomes, parsed, via=via, dispatch=dispatch)
        except IntegrityError:
            # Another writer (HTTP and MQTT at once) claimed a seq first: the next attempt
            # sees its rows and counts them as duplicates.
            if attempt == 2:
                raise
            continue
        for o in result:
            if o.status == REJECTED:
                logger.warning(
                    "device message refused: %s (device %s, %s)", o.reason, o.device_id, via
                )
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _db_down(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def ingest_resilient(
    items: Sequence[Incoming], *, via: str = Via.MQTT, household_id: int | None = None
) -> list[Outcome]:
    """``ingest``, isolating a failing message instead of failing the batch (see module)."""
    try:
        return ingest(items, via=via, household_id=household_id)
    except Exception as exc:
        if _db_down(exc):
            connection.close_if_unusable_or_obsolete()
            raise DatabaseUnavailable(type(exc).__name__) from exc
        logger.error("device batch failed (%s); retrying one by one", type(exc).__name__)
    out: list[Outcome] = []
    for item in items:
        try:
            out.extend(ingest([item], via=via, household_id=household_id))
            continue
        except Exception as exc:
            if _db_down(exc):
                connection.close_if_unusable_or_obsolete()
                raise DatabaseUnavailable(type(exc).__name__) from exc
            logger.error(
                "device message %s failed in a receiver (%s); stored without it",
                item.device_id,
                type(exc).__name__,
            )
        try:
            out.extend(ingest([item], via=via, household_id=household_id, dispatch=False))
            continue
        except Exception as exc:
            if _db_down(exc):
                connection.close_if_unusable_or_obsolete()
                raise DatabaseUnavailable(type(exc).__name__) from exc
            logger.error(
                "device message %s could not be stored (%s); counted as refused",
                item.device_id,
                type(exc).__name__,
            )
        # Never stop the pipeline for one message: count it (no content kept) and move on.
        with transaction.atomic():
            count_rejections(Counter({"internal_error": 1}), via=via)
        out.append(Outcome(REJECTED, item.device_id, reason="internal_error"))
    return out
