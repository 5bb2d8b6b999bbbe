"""Background work of the matching app (ADR 0004, ADR 0020)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="doorstep.matching.tasks.expire_offers")
def expire_offers() -> int:
    """Time out offers past their deadline and offer each visit to its next candidate
    (or the pool). Runs every ``MATCHING_SWEEP_SECONDS`` from the beat schedule."""
    return services.expire_due_offers()
