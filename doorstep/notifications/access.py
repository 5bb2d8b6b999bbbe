"""Permission-checked lookups. A notification is visible to its recipient only."""

from __future__ import annotations

from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound

from .models import Notification


def access_notification(*, actor: Actor, notification_id: int) -> Notification:
    """The actor's own notification, or 404 (also for another user's: no existence oracle)."""
    try:
        return Notification.objects.get(pk=notification_id, recipient_id=actor.user.pk)
    except Notification.DoesNotExist:
        raise NotFound() from None
