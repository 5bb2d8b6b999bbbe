"""Institution reviewers: the first-visit assessment queue with the elder's record
summary; accept or reject with notes and risk flags that every nurse sees first."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.orders import services as orders
from doorstep.orders.access import access_assessment, assessments_visible_to
from doorstep.orders.enums import AssessmentDecision, RiskFlag
from doorstep.orders.models import Visit
from doorstep.people.access import access_elder, age_on

from .common import role_page
from .loop_common import REVIEWERS, error_text


@role_page(*REVIEWERS)
def assessment_queue(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    pending = list(
        assessments_visible_to(actor)
        .filter(decision=AssessmentDecision.PENDING)
        .order_by("requested_at", "pk")[:50]
    )
    rows: list[dict[str, Any]] = []
    for assessment in pending:
        # The reviewer reads the elder's record: audited by the people app. An elder whose
        # record is not shared with the institution shows no summary (never a 404 page).
        try:
            elder = access_elder(actor=actor, elder_id=assessment.elder_id)
        except NotFound:
            elder = None
        visit = (
            Visit.objects.filter(assessment=assessment)
            .select_related("order")
            .order_by("pk")
            .first()
        )
        rows.append(
            {
                "assessment": assessment,
                "elder": elder,
                "age": age_on(elder.birth_date, clock.today()) if elder else None,
                "household": elder.household if elder else None,
                "visit": visit,
            }
        )
    return render(
        request,
        "web/loop/assessments.html",
        {"rows": rows, "flags": RiskFlag.choices},
    )


@require_POST
@role_page(*REVIEWERS)
def assessment_decide(request: HttpRequest, assessment_id: int, *, actor: Actor) -> HttpResponse:
    assessment = access_assessment(actor=actor, assessment_id=assessment_id)
    decision = request.POST.get("decision", "")
    try:
        orders.review_assessment(
            actor=actor,
            assessment=assessment,
            decision=decision,
            notes=request.POST.get("notes", ""),
            risk_flags=request.POST.getlist("risk_flags"),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        if decision == AssessmentDecision.ACCEPTED:
            messages.success(request, _("Accepted. The visit moves on to payment or dispatch."))
        else:
            messages.success(request, _("Rejected. The family has been told why."))
    return redirect("web:assessments")
