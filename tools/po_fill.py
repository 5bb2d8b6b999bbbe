"""Fill msgstr values of a .po catalogue from a JSON object {msgid: msgstr} and list gaps.

    python tools/po_fill.py doorstep/people/locale/zh_Hans/LC_MESSAGES/django.po tr.json
    python tools/po_fill.py --missing doorstep/*/locale/zh_Hans/LC_MESSAGES/django.po

Used by developers; `make messages` then compiles the .mo files.
"""

from __future__ import annotations

import json
import sys

import polib


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--missing":
        gaps = 0
        for path in argv[1:]:
            for entry in polib.pofile(path):
                if not entry.translated() or entry.fuzzy:
                    gaps += 1
                    print(json.dumps({"file": path, "msgid": entry.msgid}, ensure_ascii=False))
        return 1 if gaps else 0
    path, mapping_file = argv
    with open(mapping_file, encoding="utf-8") as fh:
        mapping = json.load(fh)
    po = polib.pofile(path)
    for entry in po:
        if entry.msgid in mapping:
            if entry.msgid_plural:  # Chinese has one plural form (nplurals=1)
                entry.msgstr_plural = {0: mapping[entry.msgid]}
            else:
                entry.msgstr = mapping[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save(path)
    po.save_as_mofile(path[:-3] + ".mo")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
