"""Claims API (ADR 0023 addendum), on the billing router: list, read, submit, decide or
record payment, export the payer's batch file. Every read is scoped by
``claims.claims_visible_to`` (404 for claims the caller may not see)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema, Status

from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound
from doorstep.core.masking import mask_name
from doorstep.organizations.models import Institution

from . import claims
from .api import router
from .enums import ClaimStatus
from .models import Claim
from .payer_rules import payer_name


class ClaimOut(Schema):
    id: int
    number: str
    institution_id: int
    payer: str
    payer_name: str
    region_code: str
    account: str
    period: str
    status: str
    status_label: str
    claimed_fen: int
    approved_fen: int | None
    paid_fen: int
    reason: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    paid_at: dt.datetime | None


class ClaimLineOut(Schema):
    id: int
    visit_id: int
    order_id: int
    service_date: dt.date
    elder: str = Field(description="Masked name.")
    amount_fen: int
    approved_fen: int | None
    reason: str = ""


class ClaimEventOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    amount_fen: int
    reason: str


class ClaimDetailOut(ClaimOut):
    lines: list[ClaimLineOut]
    events: list[ClaimEventOut]


def claim_out(c: Claim) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "institution_id": c.institution_id,
        "payer": c.payer,
        "payer_name": payer_name(c.payer),
        "region_code": c.region.code,
        "account": c.account_code,
        "period": c.period,
        "status": c.status,
        "status_label": str(ClaimStatus(c.status).label),
        "claimed_fen": c.claimed_fen,
        "approved_fen": c.approved_fen,
        "paid_fen": c.paid_fen,
        "reason": c.reason,
        "submitted_at": timezone.localtime(c.submitted_at),
        "decided_at": claims.local(c.decided_at),
        "paid_at": claims.local(c.paid_at),
    }


class ClaimFilter(Schema):
    status: str | None = None
    period: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM.")
    institution_id: int | None = None


class ClaimPage(Schema):
    count: int
    items: list[ClaimOut]


@router.get("/billing/claims", response={200: ClaimPage, **ERRORS})
def list_claims(request: HttpRequest, filters: Query[ClaimFilter]) -> Any:
    """Claims the caller may see, newest first: a payer officer's region's payers; an
    institution admin's or finance officer's institution; all for platform admins."""
    qs = claims.claims_visible_to(actor_of(request)).select_related("region")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.institution_id is not None:
        qs = qs.filter(institution_id=filters.institution_id)
    rows = [claim_out(c) for c in qs.order_by("-submitted_at", "-id")[:500]]
    return {"count": len(rows), "items": rows}


@router.get("/billing/claims/{claim_id}", response={200: ClaimDetailOut, **ERRORS})
def get_claim(request: HttpRequest, claim_id: int) -> Any:
    """One claim with its lines (elders' names masked) and its history."""
    claim = claims.access_claim(actor=actor_of(request), claim_id=claim_id)
    lines = claim.lines.select_related("share", "share__elder").order_by("pk")
    return {
        **claim_out(claim),
        "lines": [
            {
                "id": ln.pk,
                "visit_id": ln.share.visit_id,
                "order_id": ln.share.order_id,
                "service_date": ln.share.service_date,
                "elder": mask_name(ln.share.elder.full_name),
                "amount_fen": ln.amount_fen,
                "approved_fen": ln.approved_fen,
                "reason": ln.reason,
            }
            for ln in lines
        ],
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": timezone.localtime(e.at),
                "amount_fen": e.amount_fen,
                "reason": e.reason,
            }
            for e in claims.claim_events(claim)
        ],
    }


class SubmitIn(Schema):
    institution_id: int
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="Service month, YYYY-MM.")


@router.post("/billing/claims", response={201: list[ClaimOut], **ERRORS})
def submit_claims(request: HttpRequest, payload: SubmitIn) -> Any:
    """Submit the institution's unclaimed payer shares of the visits it delivered in the
    month: one claim per payer (409 ``nothing_to_claim`` when there are none).
    Institution admin or finance officer; platform admin."""
    actor = actor_of(request)
    institution = Institution.objects.filter(pk=payload.institution_id).first()
    if institution is None or not claims.may_submit(actor, institution.pk):
        raise NotFound()
    made = claims.submit_claims(actor=actor, institution=institution, period=payload.month)
    return Status(201, [claim_out(c) for c in made])


class LineDecisionIn(Schema):
    line_id: int
    approved_fen: int = Field(description="Accepted of this line, fen (0 = refused).")
    reason: str = Field(max_length=500, description="Why (part of) the line is refused.")


class TransitionIn(Schema):
    to: Literal["approved", "partly_approved", "rejected", "paid"]
    approved_fen: int | None = Field(None, description="partly_approved: the accepted fen.")
    lines: list[LineDecisionIn] | None = Field(
        None,
        description="partly_approved line by line: the lines not accepted in full (the "
        "others are); instead of approved_fen.",
    )
    reason: str = Field("", max_length=1000, description="Required to reject or partly approve.")
    reference: str = Field("", max_length=64, description="paid: the payer's transfer reference.")


@router.post("/billing/claims/{claim_id}/transition", response={200: ClaimOut, **ERRORS})
def transition_claim(request: HttpRequest, claim_id: int, payload: TransitionIn) -> Any:
    """Decide a claim or record that the payer paid it (payer officers of the payer's
    region; ``paid`` also platform admins). Repeating the move the claim already made
    answers it as it is; any other move from its status is 409 ``claim_transition``."""
    actor = actor_of(request)
    claim = claims.access_claim(actor=actor, claim_id=claim_id)
    moved = claims.transition(
        actor=actor,
        claim=claim,
        to=payload.to,
        approved_fen=payload.approved_fen,
        reason=payload.reason,
        reference=payload.reference,
        lines=[(d.line_id, d.approved_fen, d.reason) for d in payload.lines or ()],
    )
    return claim_out(moved)


class ExportQuery(Schema):
    format: str = Field("csv", description="csv or xlsx.")


@router.get("/billing/claims/{claim_id}/export", response={200: None, **ERRORS})
def export_claim(request: HttpRequest, claim_id: int, query: Query[ExportQuery]) -> Any:
    """The payer's batch file (CSV or XLSX): one row per visit with the insured person's
    name, their insurance number for this scheme, the resident ID masked. Audited."""
    actor = actor_of(request)
    claim = claims.access_claim(actor=actor, claim_id=claim_id)
    name, ctype, data = claims.export_claim(actor=actor, claim=claim, fmt=query.format)
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
