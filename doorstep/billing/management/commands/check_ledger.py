"""``manage.py check_ledger``: recompute every balance from the journal and report drift.

Exit 0 when every entry balances and every account's running balance equals the sum of
its lines; exit 1 with one line per finding otherwise (ADR 0021). ``--json`` prints the
findings as one JSON object."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from doorstep.billing import selectors


class Command(BaseCommand):
    help = "Recompute every ledger balance from the journal lines and report any drift."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="Print the findings as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = selectors.check()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": found.ok,
                        "entries": found.entries,
                        "unbalanced": found.unbalanced,
                        "short": found.short,
                        "total_fen": found.total_fen,
                        "drift": {k: list(v) for k, v in found.drift.items()},
                    }
                )
            )
        else:
            for entry_id, total in found.unbalanced:
                self.stdout.write(f"entry {entry_id}: lines sum to {total} fen")
            for entry_id in found.short:
                self.stdout.write(f"entry {entry_id}: fewer than two lines")
            for code, (stored, derived) in found.drift.items():
                self.stdout.write(f"account {code}: stored {stored} != derived {derived} fen")
            if found.total_fen:
                self.stdout.write(f"all lines sum to {found.total_fen} fen")
        if not found.ok:
            raise CommandError("ledger drift found")
        if not options["json"]:
            self.stdout.write(f"Ledger balanced: {found.entries} entries, no drift.")
