"""``manage.py reconcile --month 2026-11``: the reconciliation report (ADR 0025).

Prints every mismatch between the payment records (charges, refunds, payouts, the
gateway's accepted notifications; payer claims when the claims module provides its check)
and the ledger, one line each with its code, then the ledger's drift check. Exit 0 when
nothing is found, 1 otherwise. ``--institution`` limits it to one institution's records
(without the platform-wide drift check); ``--json`` prints one JSON object."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from doorstep.billing.errors import InvalidMonth
from doorstep.billing.reconciliation import reconcile
from doorstep.billing.statements import Period


class Command(BaseCommand):
    help = "List every mismatch between payment records and the ledger for a month."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM (site time zone).")
        parser.add_argument("--institution", type=int, default=None, help="One institution.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.month(options["month"])
        except InvalidMonth as exc:
            raise CommandError(
                f"--month: give the month as YYYY-MM, not {options['month']!r}"
            ) from exc
        report = reconcile(period, institution_id=options["institution"])
        if options["json"]:
            ledger = report.ledger
            self.stdout.write(
                json.dumps(
                    {
                        "period": period.label,
                        "ok": report.ok,
                        "mismatches": [asdict(m) for m in report.mismatches],
                        "per_check": report.per_check,
                        "ledger_ok": None if ledger is None else ledger.ok,
                    }
                )
            )
        else:
            self.stdout.write(f"Reconciliation {period.label}")
            for m in report.mismatches:
                amounts = ""
                if m.expected_fen is not None or m.found_fen is not None:
                    amounts = f" expected {m.expected_fen} fen, found {m.found_fen} fen"
                inst = f" institution {m.institution_id}" if m.institution_id else ""
                self.stdout.write(f"{m.code} {m.record}{inst}{amounts}")
            if report.ledger is not None:
                led = report.ledger
                state = (
                    "balanced, no drift"
                    if led.ok
                    else (
                        f"{len(led.unbalanced)} unbalanced, {len(led.short)} short, "
                        f"{len(led.drift)} drifting accounts, total {led.total_fen} fen"
                    )
                )
                self.stdout.write(f"ledger: {led.entries} entries, {state}")
            self.stdout.write(f"{len(report.mismatches)} mismatch(es)")
        if not report.ok:
            raise CommandError("reconciliation found mismatches")
