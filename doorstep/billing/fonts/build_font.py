"""Build ``DoorstepSansSC.otf``: a subset of Noto Sans CJK SC Regular (SIL Open Font
License 1.1, see OFL.txt) for the PDF statements, receipts and invoices (ADR 0025).

The subset covers printable ASCII and Latin-1, general and CJK punctuation, full-width
forms, the 3,755 characters of GB2312 level 1, and every CJK character that appears in
Doorstep's sources (message catalogues, catalogue and demo seeds, templates), so a
document prints the same on a machine without CJK fonts. Rebuild after adding a catalogue
or seed with rarer characters (``tests`` check the sources are covered):

    .venv/bin/python doorstep/billing/fonts/build_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # doorstep/
OUT = HERE / "DoorstepSansSC.otf"
SC_INDEX = 2  # Noto Sans CJK SC inside the collection
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
SOURCE_SUFFIXES = (".py", ".po", ".html", ".txt", ".json", ".csv", ".md")


def gb2312_level1() -> set[str]:
    out = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def source_characters(root: Path = ROOT) -> set[str]:
    """Every CJK character in Doorstep's sources (tests excluded: they may use any)."""
    found: set[str] = set()
    for path in root.rglob("*"):
        if path.suffix not in SOURCE_SUFFIXES or "tests" in path.parts or "fonts" in path.parts:
            continue
        found.update(CJK.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return found


def wanted() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= {chr(c) for c in range(0x2010, 0x2027)} | {"€", "№", "←", "→", "·", "×", "÷"}
    chars |= {chr(c) for c in range(0x3000, 0x3020)} | {chr(c) for c in range(0xFF01, 0xFF5F)}
    return chars | gb2312_level1() | source_characters()


def main(source: str) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    font = TTCollection(source).fonts[SC_INDEX]
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = False
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[ord(c) for c in sorted(wanted())])
    sub.subset(font)
    font.save(str(OUT))
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(font.getGlyphOrder())} glyphs")


if __name__ == "__main__":
    main(
        sys.argv[1]
        if len(sys.argv) > 1
        else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    )
