"""Every catalogue is complete and its compiled .mo matches the .po (bilingual from day one)."""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("doorstep/*/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_app_with_strings_has_a_catalogue() -> None:
    apps = {p.parts[-5] for p in CATALOGUES}
    assert {
        "core",
        "accounts",
        "regions",
        "organizations",
        "people",
        "workforce",
        "notifications",
        "web",
        "catalog",
        "orders",
        "quality",
    } <= apps


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_fully_translated_and_compiled(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == []
    with po_path.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in po:
        if entry.obsolete:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            got = compiled._catalog.get((key, 0))  # type: ignore[attr-defined]
            assert got == entry.msgstr_plural[0], f".mo is stale for {entry.msgid!r}"
        else:
            assert compiled._catalog.get(key) == entry.msgstr, f".mo is stale for {entry.msgid!r}"  # type: ignore[attr-defined]
