"""The consumer's batching and acknowledging, without a broker (a socket pair stands in)."""

from __future__ import annotations

import socket
from typing import Any

from doorstep.devices import consumer as consumer_module
from doorstep.devices import mqttwire as wire
from doorstep.devices.consumer import Consumer, Received
from doorstep.devices.ingest import Outcome
from doorstep.devices.mosquitto import Broker


def make() -> Consumer:
    return Consumer(Broker("127.0.0.1", 1, "p", "p"), client_id="t", batch_size=5, batch_wait=0)


def rx(mid: int, generation: int = 1, qos: int = 1) -> Received:
    return Received(mid, qos, f"doorstep/devices/w{mid}/events", b"{}", generation, None)


def test_reads_larger_than_a_batch_are_split_and_nothing_is_dropped() -> None:
    c = make()
    c.inbox.put([rx(i) for i in range(1, 8)])  # one socket read of 7 messages
    c.inbox.put([rx(i) for i in range(8, 10)])
    first = c._take()
    second = c._take()
    assert [m.mid for m in first] == [1, 2, 3, 4, 5]
    assert [m.mid for m in second] == [6, 7, 8, 9]
    assert c._take() == []


def test_acks_go_after_the_store_in_one_write_only_for_this_connection(monkeypatch: Any) -> None:
    c = make()
    ours, broker = socket.socketpair()
    c._sock, c.generation = ours, 2
    stored: list[Any] = []

    def ingest(items: Any, via: str) -> list[Outcome]:
        stored.append([i.device_id for i in items])
        return [
            Outcome("stored", "w3", 9, "sos"),  # an alarm: its end-to-end ack goes first
            Outcome("stored", "w4", 1, "heart_rate"),
            Outcome("rejected", "w5", reason="not_json"),  # counted and acknowledged
        ]

    monkeypatch.setattr(consumer_module, "ingest_resilient", ingest)
    monkeypatch.setattr(consumer_module, "close_old_connections", lambda: None)  # no database
    batch = [rx(3, 2), rx(4, 2), rx(5, 2), rx(6, 1), rx(7, 2, qos=0)]
    assert c.process(batch)
    assert stored == [["w3", "w4", "w5", "w6", "w7"]]
    broker.settimeout(2)
    decoder = wire.Decoder()
    packets: list[wire.Publish | wire.Control] = []
    while len(packets) < 4:
        packets += decoder.feed(broker.recv(4096))
    ack, *pubacks = packets
    broker.setblocking(False)
    try:
        extra = broker.recv(4096)
    except BlockingIOError:
        extra = b""
    assert extra == b""  # nothing else was sent
    assert isinstance(ack, wire.Publish)
    assert (ack.topic, ack.payload, ack.qos) == ("doorstep/devices/w3/acks", b'{"seq": 9}', 1)
    # PUBACKs of this connection's QoS 1 messages, in arrival order: not #6 (an earlier
    # connection: the broker redelivers it), not #7 (QoS 0).
    assert [
        (p.type, wire.packet_id_of(p.body)) for p in pubacks if isinstance(p, wire.Control)
    ] == [
        (wire.PUBACK, 3),
        (wire.PUBACK, 4),
        (wire.PUBACK, 5),
    ]
    assert c.totals == {"stored": 2, "rejected": 1}
    assert c._inflight == {ack.packet_id}
    ours.close()
    broker.close()
