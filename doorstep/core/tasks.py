"""Platform-level tasks. ``ping`` proves a worker is alive and consuming (ADR 0004)."""

from __future__ import annotations

import os

from celery import shared_task


@shared_task(name="doorstep.core.tasks.ping")
def ping(value: str = "pong") -> dict[str, object]:
    """Echo ``value`` with the id of the process that ran the task."""
    return {"pong": value, "pid": os.getpid()}
