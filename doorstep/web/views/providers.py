"""Institution admins and reviewers: providers awaiting verification, approve or reject."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import ApplicationError
from doorstep.workforce import eligibility, selectors
from doorstep.workforce import services as workforce
from doorstep.workforce.access import access_provider, providers_for
from doorstep.workforce.enums import VerificationStatus
from doorstep.workforce.models import Provider

from .common import role_page

#: Display names of the eligibility presets (``workforce.eligibility.PRESETS``).
PRESET_LABELS = {
    "clinical_nursing": gettext_lazy("Clinical nursing"),
    "daily_care": gettext_lazy("Daily-life care"),
    "companionship": gettext_lazy("Companionship and errands"),
    "picc_care": gettext_lazy("PICC line maintenance"),
    "wound_ostomy_care": gettext_lazy("Wound and ostomy care"),
    "hospice_care": gettext_lazy("Hospice care"),
    "medical_assessment": gettext_lazy("Medical assessment"),
}
REVIEWERS = (Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER)
AWAITING = (
    VerificationStatus.SUBMITTED,
    VerificationStatus.UNDER_REVIEW,
    VerificationStatus.REVERIFICATION_REQUIRED,
)
PAGE_SIZE = 25


@role_page(*REVIEWERS)
def provider_list(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Providers of the actor's institutions awaiting verification (``?status=`` filters)."""
    status = request.GET.get("status", "awaiting")
    qs = providers_for(actor, "verify").select_related("user", "institution")
    if status == "awaiting":
        qs = qs.filter(verification_status__in=AWAITING)
    elif status in VerificationStatus.values:
        qs = qs.filter(verification_status=status)
    page = Paginator(qs.order_by("id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/providers.html",
        {"page": page, "status": status, "statuses": VerificationStatus.choices},
    )


def _detail_context(provider: Provider) -> dict[str, object]:
    today = clock.today()
    certificates = list(selectors.certificates_of(provider))
    facts = selectors.provider_facts(provider, certificates)
    checks = []
    for code, requirement in eligibility.PRESETS.items():
        if requirement.kinds and provider.kind not in requirement.kinds:
            continue
        decision = eligibility.check(facts, requirement, today)
        checks.append(
            {
                "code": code,
                "label": PRESET_LABELS.get(code, code),
                "allowed": decision.allowed,
                "reasons": [selectors.reason_text(r) for r in decision.reasons],
            }
        )
    return {
        "provider": provider,
        "certificates": certificates,
        "history": list(selectors.history_of(provider)),
        "checks": checks,
        "years": provider.years_of_practice(today),
        "today": today,
        "can_start": provider.verification_status == VerificationStatus.SUBMITTED,
        "can_decide": provider.verification_status == VerificationStatus.UNDER_REVIEW,
    }


@role_page(*REVIEWERS)
def provider_detail(request: HttpRequest, provider_id: int, *, actor: Actor) -> HttpResponse:
    provider = access_provider(actor=actor, provider_id=provider_id, action="verify")
    return render(request, "web/provider_detail.html", _detail_context(provider))


@require_POST
@role_page(*REVIEWERS)
def provider_decide(request: HttpRequest, provider_id: int, *, actor: Actor) -> HttpResponse:
    """Start the review, approve, or reject with a reason; answers the decision panel to
    HTMX requests and redirects otherwise."""
    provider = access_provider(actor=actor, provider_id=provider_id, action="verify")
    decision = request.POST.get("decision", "")
    error = None
    try:
        if decision == "start":
            provider = workforce.start_review(actor=actor, provider=provider)
            notice = _("Review started.")
        elif decision == "approve":
            provider = workforce.verify(actor=actor, provider=provider)
            notice = _("The provider is verified.")
        elif decision == "reject":
            provider = workforce.reject(
                actor=actor, provider=provider, reason=request.POST.get("reason", "")
            )
            notice = _("The provider is rejected.")
        else:
            error = _("Choose an action.")
            notice = ""
    except ApplicationError as exc:
        error = str(exc.message)
        notice = ""
    provider = access_provider(actor=actor, provider_id=provider_id, action="verify")
    if request.htmx:  # type: ignore[attr-defined]
        context = _detail_context(provider)
        context.update({"error": error, "notice": notice, "reason": request.POST.get("reason", "")})
        return render(
            request,
            "web/partials/provider_decision.html",
            context,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("web:provider", provider_id=provider.pk)
