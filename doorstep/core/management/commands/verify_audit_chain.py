from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from doorstep.core import audit


class Command(BaseCommand):
    help = "Recompute every audit hash chain and report any row that was changed or removed."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = audit.verify()
        for p in problems:
            self.stdout.write(f"{p.partition} seq={p.seq}: {p.problem}")
        if problems:
            raise CommandError(f"audit chain broken: {len(problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS("audit chain intact"))
