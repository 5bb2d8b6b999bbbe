"""The MQTT consumer: device messages in, acknowledged only after the commit (ADR 0030).

One process with a fixed client id keeps a persistent MQTT v5 session (``clean_start``
false, a long session expiry), so messages published while it is down wait in the broker.
It subscribes to ``doorstep/devices/+/events`` with QoS 1 and acknowledges manually
(``manual_ack``): the network thread queues each message; the main thread takes batches,
stores them with ``ingest.ingest_resilient`` (one transaction), and only then publishes the
end-to-end acks of alarms (``doorstep/devices/{id}/acks``, ``{"seq": n}``) and sends the
PUBACKs, in the order the messages arrived. When the database cannot be reached nothing is
acknowledged: the batch is retried with back-off (0.5 s doubling to 10 s) and the broker holds
the rest. A message that arrived before a reconnection is not acknowledged on the new
connection (its packet id may be reused): the broker redelivers it and the duplicate is
recognised by ``(device, seq)``. A refused payload is counted and acknowledged, so it never
comes back.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from django.db import close_old_connections
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from doorstep.core import clock

from .enums import Via
from .ingest import DatabaseUnavailable, Incoming, ingest_resilient
from .mosquitto import ACKS, EVENTS_ALL, Broker

logger = logging.getLogger("doorstep.devices.consumer")

TOPIC = re.compile(r"^doorstep/devices/([A-Za-z0-9_-]{1,32})/events$")
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
RECEIVE_MAXIMUM = 1000


@dataclass(frozen=True)
class Received:
    mid: int
    qos: int
    topic: str
    payload: bytes
    generation: int
    at: Any


def device_of(topic: str) -> str:
    match = TOPIC.match(topic)
    return match.group(1) if match else ""


class Consumer:
    def __init__(
        self,
        broker: Broker,
        *,
        client_id: str,
        batch_size: int = 500,
        batch_wait: float = 0.05,
        max_backoff: float = 10.0,
    ) -> None:
        self.broker = broker
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.max_backoff = max_backoff
        self.inbox: queue.Queue[Received] = queue.Queue()
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.generation = 0
        self.totals: Counter[str] = Counter()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client

    # --- network thread -----------------------------------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            logger.error("MQTT connection refused: %s", reason)
            return
        self.generation += 1
        client.subscribe(EVENTS_ALL, qos=1)
        self.connected.set()
        logger.info(
            "connected to MQTT (session present: %s)", getattr(flags, "session_present", None)
        )

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning("MQTT disconnected (%s); reconnecting", reason)

    def _on_message(self, client: Any, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.inbox.put(
            Received(msg.mid, msg.qos, msg.topic, bytes(msg.payload), self.generation, clock.now())
        )

    # --- main thread ----------------------------------------------------------------

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            self.broker.host, self.broker.port, keepalive=30, clean_start=False, properties=props
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _take(self) -> list[Received]:
        try:
            first = self.inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self.inbox.get(timeout=remaining) if remaining > 0 else self.inbox.get_nowait()
                )
            except queue.Empty:
                break
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
            if outcome.needs_ack:
                self.client.publish(
                    ACKS.format(outcome.device_id), json.dumps({"seq": outcome.seq}), qos=1
                )
        current = self.generation
        for m in batch:
            if m.generation == current and m.qos > 0:
                self.client.ack(m.mid, m.qos)
        return True
