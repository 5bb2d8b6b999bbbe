"""The MQTT consumer: device messages in, acknowledged only after the commit (ADR 0030, 0035).

One process with a fixed client id keeps a persistent MQTT v5 session (clean start off, a long
session expiry), so messages published while it is down wait in the broker. It subscribes to
``doorstep/devices/+/events`` with QoS 1 and acknowledges by hand. A network thread owns the
socket: it connects (and reconnects, 1 s doubling to 10 s), decodes each read of the socket at
once (``mqttwire``) and queues the messages; the main thread takes batches, stores them with
``ingest.ingest_resilient`` (one transaction), and only then publishes the end-to-end acks of
alarms (``doorstep/devices/{id}/acks``, ``{"seq": n}``) and sends the PUBACKs, in the order the
messages arrived, in one write. When the database cannot be reached nothing is acknowledged:
the batch is retried with back-off (0.5 s doubling to 10 s) and the broker holds the rest (at
most two batches' worth of unacknowledged messages, and at least ``RECEIVE_MAXIMUM``, are in
flight to us: one being stored, the next one arriving). A message that arrived
before a reconnection is not acknowledged on the new connection (its packet id may be reused):
the broker redelivers it and the duplicate is recognised by ``(device, seq)``. A refused
payload is counted and acknowledged, so it never comes back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import re
import socket
import threading
import time
from collections import Counter
from typing import Any, NamedTuple

from django.db import close_old_connections

from doorstep.core import clock

from . import mqttwire as wire
from .enums import Via
from .ingest import DatabaseUnavailable, Incoming, ingest_resilient
from .mosquitto import ACKS, EVENTS_ALL, Broker

logger = logging.getLogger("doorstep.devices.consumer")

TOPIC = re.compile(r"^doorstep/devices/([A-Za-z0-9_-]{1,32})/events$")
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
RECEIVE_MAXIMUM = 1000
KEEPALIVE_SECONDS = 30
CONNECT_TIMEOUT = 10.0
ACK_WAIT_SECONDS = 10.0
READ_COALESCE_BYTES = 32768
READ_PAUSE = 0.008


class Received(NamedTuple):
    mid: int
    qos: int
    topic: str
    payload: bytes
    generation: int
    at: Any


def device_of(topic: str) -> str:
    match = TOPIC.match(topic)
    return match.group(1) if match else ""


class Refused(Exception):
    """The broker refused the connection or the subscription."""


class Consumer:
    def __init__(
        self,
        broker: Broker,
        *,
        client_id: str,
        batch_size: int = 500,
        batch_wait: float = 0.05,
        max_backoff: float = 10.0,
        keepalive: int = KEEPALIVE_SECONDS,
        share: str = "",
    ) -> None:
        self.broker = broker
        #: ``share``: consume as one of a group of consumers (an MQTT 5 shared subscription,
        #: ``$share/<group>/...``): the broker hands each message to one of them. Each
        #: consumer of the group needs its own client id.
        self.topic = f"$share/{share}/{EVENTS_ALL}" if share else EVENTS_ALL
        self.client_id = client_id
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.max_backoff = max_backoff
        self.keepalive = keepalive
        self.inbox: queue.Queue[list[Received]] = queue.Queue()
        self._leftover: list[Received] = []
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.generation = 0
        self.totals: Counter[str] = Counter()
        self._sock: socket.socket | None = None
        self._lock = threading.Condition()  # the socket's writes, the ids of our publishes
        self._inflight: set[int] = set()  # our QoS 1 publishes (acks) not yet PUBACKed
        self._send_maximum = 65535  # the broker's Receive Maximum
        self._next_id = 0
        self._thread: threading.Thread | None = None

    # --- network thread -----------------------------------------------------------

    def _open(self) -> tuple[socket.socket, wire.Decoder, list[wire.Publish | wire.Control]]:
        """Connect and send CONNECT; return once the CONNACK accepted us (with whatever
        followed it in the same read) and the SUBSCRIBE is sent."""
        sock = socket.create_connection((self.broker.host, self.broker.port), CONNECT_TIMEOUT)
        try:
            if self.broker.tls:
                context = self.broker.tls_context()
                sock = context.wrap_socket(sock, server_hostname=self.broker.host)
            sock.settimeout(CONNECT_TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(
                wire.connect(
                    self.client_id,
                    username=self.broker.username,
                    password=self.broker.password,
                    keepalive=self.keepalive,
                    clean_start=False,
                    session_expiry=SESSION_EXPIRY_SECONDS,
                    receive_maximum=min(65535, max(RECEIVE_MAXIMUM, 2 * self.batch_size)),
                )
            )
            decoder = wire.Decoder()
            packets: list[wire.Publish | wire.Control] = []
            while not packets:
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("closed before CONNACK")
                packets = decoder.feed(data)
            first = packets[0]
            if not isinstance(first, wire.Control) or first.type != wire.CONNACK:
                raise wire.ProtocolError("expected CONNACK")
            connack = wire.parse_connack(first.body)
            if not connack.accepted:
                raise Refused(f"connection refused (reason {connack.reason:#x})")
            with self._lock:
                self._sock = sock
                self.generation += 1
                self._inflight.clear()
                self._send_maximum = int(
                    connack.properties.get(wire.RECEIVE_MAXIMUM, 65535)  # type: ignore[call-overload]
                )
                self._lock.notify_all()
                sock.sendall(wire.subscribe(self._new_id(), self.topic, qos=1))
            server_keepalive = connack.properties.get(wire.SERVER_KEEP_ALIVE)
            if isinstance(server_keepalive, int) and server_keepalive:
                self.keepalive = server_keepalive
            logger.info("MQTT session opened (session present: %s)", connack.session_present)
            return sock, decoder, packets[1:]
        except BaseException:
            sock.close()
            raise

    def _network(self) -> None:
        delay = 1.0
        while not self.stopping.is_set():
            try:
                sock, decoder, packets = self._open()
            except (OSError, wire.ProtocolError, Refused) as exc:
                logger.error("MQTT connection failed (%s); retrying in %.0f s", exc, delay)
                if self.stopping.wait(delay):
                    return
                delay = min(delay * 2, 10.0)
                continue
            delay = 1.0
            try:
                self._read(sock, decoder, packets)
            except (OSError, wire.ProtocolError, Refused) as exc:
                if not self.stopping.is_set():
                    logger.warning("MQTT disconnected (%s); reconnecting", exc)
            finally:
                self.connected.clear()
                with self._lock:
                    if self._sock is sock:
                        self._sock = None
                    self._lock.notify_all()
                sock.close()
            if self.stopping.wait(1.0):
                return

    def _read(
        self,
        sock: socket.socket,
        decoder: wire.Decoder,
        packets: list[wire.Publish | wire.Control],
    ) -> None:
        generation = self.generation
        sock.settimeout(1.0)
        ping_every = max(1.0, self.keepalive / 2)
        last_ping = last_heard = time.monotonic()
        while True:
            if packets:
                last_heard = time.monotonic()
                self._dispatch(packets, generation)
            if self.stopping.is_set():
                return
            now = time.monotonic()
            if now - last_heard > self.keepalive * 1.5:
                raise ConnectionError("the broker stopped answering")
            if now - last_ping >= ping_every:
                self._send(sock, wire.PINGREQ_PACKET)
                last_ping = now
            try:
                data = sock.recv(262144)
            except TimeoutError:
                packets = []
                continue
            if not data:
                raise ConnectionError("closed by the broker")
            packets = decoder.feed(data)
            if len(data) < READ_COALESCE_BYTES:
                # A small read: let more arrive before the next one. Under load this turns
                # thousands of tiny reads a second (each waking this thread and taking the
                # interpreter from the main thread) into a few hundred, for READ_PAUSE of
                # latency at most.
                time.sleep(READ_PAUSE)

    def _dispatch(self, packets: list[wire.Publish | wire.Control], generation: int) -> None:
        now = clock.now()
        received = []
        for p in packets:
            if type(p) is wire.Publish:
                received.append(Received(p.packet_id, p.qos, p.topic, p.payload, generation, now))
                continue
            assert isinstance(p, wire.Control)
            if p.type == wire.PUBACK:
                with self._lock:
                    self._inflight.discard(wire.packet_id_of(p.body))
                    self._lock.notify_all()
            elif p.type == wire.SUBACK:
                _, codes = wire.parse_suback(p.body)
                if not codes or codes[0] >= 0x80:
                    raise Refused(f"subscription refused ({codes})")
                self.connected.set()
                logger.info("connected to MQTT and subscribed to %s", self.topic)
            elif p.type == wire.DISCONNECT:
                reason = p.body[0] if p.body else 0
                raise ConnectionError(f"the broker disconnected us (reason {reason:#x})")
        if received:
            self.inbox.put(received)

    def _new_id(self) -> int:
        """A packet id not in flight (call with the lock held)."""
        self._next_id = wire.next_packet_id(self._next_id, self._inflight)
        return self._next_id

    def _send(self, sock: socket.socket, data: bytes) -> None:
        with self._lock:
            sock.sendall(data)

    # --- main thread ----------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._network, name="mqtt-network", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.stopping.set()
        with self._lock:
            sock = self._sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.sendall(wire.disconnect())
        if self._thread is not None:
            self._thread.join(5)

    def _take(self) -> list[Received]:
        batch = self._leftover
        self._leftover = []
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            try:
                if not batch:
                    batch = self.inbox.get(timeout=0.2)
                    deadline = time.monotonic() + self.batch_wait
                    continue
                remaining = deadline - time.monotonic()
                chunk = (
                    self.inbox.get(timeout=remaining) if remaining > 0 else self.inbox.get_nowait()
                )
            except queue.Empty:
                break
            batch.extend(chunk)
        if len(batch) > self.batch_size:
            batch, self._leftover = batch[: self.batch_size], batch[self.batch_size :]
        return batch

    def run(self) -> None:
        """Consume until ``stop()``; the batch in hand is finished first."""
        self.start()
        try:
            while not self.stopping.is_set():
                batch = self._take()
                if batch:
                    self.process(batch)
        finally:
            self.close()

    def process(self, batch: list[Received]) -> bool:
        """Store one batch, then ack it; False when stopped before the database came back."""
        items = [Incoming(device_of(m.topic), m.payload, m.at) for m in batch]
        backoff = 0.5
        while True:
            try:
                close_old_connections()
                outcomes = ingest_resilient(items, via=Via.MQTT)
                break
            except DatabaseUnavailable as exc:
                logger.error(
                    "database unavailable (%s); not acknowledging, retrying in %.1f s", exc, backoff
                )
                if self.stopping.wait(backoff):
                    return False
                backoff = min(backoff * 2, self.max_backoff)
        for outcome in outcomes:
            self.totals[outcome.status] += 1
        acks = [
            (ACKS.format(o.device_id), json.dumps({"seq": o.seq}).encode())
            for o in outcomes
            if o.needs_ack
        ]
        if acks:
            self._publish_acks(acks)
        self._acknowledge(batch)
        return True

    def _publish_acks(self, acks: list[tuple[str, bytes]]) -> None:
        """The end-to-end acks of alarms, QoS 1, within the broker's Receive Maximum. A
        connection lost meanwhile drops the rest: the device repeats the alarm, the duplicate
        is acknowledged again."""
        with self._lock:
            for topic, payload in acks:
                deadline = time.monotonic() + ACK_WAIT_SECONDS
                while (
                    self._sock is not None
                    and len(self._inflight) >= self._send_maximum
                    and time.monotonic() < deadline
                ):
                    self._lock.wait(0.5)
                sock = self._sock
                if sock is None or len(self._inflight) >= self._send_maximum:
                    logger.warning("alarm acks not sent: no room or no connection")
                    return
                packet_id = self._new_id()
                self._inflight.add(packet_id)
                try:
                    sock.sendall(wire.publish(topic, payload, qos=1, packet_id=packet_id))
                except OSError:
                    return  # the network thread reconnects

    def _acknowledge(self, batch: list[Received]) -> None:
        """PUBACK each QoS 1 message of this connection, in arrival order, in one write."""
        with self._lock:
            sock, current = self._sock, self.generation
            data = b"".join(
                wire.puback(m.mid) for m in batch if m.generation == current and m.qos > 0
            )
            if sock is None or not data:
                return
            # On failure: redelivered on the next connection, stored once by (device, seq).
            with contextlib.suppress(OSError):
                sock.sendall(data)
