from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Notification, NotificationDelivery


class DeliveryInline(admin.TabularInline):
    model = NotificationDelivery
    extra = 0
    can_delete = False
    readonly_fields = ("channel", "status", "attempts", "last_error", "sent_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by ``services.notify`` only."""

    list_display = ("id", "recipient", "kind", "severity", "created_at", "read_at")
    list_filter = ("severity", "kind")
    readonly_fields = (
        "recipient",
        "kind",
        "severity",
        "title_en",
        "title_zh",
        "body_en",
        "body_zh",
        "link",
        "data",
        "created_at",
        "read_at",
    )
    inlines = (DeliveryInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
