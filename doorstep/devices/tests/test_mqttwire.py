"""The MQTT packet codec (pure): what the consumer and the simulator put on the wire."""

from __future__ import annotations

import pytest

from doorstep.devices import mqttwire as wire


def test_varint_round_trips_at_each_length_boundary() -> None:
    for n in (0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455):
        encoded = wire.varint(n)
        assert len(encoded) == 1 + (n > 127) + (n > 16_383) + (n > 2_097_151)
        assert wire._read_varint(encoded, 0) == (n, len(encoded))
    with pytest.raises(ValueError, match="varint out of range"):
        wire.varint(268_435_456)
    with pytest.raises(wire.ProtocolError):
        wire._read_varint(b"\xff\xff\xff\xff\x01", 0)


def test_connect_v5_carries_credentials_session_expiry_and_receive_maximum() -> None:
    packet = wire.connect(
        "consumer-1",
        username="platform",
        password="s3cret",
        keepalive=30,
        session_expiry=604_800,
        receive_maximum=1000,
    )
    assert packet[0] == 0x10
    body = packet[2:]  # remaining length fits one byte here
    assert packet[1] == len(body)
    assert body[:7] == b"\x00\x04MQTT\x05"
    assert body[7] == 0xC0  # username and password, no clean start
    assert body[8:10] == b"\x00\x1e"
    props, end = wire.read_properties(body, 10)
    assert props == {wire.SESSION_EXPIRY: 604_800, wire.RECEIVE_MAXIMUM: 1000}
    assert body[end:] == b"\x00\x0aconsumer-1\x00\x08platform\x00\x06s3cret"


def test_connect_311_clean_session_has_no_properties() -> None:
    packet = wire.connect("watch-1", username="watch-1", password="pw", clean_start=True, version=4)
    body = packet[2:]
    assert body[:7] == b"\x00\x04MQTT\x04"
    assert body[7] == 0xC2
    assert body[10:] == b"\x00\x07watch-1\x00\x07watch-1\x00\x02pw"


def test_publish_decodes_back_in_both_versions_even_split_byte_by_byte() -> None:
    payload = b'{"seq": 41, "type": "sos", "values": {}}'
    for version in (wire.MQTT311, wire.MQTT5):
        stream = (
            wire.publish("doorstep/devices/w1/events", payload, qos=1, packet_id=7, version=version)
            + wire.publish("doorstep/devices/w2/events", b"x" * 300, qos=0, version=version)
            + wire.PINGREQ_PACKET
        )
        whole = wire.Decoder(version=version).feed(stream)
        decoder = wire.Decoder(version=version)
        pieces: list[wire.Publish | wire.Control] = []
        for i in range(len(stream)):
            pieces.extend(decoder.feed(stream[i : i + 1]))
        for packets in (whole, pieces):
            assert packets[0] == wire.Publish("doorstep/devices/w1/events", payload, 1, 7, False)
            assert packets[1] == wire.Publish("doorstep/devices/w2/events", b"x" * 300, 0, 0, False)
            assert packets[2] == wire.Control(wire.PINGREQ, 0, b"")
            assert len(packets) == 3


def test_publish_v5_with_properties_and_dup_flag_from_a_broker() -> None:
    # Topic, packet id 513, 5 bytes of properties (message expiry 60 s), payload.
    body = b"\x00\x01t\x02\x01" + b"\x05\x02\x00\x00\x00\x3c" + b"hello"
    packet = bytes((0x3A, len(body))) + body  # PUBLISH, DUP, QoS 1
    (p,) = wire.Decoder().feed(packet)
    assert p == wire.Publish("t", b"hello", 1, 513, True)


def test_qos2_and_oversized_packets_are_protocol_errors() -> None:
    with pytest.raises(wire.ProtocolError):
        wire.Decoder().feed(b"\x34\x05\x00\x01t\x00\x01")
    with pytest.raises(wire.ProtocolError):
        wire.Decoder(max_packet=100).feed(b"\x30" + wire.varint(101))


def test_acknowledgements_connack_and_suback() -> None:
    assert wire.puback(1) == b"\x40\x02\x00\x01"
    assert wire.puback(65535) == b"\x40\x02\xff\xff"
    assert wire.packet_id_of(b"\x01\x02") == 258
    # CONNACK v5: session present, success, receive maximum 20, a reason string.
    props = b"\x21\x00\x14" + b"\x1f\x00\x02ok"
    connack = wire.parse_connack(b"\x01\x00" + bytes((len(props),)) + props)
    assert connack.session_present
    assert connack.accepted
    assert connack.properties == {wire.RECEIVE_MAXIMUM: 20, 0x1F: "ok"}
    refused = wire.parse_connack(b"\x00\x86\x00")  # bad user name or password
    assert not refused.accepted
    assert refused.reason == 0x86
    assert wire.parse_connack(b"\x00\x05", version=wire.MQTT311).reason == 5
    assert wire.parse_suback(b"\x00\x09\x00\x01") == (9, [1])
    assert wire.parse_suback(b"\x00\x09\x80", version=wire.MQTT311) == (9, [0x80])
    assert wire.subscribe(9, "a/+/b") == b"\x82\x0b\x00\x09\x00\x00\x05a/+/b\x01"


def test_unknown_property_is_a_protocol_error() -> None:
    with pytest.raises(wire.ProtocolError):
        wire.read_properties(b"\x02\x7f\x00", 0)


def test_next_packet_id_wraps_and_skips_ids_in_flight() -> None:
    assert wire.next_packet_id(0, set()) == 1
    assert wire.next_packet_id(65535, set()) == 1
    assert wire.next_packet_id(4, {5, 6}) == 7
    with pytest.raises(wire.ProtocolError, match="in flight"):
        wire.next_packet_id(1, set(range(1, 65536)))
