"""Claims pages (ADR 0023 addendum). Payer officer: the claims of payers in their region,
approve, partly approve with an amount, reject with a reason, download the batch file.
Institution finance (admin, finance officer): the institution's claims, submit a month,
download. Every action goes through ``billing.claims``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.billing import claims
from doorstep.billing.enums import ClaimStatus, claim_may
from doorstep.billing.errors import InvalidApprovedAmount
from doorstep.billing.payer_rules import payer_name
from doorstep.core import clock
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.core.masking import mask_name
from doorstep.organizations.models import Institution

from .common import role_page
from .loop_common import error_text

CLAIM_ROLES = (
    Role.PAYER_OFFICER,
    Role.FINANCE_OFFICER,
    Role.INSTITUTION_ADMIN,
    Role.PLATFORM_ADMIN,
)
FINANCE = (Role.FINANCE_OFFICER, Role.INSTITUTION_ADMIN)


def _institutions(actor: Actor) -> list[Institution]:
    return list(Institution.objects.filter(pk__in=actor.institution_ids(*FINANCE)).order_by("pk"))


def _last_month() -> str:
    first = clock.today().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


@role_page(*CLAIM_ROLES)
def claim_list(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The claims the user may see, newest first; ``?status=`` narrows."""
    status = request.GET.get("status") or ""
    qs = claims.claims_visible_to(actor).select_related("region", "institution")
    if status in ClaimStatus.values:
        qs = qs.filter(status=status)
    rows = [
        {"claim": c, "payer_name": payer_name(c.payer)}
        for c in qs.order_by("-submitted_at", "-id")[:200]
    ]
    return render(
        request,
        "web/claims.html",
        {
            "rows": rows,
            "status": status,
            "statuses": ClaimStatus.choices,
            "institutions": _institutions(actor),
            "month": request.GET.get("month") or _last_month(),
            "is_payer": actor.has(Role.PAYER_OFFICER),
        },
    )


@require_POST
@role_page(*FINANCE, Role.PLATFORM_ADMIN)
def claim_submit(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    raw = request.POST.get("institution") or ""
    institution = Institution.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if institution is None or not claims.may_submit(actor, institution.pk):
        raise NotFound()
    month = (request.POST.get("month") or "").strip()
    try:
        made = claims.submit_claims(actor=actor, institution=institution, period=month)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(count)s claims submitted.") % {"count": len(made)})
    return redirect("web:claims")


@role_page(*CLAIM_ROLES)
def claim_detail(request: HttpRequest, claim_id: int, *, actor: Actor) -> HttpResponse:
    claim = claims.access_claim(actor=actor, claim_id=claim_id)
    lines = claim.lines.select_related("share", "share__elder", "share__order__item").order_by(
        "share__service_date", "pk"
    )
    decide = claims.may_decide(actor, claim)
    return render(
        request,
        "web/claim_detail.html",
        {
            "claim": claim,
            "payer_name": payer_name(claim.payer),
            "lines": [{"line": ln, "elder": mask_name(ln.share.elder.full_name)} for ln in lines],
            "events": claims.claim_events(claim),
            "may_decide": decide and claim_may(claim.status, ClaimStatus.APPROVED),
            "may_mark_paid": (decide or actor.is_platform_admin)
            and claim_may(claim.status, ClaimStatus.PAID),
        },
    )


def _fen(raw: str) -> int:
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation as exc:
        raise InvalidApprovedAmount() from exc
    if value != value.quantize(Decimal("0.01")):
        raise InvalidApprovedAmount()
    return int(value * 100)


@require_POST
@role_page(Role.PAYER_OFFICER, Role.PLATFORM_ADMIN)
def claim_decide(request: HttpRequest, claim_id: int, *, actor: Actor) -> HttpResponse:
    claim = claims.access_claim(actor=actor, claim_id=claim_id)
    to = request.POST.get("to") or ""
    try:
        approved = _fen(request.POST.get("approved_yuan", "")) if to == "partly_approved" else None
        claims.transition(
            actor=actor,
            claim=claim,
            to=to,
            approved_fen=approved,
            reason=request.POST.get("reason", ""),
            reference=request.POST.get("reference", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Claim updated."))
    return redirect("web:claim_detail", claim_id=claim.pk)


@role_page(*CLAIM_ROLES)
def claim_export(request: HttpRequest, claim_id: int, fmt: str, *, actor: Actor) -> HttpResponse:
    claim = claims.access_claim(actor=actor, claim_id=claim_id)
    name, ctype, data = claims.export_claim(actor=actor, claim=claim, fmt=fmt)
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
