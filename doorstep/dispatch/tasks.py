"""Background work of the dispatch app (Celery; eager in-process without Redis, ADR 0004).

``plan_day`` is queued by ``services.start_plan`` and ``services.replan`` after commit.
With Redis it runs in a worker and the API shows its progress while it runs; without
Redis it runs in the process that queued it, after the commit of the request (so that
request waits for the time limit, and the run is already done when it answers).
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="doorstep.dispatch.tasks.plan_day", acks_late=True)
def plan_day(run_id: int) -> str:
    """Compute the plan of one queued ``PlanRun``; returns its final status."""
    return str(services.run_plan(run_id=run_id).status)
