"""``manage.py settlement --month 2026-11``: every provider and institution statement of
the month (and the platform's), one line each: opening, earned, fees, payouts,
adjustments, closing (fen). ``--institution`` limits it to one institution. The same
entry point as the pages and the API (``statements.monthly_settlement``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from doorstep.billing.errors import InvalidMonth
from doorstep.billing.statements import Period, monthly_settlement


class Command(BaseCommand):
    help = "Print the month's settlement statements (one line per account)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM (site time zone).")
        parser.add_argument("--institution", type=int, default=None, help="One institution.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.month(options["month"])
        except InvalidMonth as exc:
            raise CommandError(
                f"--month: give the month as YYYY-MM, not {options['month']!r}"
            ) from exc
        started = time.perf_counter()
        result = monthly_settlement(period, institution_id=options["institution"])
        took = time.perf_counter() - started
        for s in result:
            t = s.totals
            self.stdout.write(
                f"{s.account_code}\topening {s.opening_fen}\tvisits {t['visit']}\tfees {t['fee']}"
                f"\tpayouts {t['payout']}\tadjustments {t['adjustment'] + t['refund']}"
                f"\tclosing {s.closing_fen}\tlines {len(s.lines)}"
            )
        lines = sum(len(s.lines) for s in result)
        self.stdout.write(f"{len(result)} statements, {lines} lines, {took:.2f} s")
        if not all(s.ties for s in result):
            raise CommandError("a statement does not tie out")
