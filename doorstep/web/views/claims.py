"""Claims pages (ADR 0023 addendum). Payer officer: the claims of payers in their region,
approve, partly approve with an amount, reject with a reason, download the batch file.
Institution finance (admin, finance officer): the institution's claims, submit a month,
download. Every action goes through ``billing.claims``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.billing import claims, payers
from doorstep.billing.enums import ClaimStatus, claim_may
from doorstep.billing.errors import InvalidApprovedAmount, InvalidPayerRule
from doorstep.billing.payer_rules import payer_name
from doorstep.billing.payer_rules_api import publish, region_for, rule_out, rules_visible_to
from doorstep.core import clock
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.core.masking import mask_name
from doorstep.organizations.models import Institution
from doorstep.people.enums import InsuranceScheme
from doorstep.regions.models import Region

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


# --- payer rules (ADR 0029) -----------------------------------------------------------------

RULE_ROLES = (Role.PAYER_OFFICER, Role.PLATFORM_ADMIN)


def _percent_bp(raw: str, name: str) -> int:
    try:
        value = Decimal((raw or "0").strip() or "0")
    except InvalidOperation as exc:
        raise InvalidPayerRule(details={name: raw}) from exc
    return int(value * 100)


def _yuan_fen(raw: str, name: str) -> int | None:
    if not (raw or "").strip():
        return None
    try:
        return int(Decimal(raw.strip()) * 100)
    except InvalidOperation as exc:
        raise InvalidPayerRule(details={name: raw}) from exc


def _levels(raw: str, name: str, *, percent: bool) -> dict[str, int]:
    """``"3=70, 4=75"`` -> ``{"3": 7000, "4": 7500}`` (percent -> basis points, or yuan ->
    fen)."""
    out: dict[str, int] = {}
    for part in (raw or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        level, _sep, value = part.partition("=")
        if not level.strip().isdigit():
            raise InvalidPayerRule(details={name: part.strip()})
        out[level.strip()] = _percent_bp(value, name) if percent else (_yuan_fen(value, name) or 0)
    return out


def _rule_values(post: Any) -> dict[str, Any]:
    try:
        start = dt.date.fromisoformat((post.get("effective_from") or "").strip())
    except ValueError as exc:
        raise InvalidPayerRule(details={"effective_from": post.get("effective_from")}) from exc
    min_age = (post.get("min_age") or "").strip()
    if min_age and not min_age.isdigit():
        raise InvalidPayerRule(details={"min_age": min_age})
    return {
        "scheme": (post.get("scheme") or "").strip(),
        "version": (post.get("version") or "").strip()[:32],
        "name_zh": (post.get("name_zh") or "").strip()[:64],
        "name_en": (post.get("name_en") or "").strip()[:96],
        "effective_from": start,
        "eligible": [
            x.strip()
            for x in (post.get("eligible") or "").replace("，", ",").split(",")
            if x.strip()
        ],
        "coverage_bp": _percent_bp(post.get("coverage_percent", ""), "coverage_bp"),
        "deductible_fen": _yuan_fen(post.get("deductible_yuan", ""), "deductible_fen") or 0,
        "annual_cap_fen": _yuan_fen(post.get("annual_cap_yuan", ""), "annual_cap_fen"),
        "ltc_bp_by_level": _levels(post.get("ltc_shares", ""), "ltc_bp_by_level", percent=True),
        "ltc_monthly_quota_fen": _levels(
            post.get("ltc_quotas", ""), "ltc_monthly_quota_fen", percent=False
        ),
        "min_age": int(min_age) if min_age else None,
        "low_income_only": post.get("low_income_only") == "on",
    }


def _publish_regions(actor: Actor) -> list[Region]:
    """The regions the user may publish rules for: a payer officer's own region nodes;
    for platform admins the provinces and cities."""
    if actor.is_platform_admin:
        return list(Region.objects.filter(level__lte=2).order_by("path"))
    paths = [p for p in actor.region_paths(Role.PAYER_OFFICER) if p]
    return list(Region.objects.filter(path__in=paths).order_by("path"))


@role_page(*RULE_ROLES)
def payer_rules(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The payer rule versions of the user's regions, newest first per scheme, and the
    form to publish a new version (prefilled from ``?from=<rule id>``)."""
    rows = [
        rule_out(r)
        for r in rules_visible_to(actor)
        .select_related("region")
        .order_by("region__path", "scheme", "-effective_from")[:300]
    ]
    source = next((r for r in rows if str(r["id"]) == request.GET.get("from")), None)
    return render(
        request,
        "web/claims_payer_rules.html",
        {
            "rows": rows,
            "source": source,
            "schemes": [(s, str(InsuranceScheme(s).label)) for s in payers.ORDER],
            "regions": _publish_regions(actor),
            "start": (clock.today() + dt.timedelta(days=1)).isoformat(),
        },
    )


@require_POST
@role_page(*RULE_ROLES)
def payer_rule_publish(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    try:
        region = region_for(actor, (request.POST.get("region") or "").strip())
        values = _rule_values(request.POST)
        rule = publish(actor=actor, region=region, values=values)
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:payer_rules")
    messages.success(
        request,
        _("Version %(version)s published; it applies from %(date)s.")
        % {"version": rule.version, "date": rule.effective_from.isoformat()},
    )
    return redirect("web:payer_rules")
