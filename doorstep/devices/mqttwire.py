"""MQTT on the wire: the packets Doorstep's consumer and simulator use (ADR 0035).

paho-mqtt reads each packet's header a byte at a time and runs several Python calls per
message; receiving and acknowledging one QoS 1 message cost about 160 microseconds of CPU
(measured), which alone is most of a core at 5,000 messages a second. This module encodes and
decodes only the packets needed (MQTT 3.1.1 and 5.0: CONNECT, CONNACK, SUBSCRIBE, SUBACK,
PUBLISH with QoS 0 and 1, PUBACK, PINGREQ, PINGRESP, DISCONNECT) and decodes a whole socket
read at once. It is pure: no sockets here (``consumer.py`` and ``simulator.py`` own those).

QoS 2 is not used by Doorstep (devices publish with QoS 1, the consumer subscribes with QoS 1
so the broker never sends QoS 2); a QoS 2 PUBLISH is reported as a protocol error.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

MQTT311 = 4
MQTT5 = 5

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 12, 13, 14

PINGREQ_PACKET = b"\xc0\x00"
_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")

# MQTT 5 property identifiers and how their values are encoded (for skipping and reading).
_BYTE, _TWO, _FOUR, _VARINT, _STRING, _BINARY, _PAIR = range(7)
_PROPERTY_KINDS = {
    0x01: _BYTE,  # payload format indicator
    0x02: _FOUR,  # message expiry interval
    0x03: _STRING,  # content type
    0x08: _STRING,  # response topic
    0x09: _BINARY,  # correlation data
    0x0B: _VARINT,  # subscription identifier
    0x11: _FOUR,  # session expiry interval
    0x12: _STRING,  # assigned client identifier
    0x13: _TWO,  # server keep alive
    0x15: _STRING,  # authentication method
    0x16: _BINARY,  # authentication data
    0x17: _BYTE,  # request problem information
    0x18: _FOUR,  # will delay interval
    0x19: _BYTE,  # request response information
    0x1A: _STRING,  # response information
    0x1C: _STRING,  # server reference
    0x1F: _STRING,  # reason string
    0x21: _TWO,  # receive maximum
    0x22: _TWO,  # topic alias maximum
    0x23: _TWO,  # topic alias
    0x24: _BYTE,  # maximum qos
    0x25: _BYTE,  # retain available
    0x26: _PAIR,  # user property
    0x27: _FOUR,  # maximum packet size
    0x28: _BYTE,  # wildcard subscription available
    0x29: _BYTE,  # subscription identifiers available
    0x2A: _BYTE,  # shared subscription available
}
SESSION_EXPIRY, SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM = 0x11, 0x13, 0x21


class ProtocolError(Exception):
    """The peer sent something this client does not accept; drop the connection."""


def varint(n: int) -> bytes:
    """MQTT's variable byte integer (remaining length, property lengths)."""
    if not 0 <= n <= 268_435_455:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """(value, position after it); ProtocolError when malformed or truncated."""
    value = shift = 0
    for _ in range(4):
        if pos >= len(data):
            raise ProtocolError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ProtocolError("varint longer than 4 bytes")


def _string(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    if len(raw) > 0xFFFF:
        raise ValueError("string too long")
    return _U16.pack(len(raw)) + raw


def _packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + varint(len(body)) + body


def _properties(props: dict[int, int]) -> bytes:
    out = bytearray()
    for ident, value in props.items():
        kind = _PROPERTY_KINDS[ident]
        out.append(ident)
        if kind == _BYTE:
            out.append(value)
        elif kind == _TWO:
            out += _U16.pack(value)
        elif kind == _FOUR:
            out += _U32.pack(value)
        else:  # pragma: no cover - only numeric properties are sent
            raise ValueError(f"cannot encode property {ident}")
    return varint(len(out)) + bytes(out)


def read_properties(data: bytes | memoryview, pos: int) -> tuple[dict[int, object], int]:
    """MQTT 5 properties at ``pos``: ({identifier: value}, position after them). Strings are
    returned decoded, binary data as bytes, user properties dropped."""
    length, pos = _read_varint(data, pos)
    end = pos + length
    if end > len(data):
        raise ProtocolError("truncated properties")
    out: dict[int, object] = {}
    while pos < end:
        ident = data[pos]
        pos += 1
        kind = _PROPERTY_KINDS.get(ident)
        if kind is None:
            raise ProtocolError(f"unknown property {ident:#x}")
        if kind == _BYTE:
            out[ident] = data[pos]
            pos += 1
        elif kind == _TWO:
            out[ident] = _U16.unpack_from(data, pos)[0]
            pos += 2
        elif kind == _FOUR:
            out[ident] = _U32.unpack_from(data, pos)[0]
            pos += 4
        elif kind == _VARINT:
            out[ident], pos = _read_varint(data, pos)
        else:
            count = 2 if kind == _PAIR else 1
            for _ in range(count):
                size = _U16.unpack_from(data, pos)[0]
                value = bytes(data[pos + 2 : pos + 2 + size])
                pos += 2 + size
            if kind != _PAIR:
                out[ident] = value.decode() if kind == _STRING else value
        if pos > end:
            raise ProtocolError("property overruns its section")
    return out, end


def connect(
    client_id: str,
    *,
    username: str = "",
    password: str = "",
    keepalive: int = 30,
    clean_start: bool = False,
    version: int = MQTT5,
    session_expiry: int = 0,
    receive_maximum: int = 0,
) -> bytes:
    """A CONNECT packet (3.1.1: ``clean_start`` is the clean-session flag)."""
    flags = 0x02 if clean_start else 0
    payload = _string(client_id)
    if username:
        flags |= 0x80
        payload += _string(username)
        if password:
            flags |= 0x40
            payload += _string(password)
    header = _string("MQTT") + bytes((version, flags)) + _U16.pack(keepalive)
    if version == MQTT5:
        props: dict[int, int] = {}
        if session_expiry:
            props[SESSION_EXPIRY] = session_expiry
        if receive_maximum:
            props[RECEIVE_MAXIMUM] = receive_maximum
        header += _properties(props)
    return _packet(0x10, header + payload)


def subscribe(packet_id: int, topic: str, *, qos: int = 1, version: int = MQTT5) -> bytes:
    body = _U16.pack(packet_id)
    if version == MQTT5:
        body += b"\x00"
    return _packet(0x82, body + _string(topic) + bytes((qos,)))


def publish(
    topic: str | bytes, payload: bytes, *, qos: int = 1, packet_id: int = 0, version: int = MQTT5
) -> bytes:
    """A PUBLISH packet (QoS 0 or 1; ``packet_id`` for QoS 1). The DUP flag is not set: a
    repeated alarm is a new PUBLISH of the same payload, the platform dedupes by ``seq``."""
    body = _string(topic)
    if qos:
        body += _U16.pack(packet_id)
    if version == MQTT5:
        body += b"\x00"
    return _packet(0x30 | (qos << 1), body + payload)


def next_packet_id(last: int, in_use: set[int] | dict[int, bytes]) -> int:
    """The packet id after ``last`` (1-65535, wrapping) that is not ``in_use``."""
    for _ in range(65535):
        last = last % 65535 + 1
        if last not in in_use:
            return last
    raise ProtocolError("every packet id is in flight")


_PUBACKS = [b""] + [b"\x40\x02" + _U16.pack(i) for i in range(1, 65536)]


def puback(packet_id: int) -> bytes:
    """PUBACK with success (the 2-byte form both versions accept)."""
    return _PUBACKS[packet_id]


def disconnect(version: int = MQTT5) -> bytes:
    return b"\xe0\x01\x00" if version == MQTT5 else b"\xe0\x00"


@dataclass(frozen=True, slots=True)
class Publish:
    """A PUBLISH the peer sent: ``packet_id`` 0 for QoS 0."""

    topic: str
    payload: bytes
    qos: int
    packet_id: int
    dup: bool


@dataclass(frozen=True, slots=True)
class Control:
    """Any other packet: its type, the flags of its first byte, and its body."""

    type: int
    flags: int
    body: bytes


@dataclass
class Connack:
    session_present: bool
    reason: int
    properties: dict[int, object] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.reason == 0


def parse_connack(body: bytes, *, version: int = MQTT5) -> Connack:
    if len(body) < 2:
        raise ProtocolError("short CONNACK")
    props: dict[int, object] = {}
    if version == MQTT5 and len(body) > 2:
        props, _ = read_properties(body, 2)
    return Connack(bool(body[0] & 0x01), body[1], props)


def parse_suback(body: bytes, *, version: int = MQTT5) -> tuple[int, list[int]]:
    """(packet id, granted QoS or reason code per topic)."""
    if len(body) < 3:
        raise ProtocolError("short SUBACK")
    packet_id = _U16.unpack_from(body, 0)[0]
    pos = 2
    if version == MQTT5:
        _, pos = read_properties(body, pos)
    return packet_id, list(body[pos:])


def packet_id_of(body: bytes) -> int:
    """The packet id at the start of a PUBACK (or SUBACK) body."""
    if len(body) < 2:
        raise ProtocolError("short acknowledgement")
    return int(_U16.unpack_from(body, 0)[0])


class Decoder:
    """Turns a byte stream into packets: ``feed`` returns every complete packet so far."""

    def __init__(self, *, version: int = MQTT5, max_packet: int = 1 << 20) -> None:
        self.version = version
        self.max_packet = max_packet
        self._buffer = b""

    def feed(self, data: bytes) -> list[Publish | Control]:
        buf = self._buffer + data if self._buffer else data
        out: list[Publish | Control] = []
        pos, size = 0, len(buf)
        v5 = self.version == MQTT5
        while size - pos >= 2:
            first = buf[pos]
            # Remaining length: up to four bytes.
            length = buf[pos + 1]
            head = pos + 2
            if length & 0x80:
                length &= 0x7F
                shift = 7
                while True:
                    if head >= size:
                        self._buffer = buf[pos:]
                        return out
                    byte = buf[head]
                    head += 1
                    length |= (byte & 0x7F) << shift
                    if not byte & 0x80:
                        break
                    shift += 7
                    if shift > 21:
                        raise ProtocolError("remaining length longer than 4 bytes")
            if length > self.max_packet:
                raise ProtocolError("packet too large")
            end = head + length
            if end > size:
                break
            kind = first >> 4
            if kind == PUBLISH:
                qos = (first >> 1) & 0x03
                if qos > 1:
                    raise ProtocolError("QoS 2 is not used")
                tlen = (buf[head] << 8) | buf[head + 1]
                at = head + 2 + tlen
                topic = buf[head + 2 : at].decode()
                packet_id = 0
                if qos:
                    packet_id = (buf[at] << 8) | buf[at + 1]
                    at += 2
                if v5:
                    plen = buf[at]
                    if plen & 0x80:
                        plen, at = _read_varint(buf, at)
                    else:
                        at += 1
                    at += plen
                if at > end:
                    raise ProtocolError("PUBLISH header overruns the packet")
                out.append(Publish(topic, buf[at:end], qos, packet_id, bool(first & 0x08)))
            else:
                out.append(Control(kind, first & 0x0F, buf[head:end]))
            pos = end
        self._buffer = buf[pos:]
        return out
