"""Ingestion into the database: dedupe, mapping to observations, events, signals, refusals."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from doorstep.core import clock
from doorstep.devices import services
from doorstep.devices.ingest import Incoming, ingest, ingest_resilient
from doorstep.devices.models import Device, DeviceEvent, DeviceMessage, RejectionCount
from doorstep.devices.signals import device_event, device_status
from doorstep.health.models import Observation

pytestmark = pytest.mark.django_db


def msg(device: Device, seq: int, kind: str, values: dict[str, Any], **kw: Any) -> Incoming:
    ts = kw.pop("ts", (clock.now() - dt.timedelta(minutes=1)).isoformat())
    body = json.dumps({"seq": seq, "ts": ts, "type": kind, "values": values})
    return Incoming(device.device_id, body.encode(), clock.now())


@pytest.fixture
def heard() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def on_event(sender: Any, **kw: Any) -> None:
        calls.append({**kw, "signal": "event"})

    def on_status(sender: Any, **kw: Any) -> None:
        calls.append({**kw, "signal": "status"})

    device_event.connect(on_event, weak=False)
    device_status.connect(on_status, weak=False)
    yield calls
    device_event.disconnect(on_event)
    device_status.disconnect(on_status)


def test_a_reading_becomes_a_coded_device_observation_once(kit: Any, heard: list) -> None:
    bp = msg(kit.bp, 41, "blood_pressure", {"systolic": 185, "diastolic": 110, "pulse": 88})
    first = ingest([bp, bp])  # delivered twice in one batch
    again = ingest([bp])  # and once more later
    assert [o.status for o in first + again] == ["stored", "duplicate", "duplicate"]
    rows = list(
        Observation.objects.order_by("kind").values_list(
            "kind", "loinc", "unit", "value", "value2", "source"
        )
    )
    assert [(k, lo, u, int(v), v2 and int(v2), s) for k, lo, u, v, v2, s in rows] == [
        ("blood_pressure", "85354-9", "mm[Hg]", 185, 110, "device"),
        ("heart_rate", "8867-4", "/min", 88, None, "device"),
    ]
    message = DeviceMessage.objects.get()
    assert message.observation is not None
    assert (message.seq, message.kind, message.observation.kind) == (
        41,
        "blood_pressure",
        "blood_pressure",
    )
    events = [c for c in heard if c["signal"] == "event"]
    assert len(events) == 1
    assert (events[0]["kind"], events[0]["seq"], events[0]["event"]) == ("blood_pressure", 41, None)
    assert events[0]["observation_id"] == message.observation_id
    assert [c["status"] for c in heard if c["signal"] == "status"] == ["online"]
    kit.bp.refresh_from_db()
    assert (kit.bp.status, kit.bp.last_seq) == ("online", 41)


def test_events_are_stored_and_alarms_need_an_ack_even_when_repeated(kit: Any, heard: list) -> None:
    out = ingest(
        [
            msg(kit.watch, 7, "sos", {}),
            msg(kit.watch, 8, "battery", {"level": 12}),
            msg(kit.watch, 7, "sos", {}),
        ]
    )
    assert [(o.status, o.needs_ack) for o in out] == [
        ("stored", True),
        ("stored", False),
        ("duplicate", True),
    ]
    assert list(DeviceEvent.objects.order_by("seq").values_list("kind", "seq")) == [
        ("sos", 7),
        ("battery", 8),
    ]
    kit.watch.refresh_from_db()
    assert (kit.watch.battery_pct, kit.watch.battery_low) == (12, True)
    assert [c["status"] for c in heard if c["signal"] == "status"] == ["online", "battery_low"]
    sos = next(c for c in heard if c["signal"] == "event" and c["kind"] == "sos")
    assert sos["event"].elder_id == kit.watch.elder_id
    assert Observation.objects.count() == 0


def test_refusals_are_counted_without_content_and_store_nothing(kit: Any, caplog: Any) -> None:
    items = [
        Incoming(kit.bp.device_id, b"{broken", clock.now()),
        msg(kit.bp, 5, "glucose", {"value": 5.1}),
        Incoming("nobody-123", b"{}", clock.now()),
        msg(kit.bp, 6, "blood_pressure", {"systolic": 999, "diastolic": 80}),
    ]
    out = ingest(items)
    assert [o.reason for o in out] == [
        "not_json",
        "type_not_for_device",
        "device_unknown",
        "value_out_of_range",
    ]
    assert sorted(RejectionCount.objects.values_list("reason", "count")) == [
        ("device_unknown", 1),
        ("not_json", 1),
        ("type_not_for_device", 1),
        ("value_out_of_range", 1),
    ]
    assert DeviceMessage.objects.count() == Observation.objects.count() == 0
    assert "device message refused: not_json" in caplog.text
    assert "broken" not in caplog.text
    assert "systolic" not in caplog.text


def test_a_retired_device_and_another_household_are_refused(kit: Any, personas: Any) -> None:
    from doorstep.accounts.policy import Actor

    services.retire_device(actor=Actor.of(personas.inst_admin), device=kit.watch)
    out = ingest([msg(kit.watch, 1, "sos", {})])
    assert out[0].reason == "device_retired"
    out = ingest([msg(kit.bp, 1, "heartbeat", {})], household_id=kit.bp.household_id + 1)
    assert out[0].reason == "device_unknown"


def test_a_failing_receiver_does_not_lose_the_message(kit: Any) -> None:
    def broken(sender: Any, **kw: Any) -> None:
        if kw["kind"] == "sos":
            raise RuntimeError("receiver bug")

    device_event.connect(broken, weak=False)
    try:
        out = ingest_resilient([msg(kit.watch, 1, "heartbeat", {}), msg(kit.watch, 2, "sos", {})])
    finally:
        device_event.disconnect(broken)
    assert [(o.status, o.seq) for o in out] == [("stored", 1), ("stored", 2)]
    assert list(DeviceMessage.objects.order_by("seq").values_list("seq", "dispatch_failed")) == [
        (1, False),
        (2, True),
    ]


def test_silent_devices_go_offline_after_their_types_interval(kit: Any, heard: list) -> None:
    ingest([msg(kit.bp, 1, "heartbeat", {}), msg(kit.watch, 1, "heartbeat", {})])
    later = clock.now() + dt.timedelta(hours=1)
    marked = services.mark_offline(at=later)
    assert [d.pk for d in marked] == [kit.watch.pk]  # a watch after 30 min, a BP monitor after 26 h
    assert [c["status"] for c in heard if c["signal"] == "status"][-1] == "offline"
    assert services.mark_offline(at=later) == []
    ingest([msg(kit.watch, 2, "heartbeat", {})])
    kit.watch.refresh_from_db()
    assert kit.watch.status == "online"


def test_a_message_that_cannot_be_stored_at_all_is_counted_not_fatal(
    kit: Any, monkeypatch: Any
) -> None:
    from doorstep.health import services as health_services

    def broken(**kw: Any) -> Any:
        raise ValueError("bug")

    monkeypatch.setattr(health_services, "record_device_readings", broken)
    out = ingest_resilient(
        [msg(kit.bp, 1, "heart_rate", {"value": 70}), msg(kit.bp, 2, "heartbeat", {})]
    )
    assert [(o.status, o.reason) for o in out] == [("rejected", "internal_error"), ("stored", "")]
    assert list(RejectionCount.objects.values_list("reason", "count")) == [("internal_error", 1)]


def test_the_device_row_is_written_when_last_seen_moves_a_minute_or_something_changes(
    kit: Any,
) -> None:
    t0 = clock.now()

    def at(seconds: int, seq: int, kind: str = "heartbeat", **values: Any) -> Incoming:
        body = json.dumps({"seq": seq, "ts": t0.isoformat(), "type": kind, "values": values})
        return Incoming(kit.watch.device_id, body, t0 + dt.timedelta(seconds=seconds))

    def row() -> tuple[Any, ...]:
        kit.watch.refresh_from_db()
        return (kit.watch.last_seen, kit.watch.last_seq, kit.watch.battery_pct, kit.watch.status)

    ingest([at(0, 1)])  # registered -> online: written
    assert row() == (t0, 1, None, "online")
    ingest([at(30, 2)])  # 30 s later, nothing else new: not written
    assert row() == (t0, 1, None, "online")
    ingest([at(40, 3, battery=80)])  # a battery level: written
    assert row() == (t0 + dt.timedelta(seconds=40), 3, 80, "online")
    ingest([at(90, 4, battery=80)])  # same level, 50 s on: not written
    assert row() == (t0 + dt.timedelta(seconds=40), 3, 80, "online")
    ingest([at(100, 5)])  # a minute after the last write: written
    assert row() == (t0 + dt.timedelta(seconds=100), 5, 80, "online")


def test_a_seq_claimed_by_another_writer_meanwhile_is_retried_as_a_duplicate(
    kit: Any, monkeypatch: Any
) -> None:
    from doorstep.devices import ingest as ingest_module

    first = msg(kit.bp, 9, "heart_rate", {"value": 71})
    assert [o.status for o in ingest([first])] == ["stored"]
    real = ingest_module._already_stored
    calls: list[int] = []

    def blind_once(keys: set[tuple[int, int]]) -> set[tuple[int, int]]:
        calls.append(len(keys))
        return set() if len(calls) == 1 else real(keys)  # the other writer's commit unseen

    monkeypatch.setattr(ingest_module, "_already_stored", blind_once)
    again = msg(kit.bp, 9, "heart_rate", {"value": 71})
    assert [o.status for o in ingest([again, msg(kit.bp, 10, "heartbeat", {})])] == [
        "duplicate",
        "stored",
    ]
    assert calls == [2, 2]  # the unique (device, seq) refused the first attempt whole
    assert list(DeviceMessage.objects.order_by("seq").values_list("seq", flat=True)) == [9, 10]
    assert Observation.objects.count() == 1


def test_last_seen_lags_far_less_than_any_offline_interval() -> None:
    from doorstep.devices.enums import OFFLINE_AFTER
    from doorstep.devices.ingest import LAST_SEEN_STEP

    assert min(OFFLINE_AFTER.values()) >= LAST_SEEN_STEP * 10
