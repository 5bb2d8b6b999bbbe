"""Read-only admin views: providers and credentials change only through ``services``
(the verification workflow, with its event rows and audit), never by editing rows here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Certificate, Provider, VerificationEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    can_delete = False
    fields = ("kind", "number", "issued_on", "expires_on", "status")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "kind", "institution", "title", "verification_status")
    list_filter = ("kind", "verification_status", "title", "is_active")
    search_fields = ("user__username", "user__display_name", "licence_number")
    list_select_related = ("user", "institution")
    inlines = (CertificateInline,)


@admin.register(VerificationEvent)
class VerificationEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider", "from_status", "to_status", "actor", "at")
    list_filter = ("to_status",)
    list_select_related = ("provider", "actor")
