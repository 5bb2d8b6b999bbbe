"""Read-only admin views: the catalogue's prices change only through ``services`` (audited),
never by editing rows here. Items and categories are seeded from ``data.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Offering, PriceCap, PricingPolicy, ServiceCategory, ServiceItem, ServicePackage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en", "group", "sort_order")


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en", "category", "base_price_fen", "is_active")
    list_filter = ("category__group", "is_clinical", "risk_level", "is_active")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(ServicePackage)
class ServicePackageAdmin(ReadOnlyAdmin):
    list_display = ("code", "item", "visit_count", "interval_days", "discount_bp", "is_active")


@admin.register(PriceCap)
class PriceCapAdmin(ReadOnlyAdmin):
    list_display = ("item", "region", "cap_fen", "effective_from", "effective_to")


@admin.register(Offering)
class OfferingAdmin(ReadOnlyAdmin):
    list_display = ("institution", "item", "region", "price_fen", "is_active")


@admin.register(PricingPolicy)
class PricingPolicyAdmin(ReadOnlyAdmin):
    list_display = ("region", "version", "effective_from")
