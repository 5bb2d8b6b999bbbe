"""Periodic jobs of the health app (scheduled in ``CELERY_BEAT_SCHEDULE``; ADR 0027)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import careplans, proposals


@shared_task(name="doorstep.health.tasks.generate_care_visits")
def generate_care_visits() -> dict[str, Any]:
    """Roll every active care plan's horizon on (idempotent), remind the owners of plans
    whose review is due (once per review date), then run the proactive rules for every
    elder with recent data."""
    return {
        **careplans.generate_due(),
        **careplans.remind_reviews(),
        **proposals.evaluate_all(),
    }
