"""Periodic work of the devices app (ADR 0030)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="doorstep.devices.tasks.mark_offline")
def mark_offline() -> int:
    """Mark silent devices offline (``device_status`` tells the alerts app)."""
    return len(services.mark_offline())
