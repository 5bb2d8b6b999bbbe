"""Parsing and validation of device payloads (pure, no database)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest

from doorstep.devices import credentials, payloads
from doorstep.devices.payloads import Reading, Rejected, parse

NOW = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)  # 08:30 in Shanghai
TS = "2026-11-23T08:00:00+08:00"


def raw(**kw: object) -> bytes:
    body = {"seq": 41, "ts": TS, "type": "blood_pressure", "values": {}}
    body.update(kw)
    return json.dumps(body).encode()


def test_blood_pressure_with_pulse_is_two_coded_readings() -> None:
    m = parse(
        raw(values={"systolic": 185, "diastolic": 110, "pulse": 88}),
        device_type="bp_monitor",
        now=NOW,
    )
    assert m.seq == 41
    assert m.at == dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
    assert m.readings == (
        Reading("blood_pressure", Decimal(185), Decimal(110)),
        Reading("heart_rate", Decimal(88)),
    )
    assert m.values == {"systolic": 185, "diastolic": 110, "pulse": 88}
    assert not m.is_alarm


def test_glucose_is_rounded_to_its_precision_and_keeps_its_context() -> None:
    m = parse(
        raw(type="glucose", values={"value": 3.86, "context": "fasting"}),
        device_type="glucometer",
        now=NOW,
    )
    assert m.readings == (Reading("glucose", Decimal("3.9"), None, "fasting"),)
    assert m.values == {"value": Decimal("3.9"), "context": "fasting"}


@pytest.mark.parametrize(
    ("body", "device_type", "reason"),
    [
        (b"{not json", "bp_monitor", "not_json"),
        (b"[1, 2]", "bp_monitor", "not_object"),
        (b"x" * 5000, "bp_monitor", "too_large"),
        (raw(seq=0), "bp_monitor", "seq_invalid"),
        (raw(seq="41"), "bp_monitor", "seq_invalid"),
        (raw(seq=True), "bp_monitor", "seq_invalid"),
        (raw(type="teleport"), "bp_monitor", "type_unknown"),
        (raw(type="glucose", values={"value": 5}), "bp_monitor", "type_not_for_device"),
        (raw(ts="2026-11-23T08:00:00"), "bp_monitor", "ts_invalid"),
        (raw(ts="yesterday"), "bp_monitor", "ts_invalid"),
        (raw(ts="2026-11-23T09:00:00+08:00"), "bp_monitor", "ts_in_future"),
        (raw(values=[185, 110]), "bp_monitor", "values_invalid"),
        (raw(values={"systolic": 185}), "bp_monitor", "values_invalid"),
        (raw(values={"systolic": "185", "diastolic": 110}), "bp_monitor", "values_invalid"),
        (raw(values={"systolic": 400, "diastolic": 110}), "bp_monitor", "value_out_of_range"),
        (raw(values={"systolic": 110, "diastolic": 120}), "bp_monitor", "value_out_of_range"),
        (raw(type="door", values={"state": "ajar"}), "door_sensor", "values_invalid"),
        (raw(type="battery", values={"level": 120}), "watch", "values_invalid"),
        (raw(type="motion", values={"room": "x" * 40}), "motion_sensor", "values_invalid"),
    ],
)
def test_bad_payloads_are_rejected_with_a_stable_reason(
    body: bytes, device_type: str, reason: str
) -> None:
    with pytest.raises(Rejected) as caught:
        parse(body, device_type=device_type, now=NOW)
    assert caught.value.reason == reason
    assert str(caught.value) == reason  # the reason only: nothing of the payload


def test_an_alarm_is_never_refused_for_its_clock() -> None:
    for ts in ("garbage", "2026-11-23T08:00:00", "2030-01-01T00:00:00+08:00", None):
        m = parse(raw(type="sos", ts=ts, values={"x": 1}), device_type="watch", now=NOW)
        assert (m.kind, m.at, m.values, m.is_alarm) == ("sos", NOW, {}, True)


def test_events_keep_known_values_only() -> None:
    m = parse(
        raw(type="door", values={"state": "open", "door": "front", "name": "王秀英"}),
        device_type="door_sensor",
        now=NOW,
    )
    assert (m.kind, m.values, m.readings) == ("door", {"state": "open", "door": "front"}, ())
    hb = parse(raw(type="heartbeat", values={"battery": 15}), device_type="bed_sensor", now=NOW)
    assert payloads.battery_of(hb) == 15


def test_secret_hashes_are_mosquitto_compatible() -> None:
    """The same PBKDF2-SHA512 '$7$' line mosquitto_passwd writes for this salt."""
    stored = credentials.hash_secret(
        "secret123", iterations=101, salt=base64.b64decode("eF1GK7RZOuk5uQfF")
    )
    assert stored == (
        "$7$101$eF1GK7RZOuk5uQfF$UjicvxRpMzJA4QbBHhWvfnkR05IvUzi8VWESZ+mPBcJjOCyW6dbUWCT5kqX3"
        "gtB6AejrugT6d/cN9KM7pYmqrw=="
    )
    assert credentials.verify_secret("secret123", stored)
    assert not credentials.verify_secret("secret124", stored)
    assert not credentials.verify_secret("secret123", "garbage")
