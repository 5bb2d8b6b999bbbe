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

Cost (ADR 0034): no model instance per message. Devices are loaded with the few fields ingest
reads; readings go to ``health`` as tuples and come back as ids; the log rows are written
with ``COPY`` (``core.bulk``). A device row is written only when something an operator or a
rule reads changes: its status, its battery level or flag, or its ``last_seen`` advancing by
``LAST_SEEN_STEP`` (60 s) or more, so ``last_seen`` lags the newest message by under a
minute (offline detection waits 30 minutes and more: ``enums.OFFLINE_AFTER``) and
``last_seq`` is the highest seq as of that write, not necessarily the latest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F

from doorstep.core import bulk, clock
from doorstep.health import services as health_services
from doorstep.people.models import Elder

from . import payloads
from .enums import BATTERY_LOW_PCT, DeviceStatus, Via
from .models import Device, DeviceEvent, DeviceMessage, RejectionCount
from .signals import StoredMessage, device_event, device_events, device_status

logger = logging.getLogger("doorstep.devices.ingest")

STORED, DUPLICATE, REJECTED = "stored", "duplicate", "rejected"

#: A device row is rewritten for ``last_seen`` alone once it advances by this much.
LAST_SEEN_STEP = dt.timedelta(seconds=60)


class DatabaseUnavailable(Exception):
    """The database could not be reached: nothing was stored; retry later."""


# Named tuples, not frozen dataclasses: one of each per message (ADR 0034).
class Incoming(NamedTuple):
    device_id: str
    payload: bytes | str | Mapping[str, Any]
    received_at: dt.datetime


class Outcome(NamedTuple):
    status: str
    device_id: str
    seq: int | None = None
    kind: str = ""
    reason: str = ""

    @property
    def needs_ack(self) -> bool:
        """An alarm stored now or before: the device waits for an end-to-end ack."""
        return self.status in (STORED, DUPLICATE) and self.kind in payloads.ALARM_KINDS


class _Parsed(NamedTuple):
    pos: int  # the item's position in the batch
    device: Device
    message: payloads.Message


#: What ingest reads of a device (the alarm receivers read more: deferred, loaded on access).
_DEVICE_FIELDS = (
    "id",
    "device_id",
    "type",
    "elder_id",
    "household_id",
    "status",
    "battery_pct",
    "battery_low",
    "last_seen",
    "last_seq",
)


def _devices(ids: set[str]) -> dict[str, tuple[Device, dt.date]]:
    """The batch's devices by public id, each with its elder's birth date (PostgreSQL: the
    ids as one array literal; the ORM's ``IN`` of a few hundred parameters cost more than
    the query)."""
    if connection.vendor != "postgresql":
        rows = (
            Device.objects.filter(device_id__in=ids)
            .only(*_DEVICE_FIELDS)
            .annotate(_birth_date=F("elder__birth_date"))
        )
        return {d.device_id: (d, d._birth_date) for d in rows}
    columns = ", ".join(f"d.{name}" for name in _DEVICE_FIELDS)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {columns}, e.birth_date FROM {Device._meta.db_table} AS d "  # noqa: S608
            f"JOIN {Elder._meta.db_table} AS e ON e.id = d.elder_id "
            "WHERE d.device_id = ANY(%s::varchar[])",
            [bulk.array_literal(ids)],
        )
        found = cur.fetchall()
    out = {}
    for row in found:
        device = Device.from_db(connection.alias, _DEVICE_FIELDS, row[:-1])
        out[device.device_id] = (device, row[-1])
    return out


def _parse_all(
    items: Sequence[Incoming], *, household_id: int | None
) -> tuple[list[Outcome | None], list[_Parsed]]:
    devices = _devices({item.device_id for item in items})
    now = clock.now()
    outcomes: list[Outcome | None] = [None] * len(items)
    parsed: list[_Parsed] = []
    for i, item in enumerate(items):
        found = devices.get(item.device_id)
        if found is None or (household_id is not None and found[0].household_id != household_id):
            outcomes[i] = Outcome(REJECTED, item.device_id, reason="device_unknown")
            continue
        device, birth_date = found
        if device.status == DeviceStatus.RETIRED:
            outcomes[i] = Outcome(REJECTED, item.device_id, reason="device_retired")
            continue
        try:
            message = payloads.parse(item.payload, device_type=device.type, now=now)
            if message.readings and message.at.date() < birth_date:
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
    """The ingestion log: on PostgreSQL one ``COPY`` (``core.bulk``, ADR 0034), elsewhere
    ``bulk_create``. A row claimed meanwhile by another writer still raises
    ``IntegrityError`` (``ingest`` retries the batch, the other writer's rows then count as
    duplicates)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        DeviceMessage.objects.bulk_create([DeviceMessage(**r._asdict()) for r in rows])
        return
    bulk.copy_rows(DeviceMessage, _LogRow._fields, rows)


def _already_stored(keys: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which ``(device pk, seq)`` pairs the log holds already."""
    if not keys:
        return set()
    if connection.vendor != "postgresql":
        device_pks = {d for d, _ in keys}
        seqs = {s for _, s in keys}
        found = DeviceMessage.objects.filter(device_id__in=device_pks, seq__in=seqs)
        return set(found.values_list("device_id", "seq")) & keys
    pairs = list(keys)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT m.device_id, m.seq FROM {DeviceMessage._meta.db_table} AS m "  # noqa: S608
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS k(device_id, seq) "
            "ON m.device_id = k.device_id AND m.seq = k.seq",
            [bulk.array_literal(d for d, _ in pairs), bulk.array_literal(s for _, s in pairs)],
        )
        return {(d, s) for d, s in cur.fetchall()}


_DEVICE_WRITE = ("last_seen", "last_seq", "battery_pct", "battery_low", "status")


def _update_devices(devices: list[Device]) -> None:
    """Last seen, seq, battery and status of the devices that changed, in one statement
    (PostgreSQL: ``UPDATE ... FROM unnest(...)`` with array literals; ``bulk_update``'s
    ``CASE WHEN`` over a few hundred devices cost more than the rest of the batch);
    elsewhere ``bulk_update``."""
    if not devices:
        return
    if connection.vendor != "postgresql":
        Device.objects.bulk_update(devices, list(_DEVICE_WRITE))
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
                bulk.array_literal([d.pk for d in devices]),
                *[bulk.array_literal([getattr(d, f) for d in devices]) for f in _DEVICE_WRITE],
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
    stored = _already_stored({(p.device.pk, p.message.seq) for p in parsed})
    fresh: list[_Parsed] = []
    for p in parsed:
        key = (p.device.pk, p.message.seq)
        status = DUPLICATE if key in stored else STORED
        outcomes[p.pos] = Outcome(status, p.device.device_id, p.message.seq, p.message.kind)
        if status == STORED:
            stored.add(key)
            fresh.append(p)

    # 2. Readings -> observations (one write, ids back), events -> DeviceEvent (one insert).
    readings = [
        health_services.DeviceReading(
            p.device.elder_id, r.kind, r.value, r.value2, r.context, p.message.at
        )
        for p in fresh
        for r in p.message.readings
    ]
    observation_ids = iter(
        health_services.record_device_readings(readings=readings) if readings else []
    )
    first_observation: dict[int, int] = {}
    for p in fresh:
        if p.message.readings:
            first_observation[p.pos] = next(observation_ids)
            for _ in p.message.readings[1:]:
                next(observation_ids)
    events_in = [p for p in fresh if not p.message.readings]
    events = DeviceEvent.objects.bulk_create(
        [
            DeviceEvent(
                device=p.device,
                elder_id=p.device.elder_id,
                seq=p.message.seq,
                kind=p.message.kind,
                values=p.message.values,
                at=p.message.at,
                received_at=items[p.pos].received_at,
            )
            for p in events_in
        ]
    )
    event_of = dict(zip([p.pos for p in events_in], events, strict=True))
    failed = not dispatch
    _insert_messages(
        [
            _LogRow(
                p.device.pk,
                p.message.seq,
                p.message.kind,
                p.message.at,
                items[p.pos].received_at,
                via,
                first_observation.get(p.pos),
                failed,
            )
            for p in fresh
        ]
    )

    # 3. Devices: last seen, sequence, battery, status (online again, battery low); the row
    # is written only when one of them changes enough to matter (see module).
    changes: list[tuple[Device, str, dt.datetime]] = []
    touched: dict[int, tuple[Device, dt.datetime | None]] = {}
    dirty: set[int] = set()
    for p in fresh:
        device = p.device
        if device.pk not in touched:
            touched[device.pk] = (device, device.last_seen)
        at = items[p.pos].received_at
        if device.last_seen is None or at > device.last_seen:
            device.last_seen = at
        if p.message.seq > device.last_seq:
            device.last_seq = p.message.seq
        level = payloads.battery_of(p.message)
        if level is not None:
            low = level <= BATTERY_LOW_PCT
            if low and not device.battery_low:
                changes.append((device, "battery_low", at))
            if (level, low) != (device.battery_pct, device.battery_low):
                device.battery_pct, device.battery_low = level, low
                dirty.add(device.pk)
        if device.status in (DeviceStatus.REGISTERED, DeviceStatus.OFFLINE):
            device.status = DeviceStatus.ONLINE
            changes.append((device, "online", at))
            dirty.add(device.pk)
    _update_devices(
        [
            device
            for pk, (device, seen) in touched.items()
            if pk in dirty
            or seen is None
            or (device.last_seen is not None and device.last_seen - seen >= LAST_SEEN_STEP)
        ]
    )

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
                event=event_of.get(p.pos),
                observation_id=first_observation.get(p.pos),
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
                    observation_id=m.observation_id,
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
