from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Contract, Institution, ServiceArea


class _ViewOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """Institutions change through ``services`` (validation, locking, audit) and the API."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ViewOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAreaInline(_ViewOnlyInline):
    model = ServiceArea
    fields = ("region", "created_at")
    readonly_fields = fields


class ContractInline(_ViewOnlyInline):
    model = Contract
    fields = (
        "effective_from",
        "effective_to",
        "platform_bp",
        "institution_bp",
        "provider_bp",
        "night_incentive_bp",
        "rural_incentive_bp",
        "difficult_incentive_bp",
        "signed_at",
        "notes",
    )
    readonly_fields = fields


@admin.register(Institution)
class InstitutionAdmin(_ViewOnly):
    list_display = ("id", "name_zh", "name_en", "type", "status", "region", "licence_number")
    list_filter = ("type", "status")
    search_fields = ("name_zh", "name_en", "licence_number")
    list_select_related = ("region",)
    inlines = (ServiceAreaInline, ContractInline)


@admin.register(Contract)
class ContractAdmin(_ViewOnly):
    list_display = (
        "institution",
        "effective_from",
        "effective_to",
        "platform_bp",
        "institution_bp",
        "provider_bp",
    )
    list_select_related = ("institution",)
