"""Ratings, quality scores, complaints, quality reviews, the patient blacklist and provider
sanctions (/api/v1/, ADR 0014).

Handlers only parse, look up through ``access``/``selectors``, call ``services`` and render.
Reads are scoped; a row the caller may not see answers 404; an illegal state 409.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import Field

from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound
from doorstep.orders.models import Order, Visit
from doorstep.people.access import access_elder
from doorstep.workforce.access import access_provider

from . import access, selectors, services
from .models import BlacklistEntry, Complaint, ProviderSanction, QualityReview, Rating

router = Router(tags=["quality"])

_VISIT_FIELDS: dict[str, Any] = {
    "institution": "order__institution",
    "elder": "order__elder",
    "provider": "provider",
}


# --- schemas -----------------------------------------------------------------------------


class RatingIn(Schema):
    punctuality: int = Field(examples=[5])
    skill: int = Field(examples=[4])
    attitude: int = Field(examples=[5])
    comment: str = Field("", max_length=2000, examples=["陈护士很准时，动作轻柔。"])


class RatingOut(Schema):
    id: int
    visit_id: int
    provider_id: int
    punctuality: int
    skill: int
    attitude: int
    comment: str
    created_at: dt.datetime


class VisitRatingOut(Schema):
    visit_id: int
    rated: bool
    rating: RatingOut | None = None


class QualityOut(Schema):
    provider_id: int
    score: float = Field(description="Bayesian average 1-5: (C*m + sum) / (C + n).")
    rating_count: int
    low_rating_count: int
    punctuality: float
    skill: float
    attitude: float
    prior_mean: float
    prior_weight: int


class ComplaintIn(Schema):
    order_id: int | None = None
    visit_id: int | None = None
    category: str = Field(examples=["punctuality"])
    description: str = Field(max_length=2000, examples=["护士迟到了一个小时，没有提前通知。"])


class ComplaintOut(Schema):
    id: int
    order_id: int
    visit_id: int | None
    institution_id: int
    elder_id: int
    provider_id: int | None
    on_behalf: bool
    category: str
    category_label: str
    description: str
    deadline: dt.datetime
    overdue: bool
    status: str
    status_label: str
    outcome: str
    handled_by_id: int | None
    taken_at: dt.datetime | None
    escalated_at: dt.datetime | None
    resolved_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_category_label(obj: Complaint) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_status_label(obj: Complaint) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj: Complaint) -> bool:
        return selectors.is_overdue(obj)


class ComplaintFilter(Schema):
    status: str | None = None
    institution_id: int | None = None
    overdue: bool | None = None


class ResolveIn(Schema):
    outcome: str = Field(max_length=2000, examples=["已向家属道歉，护士已接受准时性培训。"])
    upheld: bool = Field(True, description="True: resolved (upheld); false: rejected.")


class ReviewOut(Schema):
    id: int
    provider_id: int
    institution_id: int
    visit_id: int | None
    rating_id: int | None
    complaint_id: int | None
    trigger: str
    status: str
    outcome: str
    notes: str
    handled_by_id: int | None
    closed_at: dt.datetime | None
    created_at: dt.datetime


class ReviewFilter(Schema):
    status: str | None = None


class CloseReviewIn(Schema):
    outcome: str = Field(examples=["coaching"])
    notes: str = Field("", max_length=2000)


class BlacklistIn(Schema):
    elder_id: int
    reason: str = Field(max_length=2000, examples=["多次对上门护士言语威胁。"])
    review_date: dt.date = Field(examples=["2027-05-01"])


class BlacklistOut(Schema):
    id: int
    institution_id: int
    elder_id: int
    reason: str | None = Field(description="Only for the institution's staff and platform admins.")
    review_date: dt.date
    status: str
    created_by_id: int
    lifted_by_id: int | None
    lifted_at: dt.datetime | None
    created_at: dt.datetime


class BlacklistFilter(Schema):
    status: str | None = None


class LiftIn(Schema):
    reason: str = Field("", max_length=2000)


class SanctionIn(Schema):
    kind: str = Field(examples=["suspension"])
    reason: str = Field(max_length=2000, examples=["两次未按规定核对患者身份。"])
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


class SanctionOut(Schema):
    id: int
    provider_id: int
    institution_id: int
    kind: str
    kind_label: str
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    status: str
    in_force: bool
    decided_by_id: int
    lifted_by_id: int | None
    lifted_at: dt.datetime | None
    provider_deactivated: bool

    @staticmethod
    def resolve_kind_label(obj: ProviderSanction) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_in_force(obj: ProviderSanction) -> bool:
        return selectors.sanction_in_force(obj)


# --- helpers -----------------------------------------------------------------------------


def _blacklist_out(actor: Any, entry: BlacklistEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "institution_id": entry.institution_id,
        "elder_id": entry.elder_id,
        "reason": entry.reason if access.sees_blacklist_reason(actor, entry) else None,
        "review_date": entry.review_date,
        "status": entry.status,
        "created_by_id": entry.created_by_id,
        "lifted_by_id": entry.lifted_by_id,
        "lifted_at": entry.lifted_at,
        "created_at": entry.created_at,
    }


def _visit_for_rating(actor: Any, visit_id: int, action: str) -> Visit:
    visit = (
        access.scoped(Visit.objects.all(), actor, "rating", action, **_VISIT_FIELDS)
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        raise NotFound()
    return visit


def _complaint(actor: Any, complaint_id: int) -> Complaint:
    complaint = selectors.complaints_visible_to(actor).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound()
    return complaint


# --- ratings and scores ------------------------------------------------------------------


@router.post("/visits/{visit_id}/rating", response={201: RatingOut, **ERRORS})
def rate_visit(request: HttpRequest, visit_id: int, payload: RatingIn) -> Status[Rating]:
    """The elder or a linked family member (with consent) rates a completed visit, once:
    punctuality, skill and attitude from 1 to 5. A score of 2 or less in any dimension
    opens a quality review. 409 ``visit_not_completed`` / ``already_rated``."""
    actor = actor_of(request)
    visit = _visit_for_rating(actor, visit_id, "create")
    rating = services.rate_visit(
        actor=actor,
        visit=visit,
        punctuality=payload.punctuality,
        skill=payload.skill,
        attitude=payload.attitude,
        comment=payload.comment,
    )
    return Status(201, rating)


@router.get("/visits/{visit_id}/rating", response={200: VisitRatingOut, **ERRORS})
def get_visit_rating(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    """A visit's rating (``rated: false`` until the elder or family rates it)."""
    visit = _visit_for_rating(actor_of(request), visit_id, "view")
    rating = Rating.objects.filter(visit_id=visit.pk).first()
    return {"visit_id": visit.pk, "rated": rating is not None, "rating": rating}


@router.get("/providers/{provider_id}/quality", response={200: QualityOut, **ERRORS})
def provider_quality(request: HttpRequest, provider_id: int) -> dict[str, Any]:
    """The provider's quality score (visible to whoever may see the provider)."""
    provider = access_provider(actor=actor_of(request), provider_id=provider_id)
    return selectors.quality_of(provider.pk)


# --- complaints --------------------------------------------------------------------------


@router.get("/complaints", response={200: list[ComplaintOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilter]):  # type: ignore[no-untyped-def]
    """Complaints the caller may see, earliest deadline first; ``overdue=true`` lists the
    pending ones past their deadline."""
    return selectors.complaint_list(
        actor=actor_of(request),
        status=filters.status,
        institution_id=filters.institution_id,
        overdue=filters.overdue,
    )


@router.post("/complaints", response={201: ComplaintOut, **ERRORS})
def file_complaint(request: HttpRequest, payload: ComplaintIn) -> Status[Complaint]:
    """File a complaint about an order or one of its visits (the elder, linked family,
    or an operator on the elder's behalf). Due in 24 h for safety, else 3 working days."""
    actor = actor_of(request)
    visit = None
    if payload.visit_id is not None:
        visit = Visit.objects.select_related("order").filter(pk=payload.visit_id).first()
        if visit is None:
            raise NotFound()
        order = visit.order
        if payload.order_id is not None and payload.order_id != order.pk:
            raise NotFound()
    else:
        found = (
            Order.objects.select_related("elder").filter(pk=payload.order_id).first()
            if payload.order_id is not None
            else None
        )
        if found is None:
            raise NotFound()
        order = found
    complaint = services.file_complaint(
        actor=actor,
        order=order,
        visit=visit,
        category=payload.category,
        description=payload.description,
    )
    return Status(201, complaint)


@router.get("/complaints/{complaint_id}", response={200: ComplaintOut, **ERRORS})
def get_complaint(request: HttpRequest, complaint_id: int) -> Complaint:
    return _complaint(actor_of(request), complaint_id)


@router.post("/complaints/{complaint_id}/take", response={200: ComplaintOut, **ERRORS})
def take_complaint(request: HttpRequest, complaint_id: int) -> Complaint:
    """The institution's quality officer takes the complaint in hand."""
    actor = actor_of(request)
    return services.take_complaint(actor=actor, complaint=_complaint(actor, complaint_id))


@router.post("/complaints/{complaint_id}/resolve", response={200: ComplaintOut, **ERRORS})
def resolve_complaint(request: HttpRequest, complaint_id: int, payload: ResolveIn) -> Complaint:
    """Close the complaint with an outcome: resolved (upheld) or rejected."""
    actor = actor_of(request)
    return services.resolve_complaint(
        actor=actor,
        complaint=_complaint(actor, complaint_id),
        outcome=payload.outcome,
        upheld=payload.upheld,
    )


# --- quality reviews ---------------------------------------------------------------------


@router.get("/quality-reviews", response={200: list[ReviewOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_reviews(request: HttpRequest, filters: Query[ReviewFilter]):  # type: ignore[no-untyped-def]
    """Quality reviews of the caller's institutions (quality officers, admins)."""
    qs = selectors.reviews_visible_to(actor_of(request))
    return qs.filter(status=filters.status) if filters.status else qs


@router.post("/quality-reviews/{review_id}/close", response={200: ReviewOut, **ERRORS})
def close_review(request: HttpRequest, review_id: int, payload: CloseReviewIn) -> QualityReview:
    """Close a review with an outcome: no_action, coaching or sanctioned."""
    actor = actor_of(request)
    review = selectors.reviews_visible_to(actor).filter(pk=review_id).first()
    if review is None:
        raise NotFound()
    return services.close_review(
        actor=actor, review=review, outcome=payload.outcome, notes=payload.notes
    )


# --- patient blacklist -------------------------------------------------------------------


@router.get(
    "/institutions/{institution_id}/blacklist", response={200: list[BlacklistOut], **ERRORS}
)
def list_blacklist(
    request: HttpRequest, institution_id: int, filters: Query[BlacklistFilter]
) -> list[dict[str, Any]]:
    """The institution's blacklist (its staff, platform admins; regulators without the
    reason). Anyone else: 404."""
    actor = actor_of(request)
    inst = access.access_institution_blacklist(actor=actor, institution_id=institution_id)
    entries = selectors.blacklist_of(inst.pk, status=filters.status)
    return [_blacklist_out(actor, e) for e in entries]


@router.post("/institutions/{institution_id}/blacklist", response={201: BlacklistOut, **ERRORS})
def add_to_blacklist(
    request: HttpRequest, institution_id: int, payload: BlacklistIn
) -> Status[dict[str, Any]]:
    """Refuse the patient's new bookings at this institution, with a reason and a review
    date (its admin or quality officer; 409 ``already_blacklisted``)."""
    actor = actor_of(request)
    inst = access.access_institution_blacklist(actor=actor, institution_id=institution_id)
    elder = access_elder(actor=actor, elder_id=payload.elder_id, record_read=False)
    entry = services.blacklist_patient(
        actor=actor,
        institution=inst,
        elder=elder,
        reason=payload.reason,
        review_date=payload.review_date,
    )
    return Status(201, _blacklist_out(actor, entry))


@router.post("/blacklist/{entry_id}/lift", response={200: BlacklistOut, **ERRORS})
def lift_blacklist(request: HttpRequest, entry_id: int, payload: LiftIn) -> dict[str, Any]:
    actor = actor_of(request)
    entry = access.access_blacklist_entry(actor=actor, entry_id=entry_id, action="change")
    entry = services.lift_blacklist(actor=actor, entry=entry, reason=payload.reason)
    return _blacklist_out(actor, entry)


# --- provider sanctions ------------------------------------------------------------------


@router.get("/providers/{provider_id}/sanctions", response={200: list[SanctionOut], **ERRORS})
def list_sanctions(request: HttpRequest, provider_id: int) -> Any:
    """Sanctions of a provider (their institution's staff, regulators, the provider)."""
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    if not access.sees_provider_sanctions(actor, provider):
        raise NotFound()
    return list(selectors.sanctions_of(access.sanctions_for(actor), provider.pk))


@router.post("/providers/{provider_id}/sanctions", response={201: SanctionOut, **ERRORS})
def add_sanction(
    request: HttpRequest, provider_id: int, payload: SanctionIn
) -> Status[ProviderSanction]:
    """Warn, suspend (optionally until ``ends_at``) or remove a provider (the exit
    mechanism). Removal: the institution admin only; it also deactivates the provider."""
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    sanction = services.sanction_provider(
        actor=actor,
        provider=provider,
        kind=payload.kind,
        reason=payload.reason,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    return Status(201, sanction)


@router.post("/sanctions/{sanction_id}/lift", response={200: SanctionOut, **ERRORS})
def lift_sanction(request: HttpRequest, sanction_id: int, payload: LiftIn) -> ProviderSanction:
    actor = actor_of(request)
    sanction = access.access_sanction(actor=actor, sanction_id=sanction_id, action="change")
    return services.lift_sanction(actor=actor, sanction=sanction, reason=payload.reason)
