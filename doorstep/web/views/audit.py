"""Platform admins: the audit log with filters, pagination, CSV export and chain check."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit
from doorstep.core.models import AuditEvent

from ..forms import AuditFilterForm
from .common import role_page

PAGE_SIZE = 50


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_events(data: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Audit rows matching the cleaned filter values, newest first."""
    qs = AuditEvent.objects.all()
    for name in ("action", "object_type", "object_id", "actor_id"):
        if data.get(name) not in (None, ""):
            qs = qs.filter(**{name: data[name]})
    if data.get("since"):
        qs = qs.filter(at__gte=_midnight(data["since"]))
    if data.get("until"):
        qs = qs.filter(at__lt=_midnight(data["until"]))
    return qs.order_by("-at", "-id")


@role_page(Role.PLATFORM_ADMIN)
def audit_log(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = Paginator(filtered_events(data), PAGE_SIZE).get_page(request.GET.get("page"))
    # The API takes the same filter names; dates become datetimes at local midnight.
    query: dict[str, str] = {}
    for name in ("action", "object_type", "object_id", "actor_id"):
        if data.get(name) not in (None, ""):
            query[name] = str(data[name])
    for name in ("since", "until"):
        if data.get(name):
            query[name] = _midnight(data[name]).isoformat()
    filters = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "web/audit.html",
        {
            "form": form,
            "page": page,
            "export_query": urlencode(query),
            "page_query": urlencode(filters),
        },
    )


@require_POST
@role_page(Role.PLATFORM_ADMIN)
def audit_verify(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Recompute every hash chain; answers an HTMX partial (or the full page without JS)."""
    problems = audit.verify()
    context = {"problems": problems, "checked": True}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/partials/audit_verify.html", context)
    form = AuditFilterForm()
    page = Paginator(filtered_events({}), PAGE_SIZE).get_page(1)
    context.update({"form": form, "page": page, "export_query": "", "page_query": ""})
    return render(request, "web/audit.html", context)
