"""Periodic jobs of the workforce app (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from doorstep.core import clock

from . import services


@shared_task(name="doorstep.workforce.tasks.expire_certificates")
def expire_certificates() -> dict[str, Any]:
    """Expire lapsed certificates and send affected providers to re-verification."""
    result = services.expire_certificates(today=clock.today())
    return {
        "certificates_expired": result.certificates_expired,
        "providers_to_reverify": result.providers_to_reverify,
    }
