"""Parse and validate one device message (pure; ADR 0030).

A payload is ``{"seq": int, "ts": "ISO 8601 with offset", "type": str, "values": {...}}``.
``parse`` returns a ``Message`` with its readings already coded (``health.observations``),
or raises ``Rejected`` with a stable reason from ``enums.REJECT_REASONS``. Rejection reasons
never carry payload content: a refused message is counted and logged, not kept.

Readings are rounded to the precision of their kind (a glucometer's 5.63 is 5.6 mmol/L) and
must lie in the kind's plausible range. An alarm (SOS, fall, voice alarm) is never refused
for its clock: a missing, naive or future ``ts`` becomes the time it was received.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from doorstep.health import observations

from .enums import EVENT_KINDS, HOUSEKEEPING, KINDS_BY_TYPE, READING_KINDS
from .signals import ALARM_KINDS

MAX_BYTES = 4096
MAX_SEQ = 2**62
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
GLUCOSE_CONTEXTS = frozenset({"fasting", "postprandial", "random"})
MAX_TEXT = 32


_KNOWN = READING_KINDS | EVENT_KINDS
_ALLOWED = {device_type: kinds | HOUSEKEEPING for device_type, kinds in KINDS_BY_TYPE.items()}


class Rejected(ValueError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# Named tuples, not frozen dataclasses: built once or twice per message, at a fifth of the
# cost (a frozen dataclass sets each field through ``object.__setattr__``; ADR 0034).
class Reading(NamedTuple):
    """One observation: ``kind`` of ``health.observations.KINDS`` and its value(s)."""

    kind: str
    value: Decimal
    value2: Decimal | None = None
    context: str = ""


class Message(NamedTuple):
    seq: int
    at: dt.datetime
    kind: str
    values: dict[str, Any]
    readings: tuple[Reading, ...] = ()

    @property
    def is_alarm(self) -> bool:
        return self.kind in ALARM_KINDS

    @property
    def is_reading(self) -> bool:
        return bool(self.readings)


def decode(raw: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object of a payload (``not_json`` / ``not_object`` / ``too_large``)."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if len(raw) > MAX_BYTES:
        raise Rejected("too_large")
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Rejected("not_json") from exc
    if not isinstance(obj, dict):
        raise Rejected("not_object")
    return obj


def parse(raw: bytes | str | Mapping[str, Any], *, device_type: str, now: dt.datetime) -> Message:
    obj = decode(raw)
    seq = obj.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < MAX_SEQ:
        raise Rejected("seq_invalid")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in _KNOWN:
        raise Rejected("type_unknown")
    if kind not in _ALLOWED.get(device_type, HOUSEKEEPING):
        raise Rejected("type_not_for_device")
    values = obj.get("values", {})
    if not isinstance(values, dict):
        raise Rejected("values_invalid")
    at = _timestamp(obj.get("ts"), now=now, lenient=kind in ALARM_KINDS)
    if kind in READING_KINDS:
        readings = _readings(kind, values)
        return Message(seq=seq, at=at, kind=kind, values=_plain(readings), readings=readings)
    return Message(seq=seq, at=at, kind=kind, values=_event_values(kind, values))


def _timestamp(value: Any, *, now: dt.datetime, lenient: bool) -> dt.datetime:
    try:
        if not isinstance(value, str):
            raise ValueError("ts")
        at = dt.datetime.fromisoformat(value)
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("naive")
    except ValueError as exc:
        if lenient:
            return now
        raise Rejected("ts_invalid") from exc
    if at > now + FUTURE_TOLERANCE:
        if lenient:
            return now
        raise Rejected("ts_in_future")
    return at


def _optional(values: Mapping[str, Any], key: str) -> Decimal | None:
    return None if values.get(key) is None else _number(values, key)


def _number(values: Mapping[str, Any], key: str) -> Decimal:
    value = values.get(key)
    if type(value) is int:  # the common case (not a bool: its type is bool)
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected("values_invalid")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:  # pragma: no cover - str(float) is always a number
        raise Rejected("values_invalid") from exc
    if not number.is_finite():
        raise Rejected("values_invalid")
    return number


_STEPS = {kind: Decimal(1).scaleb(-spec.decimals) for kind, spec in observations.KINDS.items()}


def _coded(kind: str, value: Decimal, value2: Decimal | None = None) -> Reading:
    step = _STEPS[kind]
    first = value.quantize(step, rounding=ROUND_HALF_UP)
    second = None if value2 is None else value2.quantize(step, rounding=ROUND_HALF_UP)
    try:
        first, second = observations.check(kind, first, second)
    except observations.InvalidObservation as exc:
        raise Rejected("value_out_of_range") from exc
    return Reading(kind=kind, value=first, value2=second)


def _readings(kind: str, values: Mapping[str, Any]) -> tuple[Reading, ...]:
    out: list[Reading] = []
    if kind == "blood_pressure":
        systolic, diastolic = _number(values, "systolic"), _number(values, "diastolic")
        out.append(_coded("blood_pressure", systolic, diastolic))
        pulse = _optional(values, "pulse")
        if pulse is not None:
            out.append(_coded("heart_rate", pulse))
        return tuple(out)
    value = _number(values, "value")
    reading = _coded(kind, value)
    if kind == "glucose":
        context = values.get("context", "")
        if context and context not in GLUCOSE_CONTEXTS:
            raise Rejected("values_invalid")
        reading = Reading(kind, reading.value, None, context or "")
    out.append(reading)
    if kind == "spo2":
        pulse = _optional(values, "pulse")
        if pulse is not None:
            out.append(_coded("heart_rate", pulse))
    return tuple(out)


def _plain(readings: tuple[Reading, ...]) -> dict[str, Any]:
    """The payload's values as validated and rounded, in the payload's own shape:
    ``{"systolic", "diastolic", "pulse"}`` for blood pressure, else ``{"value"}`` (with
    ``context`` for glucose and ``pulse`` for SpO2); numbers as ``Decimal``."""
    first, rest = readings[0], readings[1:]
    if first.kind == "blood_pressure":
        out: dict[str, Any] = {"systolic": first.value, "diastolic": first.value2}
    else:
        out = {"value": first.value}
    if first.context:
        out["context"] = first.context
    for extra in rest:  # the pulse of a BP monitor or an oximeter
        out["pulse"] = extra.value
    return out


def _text(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or not value.isprintable():
        raise Rejected("values_invalid")
    return value


def _choice(values: Mapping[str, Any], key: str, allowed: frozenset[str]) -> str:
    value = values.get(key)
    if value not in allowed:
        raise Rejected("values_invalid")
    return str(value)


def _pct(values: Mapping[str, Any], key: str, *, required: bool) -> int | None:
    value = values.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise Rejected("values_invalid")
    return value


def _event_values(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The known, checked keys of an event's values (unknown keys are dropped)."""
    out: dict[str, Any] = {}
    if kind == "motion":
        room = _text(values, "room")
        if room is not None:
            out["room"] = room
    elif kind == "door":
        out["state"] = _choice(values, "state", frozenset({"open", "closed"}))
        door = _text(values, "door")
        if door is not None:
            out["door"] = door
    elif kind == "bed":
        out["state"] = _choice(values, "state", frozenset({"in", "out"}))
    elif kind in ("smoke", "gas"):
        level = _optional(values, "level")
        if level is not None:
            out["level"] = str(level)
    elif kind == "battery":
        out["level"] = _pct(values, "level", required=True)
    elif kind == "heartbeat":
        battery = _pct(values, "battery", required=False)
        if battery is not None:
            out["battery"] = battery
    elif kind in ALARM_KINDS:
        for key in ("room", "phrase"):
            try:
                text = _text(values, key)
            except Rejected:
                continue  # an alarm is never refused for its decoration
            if text is not None:
                out[key] = text
    return out


def battery_of(message: Message) -> int | None:
    """The battery level a message reports, if any."""
    if message.kind == "battery":
        return int(message.values["level"])
    if message.kind == "heartbeat" and "battery" in message.values:
        return int(message.values["battery"])
    return None
