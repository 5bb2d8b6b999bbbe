"""Nurses and caregivers: the open pool, my schedule and the visit screen (risk flags,
address and navigation once assigned, start travel, check in with the browser's location,
the documentation form built from the item's template, check out)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import ApplicationError
from doorstep.orders import selectors
from doorstep.orders import services as orders
from doorstep.orders.access import access_pool_visit, access_visit
from doorstep.orders.enums import TERMINAL, CorrectionField, VisitStatus
from doorstep.orders.models import Visit
from doorstep.orders.services import PHOTO_MAX_BYTES
from doorstep.people.access import pool_summary

from .common import role_page
from .loop_common import PROVIDERS, error_text

S = VisitStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _not_taken_elsewhere(provider: Any) -> list[dict[str, Any]]:
    """Pool visits of the provider's institution that this provider may not take, each
    with the reasons (so a nurse sees why, not just an empty pool)."""
    if provider is None or provider.institution_id is None:
        return []
    rows = (
        Visit.objects.filter(
            status=S.AWAITING_DISPATCH,
            provider__isnull=True,
            pool_published_at__isnull=False,
            order__institution_id=provider.institution_id,
        )
        .select_related("order", "order__item", "order__elder", "order__elder__region", "region")
        .order_by("window_start", "id")[:50]
    )
    out = []
    for visit in rows:
        reasons = orders.refusals_for(provider, visit)
        if reasons:
            out.append(
                {"visit": visit, "summary": pool_summary(visit.order.elder), "reasons": reasons}
            )
    return out


@role_page(*PROVIDERS)
def pool(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    provider = selectors.provider_for_actor(actor)
    offers = selectors.open_pool_for(provider) if provider else []
    return render(
        request,
        "web/loop/pool.html",
        {"provider": provider, "offers": offers, "blocked": _not_taken_elsewhere(provider)},
    )


@require_POST
@role_page(*PROVIDERS)
def grab(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = access_pool_visit(actor=actor, visit_id=visit_id)
    try:
        orders.accept_from_pool(actor=actor, visit=visit)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:pool")
    messages.success(request, _("The visit is yours. It is now in your schedule."))
    return redirect("web:visit", visit_id=visit.pk)


@role_page(*PROVIDERS)
def my_schedule(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    since = clock.today() - dt.timedelta(days=1)
    visits = [
        v
        for v in selectors.schedule(actor=actor, mine=True, date_from=since)[:100]
        if v.status not in TERMINAL
    ]
    return render(request, "web/loop/schedule.html", {"visits": visits})


def _mine(actor: Actor, visit_id: int) -> Visit:
    visit = access_visit(actor=actor, visit_id=visit_id)
    if visit.provider is None or visit.provider.user_id != actor.user_id:
        raise Http404()
    return visit


@role_page(*PROVIDERS)
def visit_screen(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = _mine(actor, visit_id)
    template = list(visit.order.item.documentation_template or [])
    fields = [f for f in template if f.get("type", "text") != "photo"]
    photo_fields = [f for f in template if f.get("type") == "photo"]
    return render(
        request,
        "web/loop/visit.html",
        {
            "visit": visit,
            "elder": visit.order.elder,
            "fields": fields,
            "photo_fields": photo_fields,
            "photos": list(visit.photos.order_by("id")),
            "S": S,
            "correction_fields": CorrectionField.choices,
            "events": list(selectors.visit_timeline(visit)),
            "nav_url": (
                f"https://uri.amap.com/marker?position={visit.lng},{visit.lat}"
                if visit.lat is not None and visit.lng is not None
                else ""
            ),
        },
    )


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _values(template: list[dict[str, Any]], post: Any) -> dict[str, Any]:
    """Form strings -> typed values the record service checks (blank optional: left out)."""
    out: dict[str, Any] = {}
    for field in template:
        key, kind = field["key"], field.get("type", "text")
        if kind == "photo":
            continue
        if kind == "bool":
            if key in post:
                out[key] = post.get(key) in ("1", "true", "on", "yes")
            continue
        raw = (post.get(key) or "").strip()
        if raw == "":
            continue
        if kind == "integer":
            try:
                out[key] = int(raw)
            except ValueError:
                out[key] = raw
        elif kind == "number":
            try:
                out[key] = float(raw)
            except ValueError:
                out[key] = raw
        else:
            out[key] = raw
    return out


@require_POST
@role_page(*PROVIDERS)
def visit_correction(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    """Ask the institution to fix a check-in or check-out time (e.g. no signal)."""
    visit = _mine(actor, visit_id)
    raw = request.POST.get("proposed_value", "")
    try:
        local = dt.datetime.fromisoformat(raw)
    except ValueError:
        messages.error(request, _("Give the correct date and time."))
        return redirect("web:visit", visit_id=visit.pk)
    proposed = local if local.tzinfo else local.replace(tzinfo=SHANGHAI)
    try:
        orders.request_correction(
            actor=actor,
            visit=visit,
            field=request.POST.get("field", ""),
            proposed_value=proposed,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Correction requested; the institution will review it."))
    return redirect("web:visit", visit_id=visit.pk)


@require_POST
@role_page(*PROVIDERS)
def visit_photo(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    """Upload one photo for a photo field of the record (type and size checked by the
    service, which sniffs the bytes; at most 5 MB)."""
    visit = _mine(actor, visit_id)
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, _("Choose a photo first."))
        return redirect("web:visit", visit_id=visit.pk)
    limit = PHOTO_MAX_BYTES + 1
    content = upload.read(limit)
    try:
        orders.add_photo(
            actor=actor,
            visit=visit,
            key=request.POST.get("key", ""),
            content=content,
            content_type=upload.content_type or "",
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Photo saved."))
    return redirect("web:visit", visit_id=visit.pk)


@require_POST
@role_page(*PROVIDERS)
def visit_act(request: HttpRequest, visit_id: int, action: str, *, actor: Actor) -> HttpResponse:
    """One button of the visit screen: travel, check-in, start, record, check-out, and the
    exits at the door: nobody at home (no-show) and stop for safety (abort)."""
    visit = _mine(actor, visit_id)
    lat, lng = _float(request.POST.get("lat")), _float(request.POST.get("lng"))
    accuracy = _float(request.POST.get("accuracy"))
    done = {
        "travel": _("You are on the way; the family has been told."),
        "check-in": _("Checked in."),
        "start": _("Service started."),
        "record": _("Record saved."),
        "check-out": _("Checked out. Thank you."),
        "no-show": _("Recorded: nobody was at home. The family has been told."),
        "abort": _("The visit is stopped and the institution has been told. Stay safe."),
    }
    if action not in done:
        raise Http404()
    try:
        if action == "travel":
            orders.start_travel(actor=actor, visit=visit, lat=lat, lng=lng)
        elif action in ("check-in", "check-out"):
            if lat is None or lng is None:
                messages.error(
                    request, _("Your location is needed. Allow location access and try again.")
                )
                return redirect("web:visit", visit_id=visit.pk)
            service = orders.check_in if action == "check-in" else orders.check_out
            check = service(actor=actor, visit=visit, lat=lat, lng=lng, accuracy_m=accuracy)
            if check.flagged:
                messages.warning(request, _("Accepted, but flagged for the institution to review."))
        elif action == "start":
            orders.start_service(actor=actor, visit=visit)
        elif action == "no-show":
            orders.mark_no_show(actor=actor, visit=visit)
        elif action == "abort":
            orders.abort_visit(
                actor=actor, visit=visit, reason=request.POST.get("reason", ""), lat=lat, lng=lng
            )
        else:
            template = list(visit.order.item.documentation_template or [])
            orders.submit_record(
                actor=actor,
                visit=visit,
                values=_values(template, request.POST),
                notes=request.POST.get("notes", ""),
            )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done[action])
    return redirect("web:visit", visit_id=visit.pk)
