"""Simulated home devices over real MQTT (ADR 0030): the demo's and the benchmarks' source.

``DeviceClient`` is one device with its own credentials: it publishes
``{"seq", "ts", "type", "values"}`` to its own events topic with QoS 1, numbering messages
itself, and repeats each alarm (SOS, fall, voice alarm) with the same ``seq``, backing off, until
the platform's ack for that ``seq`` arrives on its acks topic, across disconnections and broker
restarts. ``Fleet`` drives many devices from one thread (``select`` over their sockets) and
reconnects them. ``day_plan`` (pure, seeded) writes a day of one elder's life for a profile:
``normal``, ``hypertension`` (high readings with an episode), ``fall`` (a fall, then
stillness) or ``inactive`` (no motion from mid-morning, the door never opened).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import select
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from .mosquitto import ACKS, EVENTS, Broker
from .signals import ALARM_KINDS

logger = logging.getLogger("doorstep.devices.simulator")

PROFILES = ("normal", "hypertension", "fall", "inactive")
ROOMS = ("bedroom", "living_room", "kitchen", "bathroom")


@dataclass
class DeviceClient:
    """One simulated device. Not thread-safe: drive it from one thread (``Fleet``)."""

    device_id: str
    secret: str
    broker: Broker
    seq: int = 0
    repeat_every: float = 2.0
    max_repeat_every: float = 30.0
    pending: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    acked: set[int] = field(default_factory=set)
    published: int = 0
    repeats: int = 0

    def __post_init__(self) -> None:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.device_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        client.username_pw_set(self.device_id, self.secret)
        client.max_queued_messages_set(0)
        client.max_inflight_messages_set(100)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        self.client = client
        self.connected = False
        self.next_attempt = 0.0

    @property
    def events_topic(self) -> str:
        return EVENTS.format(self.device_id)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            return
        self.connected = True
        client.subscribe(ACKS.format(self.device_id), qos=1)
        now = time.monotonic()
        for seq, (payload, _, _) in list(self.pending.items()):  # at once after a reconnect
            self.pending[seq] = (payload, now, self.repeat_every)

    def _on_message(self, client: Any, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            seq = int(json.loads(msg.payload)["seq"])
        except (ValueError, KeyError, TypeError):
            return
        self.pending.pop(seq, None)
        self.acked.add(seq)

    def connect(self) -> bool:
        """Try to (re)connect; False when the broker is not reachable now."""
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=20)
        except OSError:
            self.next_attempt = time.monotonic() + 0.5
            return False
        self.next_attempt = time.monotonic() + 0.5
        return True

    def payload(self, kind: str, values: dict[str, Any], at: dt.datetime, seq: int) -> str:
        return json.dumps({"seq": seq, "ts": at.isoformat(), "type": kind, "values": values})

    def send(
        self, kind: str, values: dict[str, Any] | None = None, *, at: dt.datetime | None = None
    ) -> int:
        """Publish one message with the next seq; alarms are repeated until acknowledged."""
        self.seq += 1
        self.resend(self.seq, kind, values or {}, at=at)
        return self.seq

    def resend(
        self, seq: int, kind: str, values: dict[str, Any], *, at: dt.datetime | None = None
    ) -> None:
        """Publish with a given seq (a button pressed twice, a device resending)."""
        when = at or dt.datetime.now(dt.UTC).astimezone()
        body = self.payload(kind, values, when, seq)
        self.client.publish(self.events_topic, body, qos=1)
        self.published += 1
        if kind in ALARM_KINDS and seq not in self.acked:
            self.pending[seq] = (body, time.monotonic() + self.repeat_every, self.repeat_every)

    def tick(self, now: float) -> None:
        """Repeat the alarms whose ack is overdue, backing off (doubling up to
        ``max_repeat_every``) so that a slow platform is not flooded with repeats."""
        for seq, (body, due, interval) in list(self.pending.items()):
            if now >= due and self.connected:
                self.client.publish(self.events_topic, body, qos=1)
                self.repeats += 1
                wait = min(interval * 2, self.max_repeat_every)
                self.pending[seq] = (body, now + wait, wait)


class Fleet:
    """Many devices, one thread: network I/O with ``select``, reconnection, alarm repeats."""

    #: How often the keep-alive bookkeeping (``loop_misc``) and the alarm repeats run: each
    #: is a pass over every device, too costly for every network step of a busy fleet.
    MISC_EVERY = 0.2

    def __init__(self, devices: Iterable[DeviceClient]) -> None:
        self.devices = list(devices)
        self.lock = threading.Lock()
        self.next_misc = 0.0

    def connect_all(self, timeout: float = 10.0) -> None:
        for d in self.devices:
            d.connect()
        self.run_until(lambda: all(d.connected for d in self.devices), timeout)

    def step(self, timeout: float = 0.05) -> None:
        now = time.monotonic()
        socks: dict[Any, DeviceClient] = {}
        writers = []
        for d in self.devices:
            sock = d.client.socket()
            if sock is None:
                d.connected = False
                if now >= d.next_attempt:
                    d.connect()
                continue
            socks[sock] = d
            if d.client.want_write():
                writers.append(sock)
        if socks:
            try:
                readable, writable, _ = select.select(list(socks), writers, [], timeout)
            except (OSError, ValueError):
                readable, writable = [], []
            for sock in readable:
                self._io(socks[sock], read=True)
            for sock in writable:
                self._io(socks[sock], read=False)
        else:
            time.sleep(timeout)
        now = time.monotonic()
        if now < self.next_misc:
            return
        self.next_misc = now + self.MISC_EVERY
        for d in self.devices:
            if d.client.socket() is not None:
                self._misc(d)
            if d.pending:
                d.tick(now)

    def _io(self, d: DeviceClient, *, read: bool) -> None:
        rc = d.client.loop_read() if read else d.client.loop_write()
        if rc != mqtt.MQTT_ERR_SUCCESS:
            self._lost(d)

    def _misc(self, d: DeviceClient) -> None:
        if d.client.loop_misc() != mqtt.MQTT_ERR_SUCCESS:
            self._lost(d)

    @staticmethod
    def _lost(d: DeviceClient) -> None:
        d.connected = False
        d.next_attempt = time.monotonic() + 0.5

    def run_until(self, done: Callable[[], bool], timeout: float, every: float = 0.1) -> bool:
        """Run the network until ``done()`` (asked every ``every`` seconds) or ``timeout``."""
        deadline = time.monotonic() + timeout
        next_check = 0.0
        while time.monotonic() < deadline:
            self.step()
            if time.monotonic() >= next_check:
                if done():
                    return True
                next_check = time.monotonic() + every
        return done()

    def drain(self, timeout: float = 10.0) -> bool:
        """Run until every QoS 1 publish is acknowledged by the broker and no alarm waits."""
        return self.run_until(
            lambda: all(not d.pending and d.client._out_messages == {} for d in self.devices),
            timeout,
        )

    def close(self) -> None:
        for d in self.devices:
            try:
                d.client.disconnect()
                d.client.loop_write()
            except (OSError, AttributeError):
                pass


# --- what a day looks like (pure) --------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    at: dt.datetime
    device_type: str
    kind: str
    values: dict[str, Any]


def _at(day: dt.datetime, hours: float, rng: random.Random, jitter_min: float = 10) -> dt.datetime:
    return day + dt.timedelta(hours=hours, minutes=rng.uniform(-jitter_min, jitter_min))


def day_plan(profile: str, day: dt.datetime, rng: random.Random) -> list[Planned]:
    """One day (from local midnight ``day``) of an elder's devices, sorted by time."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    out: list[Planned] = []
    high = profile == "hypertension"
    for hours in (7.5, 19.5):
        sys_, dia = (
            (rng.gauss(165, 8), rng.gauss(98, 5)) if high else (rng.gauss(128, 7), rng.gauss(80, 5))
        )
        values = {
            "systolic": round(sys_),
            "diastolic": round(min(dia, sys_ - 20)),
            "pulse": round(rng.gauss(74, 6)),
        }
        out.append(Planned(_at(day, hours, rng), "bp_monitor", "blood_pressure", values))
    if high:  # an episode in the afternoon: 185/112, measured again 15 minutes later
        t = _at(day, 15, rng, 60)
        out.append(
            Planned(
                t, "bp_monitor", "blood_pressure", {"systolic": 186, "diastolic": 112, "pulse": 96}
            )
        )
        out.append(
            Planned(
                t + dt.timedelta(minutes=15),
                "bp_monitor",
                "blood_pressure",
                {"systolic": 181, "diastolic": 108, "pulse": 92},
            )
        )
    glucose = rng.gauss(6.8 if high else 5.6, 0.5)
    out.append(
        Planned(
            _at(day, 7, rng),
            "glucometer",
            "glucose",
            {"value": round(glucose, 1), "context": "fasting"},
        )
    )
    # the watch: heart rate every 30 minutes while awake, a heartbeat with battery hourly
    battery = rng.randint(35, 100)
    for half_hours in range(13, 45):
        t = _at(day, half_hours / 2, rng, 3)
        out.append(
            Planned(t, "watch", "heart_rate", {"value": round(rng.gauss(88 if high else 72, 6))})
        )
    for hour in range(0, 24):
        out.append(
            Planned(
                day + dt.timedelta(hours=hour, minutes=1),
                "watch",
                "heartbeat",
                {"battery": max(battery - hour, 5)},
            )
        )
        out.append(
            Planned(day + dt.timedelta(hours=hour, minutes=2), "motion_sensor", "heartbeat", {})
        )
        out.append(
            Planned(day + dt.timedelta(hours=hour, minutes=3), "door_sensor", "heartbeat", {})
        )
    # motion: every 10-40 minutes from 6:30 to 22:00 (the inactive elder stops at 10:00,
    # the one who falls lies still for two hours after the fall)
    stop = 10.0 if profile == "inactive" else 22.0
    fall_at = _at(day, rng.uniform(9, 16), rng, 0) if profile == "fall" else None
    t = day + dt.timedelta(hours=6.5)
    while t < day + dt.timedelta(hours=stop):
        still = fall_at is not None and fall_at <= t < fall_at + dt.timedelta(hours=2)
        if not still:
            out.append(Planned(t, "motion_sensor", "motion", {"room": rng.choice(ROOMS)}))
        t += dt.timedelta(minutes=rng.uniform(10, 40))
    if fall_at is not None:
        out.append(Planned(fall_at, "watch", "fall", {}))
    if profile != "inactive":
        for hours in (9.5, 16.5):
            opened = _at(day, hours, rng, 30)
            out.append(Planned(opened, "door_sensor", "door", {"state": "open", "door": "front"}))
            out.append(
                Planned(
                    opened + dt.timedelta(minutes=1),
                    "door_sensor",
                    "door",
                    {"state": "closed", "door": "front"},
                )
            )
    out.sort(key=lambda p: p.at)
    return out
