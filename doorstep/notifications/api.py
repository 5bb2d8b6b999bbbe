"""The acting user's inbox: /api/v1/notifications (ADR 0005)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from doorstep.core.api import ERRORS, actor_of

from . import selectors, services
from .access import access_notification
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., examples=["order.offered"])
    severity: str = Field(..., examples=["info"])
    title: str = Field(..., description="In the language of the request.")
    body: str
    link: str = Field(..., examples=["/orders/12/"])
    data: dict[str, Any] = Field(..., examples=[{"order_id": 12}])
    created_at: dt.datetime
    read_at: dt.datetime | None
    read: bool

    @staticmethod
    def resolve_title(obj: Notification) -> str:
        return obj.title_in()

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return obj.body_in()

    @staticmethod
    def resolve_read(obj: Notification) -> bool:
        return obj.is_read


class InboxFilter(Schema):
    unread: bool = Field(False, description="Only unread notifications.")


class UnreadCountOut(Schema):
    unread: int = Field(..., examples=[3])


class MarkedOut(Schema):
    marked: int = Field(..., description="How many notifications became read.", examples=[3])


@router.get("", response={200: list[NotificationOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_notifications(request: HttpRequest, filters: Query[InboxFilter]) -> QuerySet[Notification]:
    """The caller's own notifications, newest first (``?unread=true`` for unread only)."""
    actor = actor_of(request)
    return selectors.inbox(actor.user, unread_only=filters.unread)


@router.get("/unread-count", response={200: UnreadCountOut, **ERRORS})
def unread_count(request: HttpRequest) -> UnreadCountOut:
    """How many of the caller's notifications are unread."""
    return UnreadCountOut(unread=selectors.unread_count(actor_of(request).user))


@router.post("/read-all", response={200: MarkedOut, **ERRORS})
def mark_all_read(request: HttpRequest) -> MarkedOut:
    """Mark all of the caller's notifications read."""
    return MarkedOut(marked=services.mark_all_read(user=actor_of(request).user))


@router.post("/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def mark_read(request: HttpRequest, notification_id: int) -> Notification:
    """Mark one of the caller's notifications read (another user's answers 404)."""
    actor = actor_of(request)
    notification = access_notification(actor=actor, notification_id=notification_id)
    return services.mark_read(user=actor.user, notification=notification)
