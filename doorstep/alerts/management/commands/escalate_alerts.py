"""``manage.py escalate_alerts [--loop SECONDS]``: the alert timers without Celery beat.

Takes the next escalation step of due alerts, raises inactivity alerts and prompts nurses
whose check-out is overdue. Idempotent and safe to run in several processes at once.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from doorstep.alerts import services


class Command(BaseCommand):
    help = "Escalate due alerts, evaluate inactivity and overdue check-outs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", type=float, default=0, help="Repeat every SECONDS (0 = run once)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            moved = services.escalate_due()
            inactive = services.evaluate_inactivity()
            overdue = services.flag_overdue_checkouts()
            self.stdout.write(f"escalated={moved} inactivity={inactive} overdue={overdue}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
