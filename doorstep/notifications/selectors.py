"""Reads of the notifications app. Every read is of the acting user's own inbox."""

from __future__ import annotations

from django.db.models import QuerySet

from doorstep.accounts.models import User

from .models import Notification


def inbox(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications, newest first."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread (the badge in the page header)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
