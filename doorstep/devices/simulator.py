"""Simulated home devices over real MQTT (ADR 0030, 0035): the demo's and the benchmarks' source.

``DeviceClient`` is one device with its own credentials and its own MQTT 3.1.1 connection
(persistent session): it publishes ``{"seq", "ts", "type", "values"}`` to its own events topic
with QoS 1, numbering messages itself, keeps each publish until the broker's PUBACK (and sends
the unacknowledged ones again, flagged DUP, after a reconnection, as the protocol asks), and
repeats each alarm (SOS, fall, voice alarm) with the same ``seq``, backing off, until the
platform's ack for that ``seq`` arrives on its acks topic, across disconnections and broker
restarts. The packets are built and read with ``mqttwire`` (a device costs a few microseconds a
message, so one simulator process can load the platform at benchmark rates). ``Fleet``
drives many devices from one thread (``select`` over their sockets) and reconnects them.
``day_plan`` (pure, seeded) writes a day of one elder's life for a profile: ``normal``,
``hypertension`` (high readings with an episode), ``fall`` (a fall, then stillness) or
``inactive`` (no motion from mid-morning, the door never opened).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import random
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import mqttwire as wire
from .mosquitto import ACKS, EVENTS, Broker
from .signals import ALARM_KINDS

logger = logging.getLogger("doorstep.devices.simulator")

PROFILES = ("normal", "hypertension", "fall", "inactive")
ROOMS = ("bedroom", "living_room", "kitchen", "bathroom")
KEEPALIVE = 20
V311 = wire.MQTT311
#: A non-blocking socket (plain or TLS) has nothing to give or take right now.
WOULD_BLOCK = (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


@dataclass
class DeviceClient:
    """One simulated device. Not thread-safe: drive it from one thread (``Fleet``)."""

    device_id: str
    secret: str
    broker: Broker
    seq: int = 0
    repeat_every: float = 2.0
    max_repeat_every: float = 30.0
    pending: dict[int, tuple[bytes, float, float]] = field(default_factory=dict)
    acked: set[int] = field(default_factory=set)
    published: int = 0
    repeats: int = 0
    #: Write each publish at once (as a device does). A load generator turns this off and
    #: lets ``Fleet.step`` write a device's publishes together: fewer system calls for it
    #: and for the broker.
    write_at_once: bool = True

    def __post_init__(self) -> None:
        self.sock: socket.socket | None = None
        self.decoder = wire.Decoder(version=V311)
        self.connected = False
        self.next_attempt = 0.0
        #: QoS 1 publishes the broker has not acknowledged yet, by packet id, in order.
        self.unacked: dict[int, bytes] = {}
        self.outbuf = bytearray()
        self.next_id = 0
        self.last_sent = self.last_heard = 0.0
        self.topic = self.events_topic.encode()

    @property
    def events_topic(self) -> str:
        return EVENTS.format(self.device_id)

    # --- connection ------------------------------------------------------------------

    def connect(self) -> bool:
        """Try to (re)connect; False when the broker is not reachable now. The session is
        usable once the broker's CONNACK is read (``connected``)."""
        self.drop()
        self.next_attempt = time.monotonic() + 0.5
        try:
            sock = socket.create_connection((self.broker.host, self.broker.port), 2.0)
        except OSError:
            return False
        if self.broker.tls:
            sock = self.broker.tls_context().wrap_socket(sock, server_hostname=self.broker.host)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self.sock = sock
        self.decoder = wire.Decoder(version=V311)
        self.outbuf = bytearray(
            wire.connect(
                self.device_id,
                username=self.device_id,
                password=self.secret,
                keepalive=KEEPALIVE,
                clean_start=False,
                version=V311,
            )
        )
        self.last_sent = self.last_heard = time.monotonic()
        return True

    def drop(self) -> None:
        """Forget the connection (the broker keeps the session; so does this device)."""
        self.connected = False
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None
        self.outbuf = bytearray()

    def _opened(self, connack: wire.Connack) -> None:
        if not connack.accepted:
            logger.warning("%s: connection refused (%s)", self.device_id, connack.reason)
            self.drop()
            return
        self.connected = True
        self.outbuf += wire.subscribe(
            self._new_id(), ACKS.format(self.device_id), qos=1, version=V311
        )
        for packet in self.unacked.values():  # again, flagged DUP (MQTT 3.1.1 4.4)
            self.outbuf += bytes((packet[0] | 0x08,)) + packet[1:]
        now = time.monotonic()
        for seq, (payload, _, _) in list(self.pending.items()):  # at once after a reconnect
            self.pending[seq] = (payload, now, self.repeat_every)

    def _new_id(self) -> int:
        self.next_id = wire.next_packet_id(self.next_id, self.unacked)
        return self.next_id

    # --- network (called by Fleet) ---------------------------------------------------

    def read(self) -> bool:
        """Read what the broker sent; False when the connection is gone."""
        assert self.sock is not None
        try:
            data = self.sock.recv(65536)
            if isinstance(self.sock, ssl.SSLSocket):
                # TLS: decrypted bytes left in the record are not seen by ``select``
                while self.sock.pending():
                    data += self.sock.recv(self.sock.pending())
        except WOULD_BLOCK:
            return True
        except OSError:
            return False
        if not data:
            return False
        self.last_heard = time.monotonic()
        try:
            packets = self.decoder.feed(data)
        except wire.ProtocolError:
            return False
        for p in packets:
            if type(p) is wire.Publish:
                if p.qos:
                    self.outbuf += wire.puback(p.packet_id)
                self._on_ack(p.payload)
                continue
            assert isinstance(p, wire.Control)
            if p.type == wire.PUBACK:
                self.unacked.pop(wire.packet_id_of(p.body), None)
            elif p.type == wire.CONNACK:
                self._opened(wire.parse_connack(p.body, version=V311))
                if not self.connected:
                    return False
        return True

    def write(self) -> bool:
        """Write what is waiting (as much as the socket takes); False when it failed."""
        if self.sock is None or not self.outbuf:
            return self.sock is not None
        try:
            sent = self.sock.send(self.outbuf)
        except WOULD_BLOCK:
            return True
        except OSError:
            return False
        del self.outbuf[:sent]
        self.last_sent = time.monotonic()
        return True

    def keepalive(self, now: float) -> bool:
        """PINGREQ when idle; False when the broker has been silent too long."""
        if not self.connected:
            return now - self.last_heard < 10.0  # CONNACK overdue: try again
        if now - self.last_heard > KEEPALIVE * 1.5:
            return False
        if now - self.last_sent >= KEEPALIVE / 2:
            self.outbuf += wire.PINGREQ_PACKET
            self.last_sent = now
        return True

    def _on_ack(self, payload: bytes) -> None:
        try:
            seq = int(json.loads(payload)["seq"])
        except (ValueError, KeyError, TypeError):
            return
        self.pending.pop(seq, None)
        self.acked.add(seq)

    # --- messages --------------------------------------------------------------------

    def payload(self, kind: str, values: dict[str, Any], at: dt.datetime, seq: int) -> bytes:
        return json.dumps({"seq": seq, "ts": _iso(at), "type": kind, "values": values}).encode()

    def publish_raw(self, topic: str | bytes, body: bytes | str) -> None:
        """Publish ``body`` with QoS 1 to any topic (the ACL test publishes on another
        device's topic with this)."""
        packet_id = self._new_id()
        raw = body.encode() if isinstance(body, str) else body
        packet = wire.publish(topic, raw, qos=1, packet_id=packet_id, version=V311)
        self.unacked[packet_id] = packet
        if self.connected:
            self.outbuf += packet
            if self.write_at_once and not self.write():
                self.drop()
                self.next_attempt = time.monotonic() + 0.5

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
        self.publish_raw(self.topic, body)
        self.published += 1
        if kind in ALARM_KINDS and seq not in self.acked:
            self.pending[seq] = (body, time.monotonic() + self.repeat_every, self.repeat_every)

    def tick(self, now: float) -> None:
        """Repeat the alarms whose ack is overdue, backing off (doubling up to
        ``max_repeat_every``) so that a slow platform is not flooded with repeats."""
        for seq, (body, due, interval) in list(self.pending.items()):
            if now >= due and self.connected:
                self.publish_raw(self.topic, body)
                self.repeats += 1
                wait = min(interval * 2, self.max_repeat_every)
                self.pending[seq] = (body, now + wait, wait)


_last_iso: tuple[dt.datetime | None, str] = (None, "")


def _iso(at: dt.datetime) -> str:
    """``at.isoformat()``, remembered for the last time asked: the rate mode stamps all the
    readings of one network pass with one time."""
    global _last_iso
    if _last_iso[0] is not at:
        _last_iso = (at, at.isoformat())
    return _last_iso[1]


class Fleet:
    """Many devices, one thread: network I/O with ``select``, reconnection, alarm repeats."""

    #: How often the keep-alive bookkeeping and the alarm repeats run: each is a pass over
    #: every device, too costly for every network step of a busy fleet.
    MISC_EVERY = 0.2

    def __init__(self, devices: Iterable[DeviceClient]) -> None:
        self.devices = list(devices)
        self.next_misc = 0.0

    def connect_all(self, timeout: float = 10.0) -> None:
        for d in self.devices:
            d.connect()
        self.run_until(lambda: all(d.connected for d in self.devices), timeout)

    def step(self, timeout: float = 0.05) -> None:
        now = time.monotonic()
        socks: dict[Any, DeviceClient] = {}
        for d in self.devices:
            if d.sock is None:
                if now >= d.next_attempt:
                    d.connect()
                if d.sock is None:
                    continue
            if d.outbuf and not d.write():  # write at once: most writes complete
                self._lost(d)
                continue
            socks[d.sock] = d
        if socks:
            writers = [s for s, d in socks.items() if d.outbuf]
            try:
                readable, writable, _ = select.select(list(socks), writers, [], timeout)
            except (OSError, ValueError):
                readable, writable = [], []
            for sock in readable:
                d = socks[sock]
                if not d.read():
                    self._lost(d)
            for sock in writable:
                d = socks[sock]
                if d.sock is sock and not d.write():
                    self._lost(d)
        else:
            time.sleep(timeout)
        now = time.monotonic()
        if now < self.next_misc:
            return
        self.next_misc = now + self.MISC_EVERY
        for d in self.devices:
            if d.sock is not None and not d.keepalive(now):
                self._lost(d)
            if d.pending:
                d.tick(now)

    @staticmethod
    def _lost(d: DeviceClient) -> None:
        d.drop()
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
            lambda: all(not d.pending and not d.unacked for d in self.devices), timeout
        )

    def close(self) -> None:
        for d in self.devices:
            if d.sock is not None and d.connected:
                d.outbuf += wire.disconnect(V311)
                with contextlib.suppress(OSError):
                    d.sock.setblocking(True)
                    d.sock.settimeout(1.0)
                    d.sock.sendall(d.outbuf)
            d.drop()


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
