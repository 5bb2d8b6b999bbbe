"""Read-only admin views: quality rows change only through ``services`` (with their audit
rows and notifications), never by editing rows here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    BlacklistEntry,
    Complaint,
    ProviderQuality,
    ProviderSanction,
    QualityReview,
    Rating,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "elder_id", "status", "review_date", "created_at")
    list_filter = ("status",)


@admin.register(ProviderSanction)
class ProviderSanctionAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider", "institution", "kind", "status", "starts_at", "ends_at")
    list_filter = ("kind", "status")


@admin.register(ProviderQuality)
class ProviderQualityAdmin(ReadOnlyAdmin):
    list_display = ("provider", "score", "rating_count", "low_rating_count", "updated_at")


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("id", "visit_id", "provider", "punctuality", "skill", "attitude", "created_at")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "category", "status", "deadline", "created_at")
    list_filter = ("status", "category")


@admin.register(QualityReview)
class QualityReviewAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider", "institution", "trigger", "status", "outcome", "created_at")
    list_filter = ("status", "trigger")
