"""Background work of billing: the sandbox gateway's notification delivery (ADR 0022).

Like a real provider, the sandbox sends its signed notification to the platform's notify
URL (``BILLING_SANDBOX_NOTIFY_URL``) over HTTP and retries until it is acknowledged. With
no URL configured (development, tests) it hands the same bytes to the handler in-process.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from typing import Any

from celery import shared_task
from django.conf import settings

from .gateway import SIGNATURE_HEADER

logger = logging.getLogger(__name__)


class NotDelivered(Exception):
    pass


@shared_task(
    bind=True,
    name="doorstep.billing.tasks.deliver_sandbox_notification",
    autoretry_for=(NotDelivered,),
    max_retries=8,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    acks_late=True,
)
def deliver_sandbox_notification(self: Any, body_hex: str, signature: str) -> str:
    body = bytes.fromhex(body_hex)
    url = str(getattr(settings, "BILLING_SANDBOX_NOTIFY_URL", "") or "")
    if not url:
        from .payments import handle_notification

        _charge, outcome = handle_notification(body=body, signature=signature)
        return outcome
    req = urllib.request.Request(  # noqa: S310 - the configured notify URL (http/https)
        url,
        data=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return str(resp.status)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500:
            logger.warning("sandbox notification refused with %s", exc.code)
            return str(exc.code)
        raise NotDelivered(str(exc.code)) from exc
    except OSError as exc:
        raise NotDelivered(type(exc).__name__) from exc
