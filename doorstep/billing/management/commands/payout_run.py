"""``manage.py payout_run --month 2026-10 --as <username>``: pay out every provider and
institution payable what it held at the end of the month (ADR 0029). Running it again
for the same month pays nothing twice. ``--institution`` limits it to one institution."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from doorstep.accounts.policy import Actor
from doorstep.billing.settlement import payout_run
from doorstep.billing.statements import Period
from doorstep.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Pay out the payables of an ended month (idempotent per month)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM, a month that has ended.")
        parser.add_argument("--as", dest="username", required=True, help="Who runs it.")
        parser.add_argument("--institution", type=int, default=None, help="One institution.")
        parser.add_argument("--reference", default="", help="Bank batch reference.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"--as: no user {options['username']!r}")
        try:
            lines = payout_run(
                actor=Actor.of(user),
                period=Period.month(options["month"]),
                institution_id=options["institution"],
                reference=options["reference"],
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        paid = [ln for ln in lines if ln.created]
        for ln in paid:
            self.stdout.write(f"{ln.account_code}\tpaid {ln.paid_fen}\tpayout {ln.payout_id}")
        self.stdout.write(
            f"{len(paid)} payouts, {sum(ln.paid_fen for ln in paid)} fen; "
            f"{sum(1 for ln in lines if not ln.created and ln.payout_id)} already paid"
        )
