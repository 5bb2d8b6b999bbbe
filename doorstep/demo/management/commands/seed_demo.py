"""``manage.py seed_demo``: build the deterministic demo city (ADR 0010)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from doorstep.demo.accounts import format_logins
from doorstep.demo.seed import BASE_ELDERS, BASE_PROVIDERS, DEFAULT_SEED, has_data, seed_demo


def reset_allowed() -> bool:
    """``--reset`` empties the whole database: only in development and tests."""
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return bool(
        settings.DEBUG
        or module.endswith((".dev", ".test"))
        or os.environ.get("DOORSTEP_ALLOW_RESET") == "1"
    )


class Command(BaseCommand):
    help = (
        f"Seed a synthetic city: {BASE_ELDERS} elders and {BASE_PROVIDERS} providers per unit of "
        "--scale, ten institutions, demo logins for every role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiplier (45 = Lanzhou scale)."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--history-months",
            type=int,
            default=6,
            help="Months of visit history to write (0 = none).",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when institutions exist."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the database first (flush; development and tests only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale, seed = options["scale"], options["seed"]
        if scale <= 0:
            raise CommandError("--scale must be positive")
        if options["reset"]:
            if not reset_allowed():
                raise CommandError(
                    "--reset empties the database; allowed only with DEBUG, the dev/test "
                    "settings or DOORSTEP_ALLOW_RESET=1"
                )
            if connection.vendor == "postgresql":
                # Deferred FK checks pending in an enclosing transaction block TRUNCATE.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            call_command("flush", interactive=False, verbosity=0)
        elif has_data():
            if options["if_empty"]:
                self.stdout.write("Demo data already present; nothing to do.")
                return
            raise CommandError("The database already has institutions; use --reset or --if-empty")
        result = seed_demo(scale=scale, seed=seed, history_months=options["history_months"])
        for table, count in sorted(result.counts.items()):
            self.stdout.write(f"  {table:<32} {count:>9}")
        self.stdout.write(
            f"Seeded scale {scale:g} (seed {seed}) in {result.seconds:.1f} s, "
            f"{result.batches} audited batches."
        )
        self.stdout.write(format_logins())
