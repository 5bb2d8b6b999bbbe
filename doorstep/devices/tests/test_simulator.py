"""The simulator's day plans (pure, seeded) and its device setup."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from doorstep.devices import credentials
from doorstep.devices.models import Device
from doorstep.devices.simulator import day_plan

DAY = dt.datetime(2026, 11, 23, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def plan(profile: str) -> list[Any]:
    return day_plan(profile, DAY, random.Random(7))


def test_a_normal_day_has_readings_motion_and_the_door() -> None:
    items = plan("normal")
    kinds = [p.kind for p in items]
    assert kinds.count("blood_pressure") == 2
    assert kinds.count("glucose") == 1
    assert kinds.count("door") == 4
    assert kinds.count("motion") > 20
    assert "fall" not in kinds
    assert all(
        p["values"]["systolic"] < 180 for p in map(vars, items) if p["kind"] == "blood_pressure"
    )
    assert items == sorted(items, key=lambda p: p.at)


def test_hypertension_has_an_episode_of_185_over_112() -> None:
    bp = [p.values for p in plan("hypertension") if p.kind == "blood_pressure"]
    assert {"systolic": 186, "diastolic": 112, "pulse": 96} in bp
    assert len(bp) == 4


def test_a_fall_is_followed_by_two_hours_without_motion() -> None:
    items = plan("fall")
    fall = next(p.at for p in items if p.kind == "fall")
    still = [p for p in items if p.kind == "motion" and fall <= p.at < fall + dt.timedelta(hours=2)]
    assert still == []


def test_the_inactive_elder_stops_moving_at_ten_and_never_opens_the_door() -> None:
    items = plan("inactive")
    assert max(p.at for p in items if p.kind == "motion") < DAY + dt.timedelta(hours=10)
    assert [p for p in items if p.kind == "door"] == []


@pytest.mark.django_db
def test_setup_registers_five_devices_per_elder_and_saves_working_secrets(
    personas: Any, elder_a: Any, tmp_path: Path
) -> None:
    path = tmp_path / "devices.json"
    call_command("simulate_devices", "--setup-only", "--elders", "1", "--credentials", str(path))
    rows = json.loads(path.read_text())["devices"]
    assert sorted(r["type"] for r in rows) == [
        "bp_monitor",
        "door_sensor",
        "glucometer",
        "motion_sensor",
        "watch",
    ]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    for row in rows:
        device = Device.objects.get(device_id=row["device_id"])
        assert credentials.verify_secret(row["secret"], device.secret_hash)
    # a second setup re-keys the same devices instead of adding more
    call_command("simulate_devices", "--setup-only", "--elders", "1", "--credentials", str(path))
    assert Device.objects.count() == 5


def test_a_tls_record_not_yet_whole_is_not_a_lost_connection() -> None:
    """A non-blocking TLS socket raises ``SSLWantReadError`` / ``SSLWantWriteError`` when a
    record is not whole yet; the device waits for the rest instead of reconnecting."""
    import ssl

    from doorstep.devices.mosquitto import Broker
    from doorstep.devices.simulator import DeviceClient

    class Partial:
        def recv(self, n: int) -> bytes:
            raise ssl.SSLWantReadError("the rest of the record is on its way")

        def send(self, data: bytes) -> int:
            raise ssl.SSLWantWriteError("the socket's buffer is full")

    device = DeviceClient("w1", "secret", Broker("127.0.0.1", 8883, "p", "p", tls=True))
    device.sock = Partial()  # type: ignore[assignment]
    device.outbuf = bytearray(b"\x30\x00")
    assert device.read() is True
    assert device.write() is True
    assert device.outbuf == bytearray(b"\x30\x00")  # kept for the next try
