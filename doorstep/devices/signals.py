"""Signals the devices app sends for other apps (alerts) to react to.

``device_event`` is sent INSIDE the ingestion transaction, once per newly stored
(non-duplicate) message, so whatever a receiver writes commits together with the reading and
before the MQTT acknowledgement; a receiver that raises rolls the message back and the
consumer retries it (so receivers must not raise for ordinary data). Keyword arguments:

- ``device``: the :class:`doorstep.devices.models.Device` that sent the message, loaded with
  the fields ingestion reads (pk, ``device_id``, ``type``, ``elder_id``, ``household_id``,
  status, battery, ``last_seen``, ``last_seq``); any other field is deferred and costs a
  query when read (ADR 0034);
- ``event``: the stored :class:`doorstep.devices.models.DeviceEvent`, or ``None`` for a reading;
- ``observation_id``: the id of the stored :class:`doorstep.health.models.Observation`, or
  ``None`` (for blood pressure the systolic observation; a pulse reported with it is the next
  id); an id, not an instance: nothing is built per reading on the hot path (ADR 0034);
- ``kind``: the payload ``type`` (``"blood_pressure"``, ``"glucose"``, ``"motion"``, ``"sos"``...);
- ``values``: the payload ``values`` as validated, in the payload's shape (readings:
  ``{"systolic", "diastolic", "pulse"}`` or ``{"value", "context", "pulse"}`` as ``Decimal``,
  rounded to the unit's precision; events: the known keys, e.g. ``{"room": "bedroom"}``);
- ``at``: the aware datetime the device measured it (payload ``ts``);
- ``seq``: the device's sequence number.

``device_events`` is sent once per batch, after the per-message ``device_event`` signals and
in the same transaction, with ``messages``: a list of :class:`StoredMessage` (the same
fields as ``device_event``'s keyword arguments), in the order the messages arrived. A
receiver that works on many messages at once (the alerts app reads the thresholds and the
recent readings of every elder of the batch in two queries) listens to this one; a
receiver must listen to one of the two, not both, or it sees each message twice.

``device_status`` is sent when a device's status changes (``"offline"``, ``"online"`` or
``"battery_low"``), with ``device``, ``status`` and ``at``; also inside the transaction that
records the change.

Alarm kinds acknowledged end to end (the platform publishes ``{"seq": n}`` to
``doorstep/devices/{id}/acks`` after the commit) are listed in :data:`ALARM_KINDS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import django.dispatch

device_event = django.dispatch.Signal()
device_events = django.dispatch.Signal()


@dataclass(frozen=True)
class StoredMessage:
    """One newly stored message, as ``device_events`` hands it over."""

    device: Any
    event: Any
    observation_id: int | None
    kind: str
    values: dict[str, Any]
    at: dt.datetime
    seq: int


device_status = django.dispatch.Signal()

ALARM_KINDS: frozenset[str] = frozenset({"sos", "fall", "voice_alarm"})
