"""``manage.py check_invariants``: fail (exit 1) on any broken invariant (ADR 0010)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.demo import invariants


class Command(BaseCommand):
    help = "Check the invariants the services enforce (audit chain, identities, credentials...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "checks", nargs="*", help="Names of checks to run (default: all registered)."
        )
        parser.add_argument("--list", action="store_true", help="List the registered checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for module in invariants.CHECK_MODULES:
                __import__(module)
            for name, func in invariants.REGISTRY.items():
                doc = (func.__doc__ or "").strip().splitlines()
                self.stdout.write(f"{name}: {doc[0] if doc else ''}")
            return
        try:
            findings = invariants.run(options["checks"] or None)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        for finding in findings:
            self.stdout.write(str(finding))
        if findings:
            raise CommandError(f"{len(findings)} invariant finding(s)")
        self.stdout.write(
            self.style.SUCCESS(
                f"All {len(options['checks'] or invariants.REGISTRY)} checks passed."
            )
        )
