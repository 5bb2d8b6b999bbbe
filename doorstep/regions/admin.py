from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View-only: the tree is written through ``services`` (path, bbox, audit) and the API."""

    list_display = ("code", "name_zh", "name_en", "level", "is_urban", "path")
    list_filter = ("level", "is_urban")
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("path",)
    list_select_related = ("parent",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
