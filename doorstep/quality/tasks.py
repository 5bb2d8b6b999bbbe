"""Periodic jobs of the quality app (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import services


@shared_task(name="doorstep.quality.tasks.escalate_overdue_complaints")
def escalate_overdue_complaints() -> dict[str, Any]:
    """Escalate open or in-progress complaints past their deadline."""
    return {"escalated": services.escalate_overdue_complaints()}
