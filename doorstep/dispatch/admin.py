"""Read-only admin views: shifts and plan runs change only through ``services`` (with
their audit rows and notifications), never by editing rows here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import PlanRun, SecondProvider, Shift


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ("provider", "day", "start", "end", "off", "break_minutes")
    list_filter = ("day", "off")


@admin.register(PlanRun)
class PlanRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "day", "status", "progress", "best_cost", "created_at")
    list_filter = ("status", "day")
    exclude = ("result",)


@admin.register(SecondProvider)
class SecondProviderAdmin(ReadOnlyAdmin):
    list_display = ("visit", "provider", "run", "start", "released_at")
