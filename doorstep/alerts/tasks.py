"""Periodic work of the alerts app (Celery beat; ``manage.py escalate_alerts`` does the same)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="doorstep.alerts.tasks.escalate_alerts")
def escalate_alerts() -> int:
    """Take the next escalation step of open alerts whose timer ran out."""
    return services.escalate_due()


@shared_task(name="doorstep.alerts.tasks.evaluate_inactivity")
def evaluate_inactivity() -> int:
    """No motion in the daytime, door not opened: raise or fold inactivity alerts."""
    return services.evaluate_inactivity()


@shared_task(name="doorstep.alerts.tasks.flag_overdue_checkouts")
def flag_overdue_checkouts() -> int:
    """Ask nurses whose check-out is overdue whether they are safe."""
    return services.flag_overdue_checkouts()
