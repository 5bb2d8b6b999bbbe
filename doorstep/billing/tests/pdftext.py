"""Read the text back out of the PDFs fpdf2 writes (for tests; no PDF library needed).

fpdf2 embeds a TrueType/OpenType font as a CID font: each shown string is a sequence of
two-byte glyph codes, and the font's ``ToUnicode`` CMap maps each code to its character.
This decodes every ``Tj`` string of every page with that map, one text line per ``Tj`` or ``TJ``."""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>")
_ESC = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(data: bytes) -> list[bytes]:
    out = []
    for m in _STREAM.finditer(data):
        raw = m.group(1)
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _unescape(s: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i : i + 1]
        if c == b"\\" and i + 1 < len(s):
            nxt = s[i + 1 : i + 2]
            if nxt in _ESC:
                out += _ESC[nxt]
                i += 2
            elif nxt.isdigit():
                j = i + 1
                while j < len(s) and j < i + 4 and s[j : j + 1].isdigit():
                    j += 1
                out.append(int(s[i + 1 : j], 8))
                i = j
            else:
                out += nxt
                i += 2
        else:
            out += c
            i += 1
    return bytes(out)


def _literal(s: bytes, i: int) -> tuple[bytes, int]:
    """The literal string starting at ``s[i] == b"("``, and the index after it."""
    depth, j = 1, i + 1
    while j < len(s) and depth:
        c = s[j : j + 1]
        if c == b"\\":
            j += 2
            continue
        depth += {b"(": 1, b")": -1}.get(c, 0)
        j += 1
    return _unescape(s[i + 1 : j - 1]), j


def _shown(stream: bytes) -> list[bytes]:
    """The strings each ``Tj`` or ``TJ`` shows (a ``TJ`` array joined)."""
    out, pending, i = [], [], 0
    while i < len(stream):
        c = stream[i : i + 1]
        if c == b"(":
            raw, i = _literal(stream, i)
            pending.append(raw)
            continue
        if stream.startswith((b"Tj", b"TJ"), i):
            out.append(b"".join(pending))
            pending = []
            i += 2
            continue
        if stream.startswith((b"BT", b"ET"), i):
            pending = []
        i += 1
    return out


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), "not a PDF"
    streams = _streams(data)
    cmap: dict[int, str] = {}
    for s in [data, *streams]:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for code, uni in _BFCHAR.findall(block):
                cmap[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    lines = []
    for s in streams:
        for raw in _shown(s):
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            lines.append("".join(cmap.get(c, "\ufffd") for c in codes))
    return "\n".join(lines)
