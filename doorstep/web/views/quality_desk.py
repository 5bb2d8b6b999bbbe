"""Institution staff: EVV verification review (flagged check-ins/outs, correction
requests to approve or reject) and complaints handling (take, resolve with an outcome).
Elder and family: cancel a visit, file a complaint (from the order page)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import ApplicationError
from doorstep.orders import services as orders
from doorstep.orders.access import access_correction, access_order, visits_visible_to
from doorstep.orders.enums import CorrectionStatus
from doorstep.orders.models import CheckEvent, Correction
from doorstep.quality import selectors as quality_selectors
from doorstep.quality import services as quality
from doorstep.quality.enums import ComplaintCategory, ComplaintStatus
from doorstep.quality.models import Complaint

from .common import role_page
from .loop_common import PATIENT_SIDE, error_text

VERIFIERS = (Role.DISPATCHER, Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER)
QUALITY = (Role.INSTITUTION_QUALITY, Role.INSTITUTION_ADMIN)
FLAGGED_DAYS = 30


@role_page(*VERIFIERS)
def verification(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    visible = visits_visible_to(actor).values("pk")
    corrections = list(
        Correction.objects.filter(status=CorrectionStatus.PENDING, visit_id__in=visible)
        .select_related("visit", "visit__order__item", "requested_by")
        .order_by("requested_at", "pk")[:100]
    )
    flagged = list(
        CheckEvent.objects.filter(
            flagged=True,
            visit_id__in=visible,
            at__gte=clock.now() - dt.timedelta(days=FLAGGED_DAYS),
        )
        .select_related("visit", "visit__order__item", "provider__user")
        .order_by("-at")[:100]
    )
    return render(
        request, "web/loop/verification.html", {"corrections": corrections, "flagged": flagged}
    )


@require_POST
@role_page(*VERIFIERS)
def correction_decide(request: HttpRequest, correction_id: int, *, actor: Actor) -> HttpResponse:
    correction = access_correction(actor=actor, correction_id=correction_id)
    approve = request.POST.get("decision") == "approve"
    try:
        orders.decide_correction(
            actor=actor, correction=correction, approve=approve, note=request.POST.get("note", "")
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Correction approved.") if approve else _("Correction rejected.")
        )
    return redirect("web:verification")


def _complaint(actor: Actor, complaint_id: int) -> Complaint:
    complaint = quality_selectors.complaints_visible_to(actor).filter(pk=complaint_id).first()
    if complaint is None:
        raise Http404()
    return complaint


@role_page(*QUALITY)
def complaints(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    pending = [
        c
        for c in quality_selectors.complaint_list(actor=actor).select_related("order__item")[:200]
        if c.status
        in (ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS, ComplaintStatus.ESCALATED)
    ]
    now = clock.now()
    return render(
        request,
        "web/loop/complaints.html",
        {"complaints": pending, "now": now, "S": ComplaintStatus},
    )


@require_POST
@role_page(*QUALITY)
def complaint_act(request: HttpRequest, complaint_id: int, *, actor: Actor) -> HttpResponse:
    complaint = _complaint(actor, complaint_id)
    action = request.POST.get("action", "")
    try:
        if action == "take":
            quality.take_complaint(actor=actor, complaint=complaint)
            messages.success(request, _("You are handling this complaint."))
        elif action in ("resolve", "reject"):
            quality.resolve_complaint(
                actor=actor,
                complaint=complaint,
                outcome=request.POST.get("outcome", ""),
                upheld=action == "resolve",
            )
            messages.success(request, _("Complaint closed; the person who filed it is told."))
        else:
            raise Http404()
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return redirect("web:complaints")


@require_POST
@role_page(*PATIENT_SIDE)
def order_cancel(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    order = access_order(actor=actor, order_id=order_id)
    try:
        cancelled = orders.cancel(actor=actor, order=order, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        fee = sum(v.cancellation_fee_fen for v in cancelled)
        if fee:
            messages.success(
                request,
                _("Cancelled. A cancellation fee of ¥%(fee)s applies.")
                % {"fee": f"{fee // 100}.{fee % 100:02d}"},
            )
        else:
            messages.success(request, _("Cancelled, free of charge."))
    return redirect("web:order", order_id=order.pk)


@require_POST
@role_page(*PATIENT_SIDE)
def order_complain(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    order = access_order(actor=actor, order_id=order_id)
    category = request.POST.get("category", "")
    if category not in ComplaintCategory.values:
        messages.error(request, _("Choose what the complaint is about."))
        return redirect("web:order", order_id=order.pk)
    try:
        quality.file_complaint(
            actor=actor,
            order=order,
            category=category,
            description=request.POST.get("description", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Complaint received. The institution must answer by its deadline.")
        )
    return redirect("web:order", order_id=order.pk)
