"""``manage.py generate_care_visits [--plan ID] [--no-rules]``: the daily care-plan job
without Celery beat (ADR 0027).

Books every active plan's rolling horizon through the orders services (a day already
booked is left alone, so running it twice, or in two processes at once, books nothing
twice), ends plans past their end date, reminds the owners of plans whose review is due
(once per review date) and runs the proactive rules.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.health import careplans, proposals
from doorstep.health.models import CarePlan, CarePlanStatus


class Command(BaseCommand):
    help = (
        "Generate care-plan visits on the rolling horizon, remind owners of due reviews "
        "and run the proactive rules."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", type=int, default=None, help="Only this plan.")
        parser.add_argument(
            "--no-rules", action="store_true", help="Do not evaluate the proactive rules."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["plan"] is not None:
            plan = (
                CarePlan.objects.select_related("elder", "institution")
                .filter(pk=options["plan"], status=CarePlanStatus.ACTIVE)
                .first()
            )
            if plan is None:
                raise CommandError(f"no active care plan {options['plan']}")
            result = careplans.generate_one(plan)
            self.stdout.write(
                f"plan={plan.pk} booked={result.booked} skipped={result.skipped} "
                f"unchanged={result.unchanged} through={result.through}"
            )
            return
        totals = careplans.generate_due()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in totals.items()))
        reminded = careplans.remind_reviews()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in reminded.items()))
        if not options["no_rules"]:
            found = proposals.evaluate_all()
            self.stdout.write(" ".join(f"{k}={v}" for k, v in found.items()))
