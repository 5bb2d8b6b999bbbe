"""Every state change of the quality app (ADR 0014).

Each function is keyword-only, runs in one transaction, locks the rows it changes,
validates before writing (a refused action changes nothing), records an audit row
(ids and field names only, never personal data) and queues notifications with
``transaction.on_commit(..., robust=True)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden, NotFound
from doorstep.notifications.services import notify
from doorstep.orders.enums import VisitStatus
from doorstep.orders.models import Order, Visit
from doorstep.organizations.models import Institution
from doorstep.people.access import access_elder, effective_family_links
from doorstep.people.models import Elder
from doorstep.workforce import access as workforce_access
from doorstep.workforce.models import Provider

from . import access, deadlines, scoring, selectors
from .enums import (
    PENDING_COMPLAINT_STATUSES,
    BlacklistStatus,
    ComplaintCategory,
    ComplaintStatus,
    ReviewOutcome,
    ReviewStatus,
    ReviewTrigger,
    SanctionKind,
    SanctionStatus,
    can_transition,
)
from .errors import (
    AlreadyBlacklisted,
    AlreadyLifted,
    AlreadyRated,
    DescriptionRequired,
    IllegalTransition,
    InvalidChoice,
    InvalidDates,
    InvalidScore,
    OutcomeRequired,
    ProviderWithoutInstitution,
    ReasonRequired,
    RemovalNeedsAdmin,
    ReviewClosed,
    TextTooLong,
    VisitNotCompleted,
)
from .models import (
    BlacklistEntry,
    Complaint,
    ProviderQuality,
    ProviderSanction,
    QualityReview,
    Rating,
)

MAX_TEXT = 2000


def _text(value: str | None, *, required: bool, error: type[Exception] = ReasonRequired) -> str:
    value = (value or "").strip()
    if required and not value:
        raise error()
    if len(value) > MAX_TEXT:
        raise TextTooLong(details={"max_length": MAX_TEXT})
    return value


def _notify_later(
    user: Any,
    kind: str,
    title: Any,
    body: Any,
    link: str,
    data: dict[str, Any],
    params: dict[str, Any] | None = None,
) -> None:
    transaction.on_commit(
        lambda: notify(
            recipient=user, kind=kind, title=title, body=body, link=link, data=data, params=params
        ),
        robust=True,  # a failed notification must not turn a committed change into an error
    )


# --- patient blacklist -------------------------------------------------------------------


@transaction.atomic
def blacklist_patient(
    *, actor: Actor, institution: Institution, elder: Elder, reason: str, review_date: dt.date
) -> BlacklistEntry:
    """Put ``elder`` on ``institution``'s blacklist: it refuses their new bookings
    (``selectors.booking_block_reason``) until the entry is lifted.

    The institution's admin or quality officer only (others: 404); the elder must be one
    the actor can see (404 otherwise).
    """
    if not access.may_for_institution(actor, "blacklist", "change", institution.pk):
        raise NotFound()
    access_elder(actor=actor, elder_id=elder.pk, record_read=False)
    reason = _text(reason, required=True)
    if review_date <= clock.today():
        raise InvalidDates(details={"review_date": str(review_date)})
    active = BlacklistEntry.objects.select_for_update().filter(
        institution=institution, elder=elder, status=BlacklistStatus.ACTIVE
    )
    if active.exists():
        raise AlreadyBlacklisted()
    try:
        with transaction.atomic():
            entry = BlacklistEntry.objects.create(
                institution=institution,
                elder=elder,
                reason=reason,
                review_date=review_date,
                created_by=actor.user,
            )
    except IntegrityError as exc:  # a concurrent request blacklisted them first
        raise AlreadyBlacklisted() from exc
    audit.record(
        actor=actor.user,
        action="blacklist.add",
        object_type="blacklist_entry",
        object_id=entry.pk,
        institution_id=institution.pk,
        changed_fields=["status", "reason", "review_date"],
        details={"elder_id": elder.pk, "review_date": str(review_date)},
    )
    return entry


@transaction.atomic
def lift_blacklist(*, actor: Actor, entry: BlacklistEntry, reason: str = "") -> BlacklistEntry:
    """Lift an active entry; the patient may book again."""
    if not access.may_for_institution(actor, "blacklist", "change", entry.institution_id):
        raise NotFound()
    reason = _text(reason, required=False)
    entry = BlacklistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != BlacklistStatus.ACTIVE:
        raise AlreadyLifted()
    entry.status = BlacklistStatus.LIFTED
    entry.lifted_by = actor.user
    entry.lifted_at = clock.now()
    entry.lift_reason = reason
    entry.save(update_fields=["status", "lifted_by", "lifted_at", "lift_reason", "updated_at"])
    audit.record(
        actor=actor.user,
        action="blacklist.lift",
        object_type="blacklist_entry",
        object_id=entry.pk,
        institution_id=entry.institution_id,
        changed_fields=["status", "lifted_by", "lifted_at", "lift_reason"],
        details={"elder_id": entry.elder_id},
    )
    return entry


# --- provider sanctions (the exit mechanism) ---------------------------------------------

SANCTION_TITLES: dict[str, Any] = {
    SanctionKind.WARNING: _("You have received a warning"),
    SanctionKind.SUSPENSION: _("You have been suspended from visits"),
    SanctionKind.REMOVAL: _("You have been removed from the institution's providers"),
}


@transaction.atomic
def sanction_provider(
    *,
    actor: Actor,
    provider: Provider,
    kind: str,
    reason: str,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> ProviderSanction:
    """Warn, suspend or remove ``provider`` for their practice institution.

    The institution's admin or quality officer (others who cannot see the provider: 404;
    who can see but not decide: 403). A removal is for the institution's admin only and
    also deactivates the provider through ``workforce.services.update_provider``. A
    suspension or removal in force blocks assignment and pool acceptance
    (``selectors.assignment_block_reason``).
    """
    workforce_access.require(actor, provider, "view")
    institution_id = provider.institution_id
    if institution_id is None:
        raise ProviderWithoutInstitution()
    if not access.may_for_institution(actor, "sanction", "change", institution_id):
        raise Forbidden()
    if kind not in SanctionKind.values:
        raise InvalidChoice(details={"kind": kind, "allowed": list(SanctionKind.values)})
    reason = _text(reason, required=True)
    for value in (starts_at, ends_at):
        if value is not None and timezone.is_naive(value):
            raise InvalidDates(details={"timezone": "required"})
    if kind != SanctionKind.SUSPENSION and (starts_at is not None or ends_at is not None):
        # warnings and removals take effect now; only a suspension has a period
        raise InvalidDates(details={"kind": kind})
    starts_at = starts_at or clock.now()
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidDates(details={"ends_at": ends_at.isoformat()})
    is_admin = actor.is_platform_admin or provider.institution_id in actor.institution_ids(
        Role.INSTITUTION_ADMIN
    )
    if kind == SanctionKind.REMOVAL and not is_admin:
        raise RemovalNeedsAdmin()
    provider = (
        Provider.objects.select_for_update(of=("self",)).select_related("user").get(pk=provider.pk)
    )
    sanction = ProviderSanction.objects.create(
        provider=provider,
        institution_id=institution_id,
        kind=kind,
        reason=reason,
        starts_at=starts_at,
        ends_at=ends_at,
        decided_by=actor.user,
    )
    if kind == SanctionKind.REMOVAL and provider.is_active:
        from doorstep.workforce import services as workforce_services

        workforce_services.update_provider(
            actor=actor, provider=provider, changes={"is_active": False}
        )
        sanction.provider_deactivated = True
        sanction.save(update_fields=["provider_deactivated", "updated_at"])
    audit.record(
        actor=actor.user,
        action="sanction.add",
        object_type="provider_sanction",
        object_id=sanction.pk,
        institution_id=provider.institution_id,
        changed_fields=["kind", "status", "starts_at", "ends_at", "reason"],
        details={
            "provider_id": provider.pk,
            "kind": kind,
            "ends_at": ends_at.isoformat() if ends_at else None,
            "provider_deactivated": sanction.provider_deactivated,
        },
    )
    _notify_later(
        provider.user,
        f"quality.sanction.{kind}",
        SANCTION_TITLES[kind],
        _("Reason given by your institution: %(reason)s"),
        f"/providers/{provider.pk}/",
        {"provider_id": provider.pk, "sanction_id": sanction.pk, "kind": kind},
        params={"reason": reason},
    )
    return sanction


@transaction.atomic
def lift_sanction(
    *, actor: Actor, sanction: ProviderSanction, reason: str = ""
) -> ProviderSanction:
    """End a sanction early. Lifting a removal does not reactivate the provider: the
    institution admin does that through the provider profile (``is_active``)."""
    if not access.may_for_institution(actor, "sanction", "change", sanction.institution_id):
        raise Forbidden()
    reason = _text(reason, required=False)
    sanction = (
        ProviderSanction.objects.select_for_update(of=("self",))
        .select_related("provider__user")
        .get(pk=sanction.pk)
    )
    if sanction.status != SanctionStatus.ACTIVE:
        raise AlreadyLifted()
    if sanction.kind == SanctionKind.REMOVAL and not (
        actor.is_platform_admin
        or sanction.institution_id in actor.institution_ids(Role.INSTITUTION_ADMIN)
    ):
        raise RemovalNeedsAdmin()
    sanction.status = SanctionStatus.LIFTED
    sanction.lifted_by = actor.user
    sanction.lifted_at = clock.now()
    sanction.lift_reason = reason
    sanction.save(update_fields=["status", "lifted_by", "lifted_at", "lift_reason", "updated_at"])
    audit.record(
        actor=actor.user,
        action="sanction.lift",
        object_type="provider_sanction",
        object_id=sanction.pk,
        institution_id=sanction.institution_id,
        changed_fields=["status", "lifted_by", "lifted_at", "lift_reason"],
        details={"provider_id": sanction.provider_id, "kind": sanction.kind},
    )
    _notify_later(
        sanction.provider.user,
        "quality.sanction.lifted",
        _("A sanction on you has been lifted"),
        "",
        f"/providers/{sanction.provider_id}/",
        {"provider_id": sanction.provider_id, "sanction_id": sanction.pk},
    )
    return sanction


# --- notifications to the institution's quality officers ---------------------------------


def _officers(institution_id: int, *roles: str) -> list[Any]:
    """Active users holding ``roles`` (default: quality officer) at the institution; the
    institution admins when it has no quality officer."""
    from doorstep.accounts.models import User

    wanted = roles or (Role.INSTITUTION_QUALITY,)
    users = list(
        User.objects.filter(
            memberships__institution_id=institution_id,
            memberships__role__in=wanted,
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    )
    if not users and not roles:
        return _officers(institution_id, Role.INSTITUTION_ADMIN)
    return users


def _tell_officers(
    institution_id: int,
    kind: str,
    title: Any,
    link: str,
    data: dict[str, Any],
    *roles: str,
    severity: str = "info",
) -> None:
    def send() -> None:
        for user in _officers(institution_id, *roles):
            notify(recipient=user, kind=kind, title=title, link=link, data=data, severity=severity)

    transaction.on_commit(send, robust=True)


# --- ratings and the quality score -------------------------------------------------------


def _lock_quality(provider_id: int) -> ProviderQuality:
    ProviderQuality.objects.get_or_create(
        provider_id=provider_id, defaults={"score": scoring.score(scoring.Tally())}
    )
    return ProviderQuality.objects.select_for_update().get(provider_id=provider_id)


def _mark_reviewed(*, actor: Actor, visit: Visit) -> None:
    """Move the visit completed -> reviewed through the orders services."""
    from doorstep.orders import services as order_services

    order_services.mark_reviewed(actor=actor, visit=visit)


@transaction.atomic
def rate_visit(
    *,
    actor: Actor,
    visit: Visit,
    punctuality: int,
    skill: int,
    attitude: int,
    comment: str = "",
) -> Rating:
    """The elder, or a family member linked with consent (and the place-orders right),
    rates a completed visit once. Updates the provider's score; a low rating (any
    dimension <= 2) opens a quality review; the visit moves to ``reviewed``.

    Someone who may not rate this visit: 404. Not completed: 409 ``visit_not_completed``.
    Rated already: 409 ``already_rated``.
    """
    raters = access.scoped(
        Visit.objects.all(),
        actor,
        "rating",
        "create",
        institution="order__institution",
        elder="order__elder",
        provider=None,
    )
    if not raters.filter(pk=visit.pk).exists():
        raise NotFound()
    scores = {"punctuality": punctuality, "skill": skill, "attitude": attitude}
    bad = sorted(k for k, v in scores.items() if not scoring.valid_score(v))
    if bad:
        raise InvalidScore(details={"fields": bad})
    comment = _text(comment, required=False)
    visit = Visit.objects.select_for_update(of=("self",)).select_related("order").get(pk=visit.pk)
    if Rating.objects.filter(visit_id=visit.pk).exists():
        raise AlreadyRated()
    if visit.status != VisitStatus.COMPLETED or visit.provider_id is None:
        raise VisitNotCompleted(details={"status": visit.status})
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                visit=visit,
                provider_id=visit.provider_id,
                institution_id=visit.order.institution_id,
                elder_id=visit.order.elder_id,
                rated_by=actor.user,
                punctuality=punctuality,
                skill=skill,
                attitude=attitude,
                comment=comment,
                created_at=clock.now(),
            )
    except IntegrityError as exc:  # a concurrent rating of the same visit won
        raise AlreadyRated() from exc
    quality = _lock_quality(visit.provider_id)
    tally = scoring.Tally(
        quality.rating_count, quality.punctuality_sum, quality.skill_sum, quality.attitude_sum
    ).add(punctuality, skill, attitude)
    low = scoring.is_low(punctuality, skill, attitude)
    quality.rating_count = tally.count
    quality.punctuality_sum = tally.punctuality
    quality.skill_sum = tally.skill
    quality.attitude_sum = tally.attitude
    quality.low_rating_count += int(low)
    quality.score = scoring.score(tally)
    quality.save()
    audit.record(
        actor=actor.user,
        action="rating.create",
        object_type="rating",
        object_id=rating.pk,
        institution_id=rating.institution_id,
        changed_fields=["punctuality", "skill", "attitude", "comment"],
        details={"visit_id": visit.pk, "provider_id": visit.provider_id, "low": low},
    )
    if low:
        _open_review(
            provider_id=visit.provider_id,
            institution_id=rating.institution_id,
            visit_id=visit.pk,
            trigger=ReviewTrigger.LOW_RATING,
            rating=rating,
        )
    _mark_reviewed(actor=actor, visit=visit)
    return rating


def _open_review(
    *,
    provider_id: int,
    institution_id: int,
    visit_id: int | None,
    trigger: str,
    rating: Rating | None = None,
    complaint: Complaint | None = None,
) -> QualityReview:
    review = QualityReview.objects.create(
        provider_id=provider_id,
        institution_id=institution_id,
        visit_id=visit_id,
        rating=rating,
        complaint=complaint,
        trigger=trigger,
    )
    audit.record(
        actor=None,
        action="quality_review.open",
        object_type="quality_review",
        object_id=review.pk,
        institution_id=institution_id,
        changed_fields=["status"],
        details={"provider_id": provider_id, "trigger": trigger},
    )
    _tell_officers(
        institution_id,
        "quality.review.opened",
        _("A quality review was opened"),
        f"/quality-reviews/{review.pk}/",
        {"review_id": review.pk, "provider_id": provider_id, "trigger": trigger},
        severity="warning",
    )
    return review


@transaction.atomic
def close_review(
    *, actor: Actor, review: QualityReview, outcome: str, notes: str = ""
) -> QualityReview:
    """The quality officer (or admin) closes a review with an outcome."""
    if not access.may_for_institution(actor, "quality_review", "change", review.institution_id):
        raise Forbidden()
    if outcome not in ReviewOutcome.values:
        raise InvalidChoice(details={"outcome": outcome, "allowed": list(ReviewOutcome.values)})
    notes = _text(notes, required=False)
    review = QualityReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.OPEN:
        raise ReviewClosed()
    review.status = ReviewStatus.CLOSED
    review.outcome = outcome
    review.notes = notes
    review.handled_by = actor.user
    review.closed_at = clock.now()
    review.save()
    audit.record(
        actor=actor.user,
        action="quality_review.close",
        object_type="quality_review",
        object_id=review.pk,
        institution_id=review.institution_id,
        changed_fields=["status", "outcome", "notes", "handled_by", "closed_at"],
        details={"outcome": outcome},
    )
    return review


# --- complaints --------------------------------------------------------------------------


@transaction.atomic
def file_complaint(
    *,
    actor: Actor,
    order: Order,
    category: str,
    description: str,
    visit: Visit | None = None,
) -> Complaint:
    """The elder, a linked family member, or an operator on the elder's behalf complains
    about an order (optionally one visit of it). The deadline is 24 h for safety, else 3
    working days. A safety complaint about a provider also opens a quality review."""
    filers = access.scoped(
        Order.objects.all(),
        actor,
        "complaint",
        "create",
        institution="institution",
        elder="elder",
        provider=None,
    )
    if not filers.filter(pk=order.pk).exists():
        raise NotFound()
    if visit is not None and visit.order_id != order.pk:
        raise NotFound()
    if category not in ComplaintCategory.values:
        raise InvalidChoice(
            details={"category": category, "allowed": list(ComplaintCategory.values)}
        )
    description = _text(description, required=True, error=DescriptionRequired)
    now = clock.now()
    own = order.elder.user_id is not None and order.elder.user_id == actor.user_id
    family = (
        actor.has(Role.FAMILY)
        and effective_family_links(actor.user.pk, "place_orders")
        .filter(elder_id=order.elder_id)
        .exists()
    )
    on_behalf = not (own or family)  # an operator (or platform staff) filed it for them
    complaint = Complaint.objects.create(
        order=order,
        visit=visit,
        institution_id=order.institution_id,
        elder_id=order.elder_id,
        provider_id=visit.provider_id if visit is not None else None,
        raised_by=actor.user,
        on_behalf=on_behalf,
        category=category,
        description=description,
        deadline=deadlines.complaint_deadline(category, now),
    )
    audit.record(
        actor=actor.user,
        action="complaint.file",
        object_type="complaint",
        object_id=complaint.pk,
        institution_id=complaint.institution_id,
        changed_fields=["category", "description", "status", "deadline"],
        details={"order_id": order.pk, "visit_id": complaint.visit_id, "category": category},
    )
    if category == ComplaintCategory.SAFETY and complaint.provider_id is not None:
        _open_review(
            provider_id=complaint.provider_id,
            institution_id=complaint.institution_id,
            visit_id=complaint.visit_id,
            trigger=ReviewTrigger.COMPLAINT,
            complaint=complaint,
        )
    _tell_officers(
        complaint.institution_id,
        "quality.complaint.filed",
        _("A new complaint needs handling"),
        f"/complaints/{complaint.pk}/",
        {"complaint_id": complaint.pk, "category": category},
        severity="warning" if category == ComplaintCategory.SAFETY else "info",
    )
    return complaint


def _move(complaint: Complaint, to_status: str) -> str:
    if not can_transition(complaint.status, to_status):
        raise IllegalTransition(details={"from": complaint.status, "to": to_status})
    from_status = complaint.status
    complaint.status = to_status
    return from_status


def _lock_complaint(actor: Actor, complaint: Complaint) -> Complaint:
    if not access.may_for_institution(actor, "complaint", "handle", complaint.institution_id):
        raise Forbidden()
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


@transaction.atomic
def take_complaint(*, actor: Actor, complaint: Complaint) -> Complaint:
    """The quality officer takes the complaint in hand (open/escalated -> in progress)."""
    complaint = _lock_complaint(actor, complaint)
    from_status = _move(complaint, ComplaintStatus.IN_PROGRESS)
    complaint.handled_by = actor.user
    complaint.taken_at = clock.now()
    complaint.save(update_fields=["status", "handled_by", "taken_at", "updated_at"])
    audit.record(
        actor=actor.user,
        action="complaint.take",
        object_type="complaint",
        object_id=complaint.pk,
        institution_id=complaint.institution_id,
        changed_fields=["status", "handled_by", "taken_at"],
        details={"from": from_status, "to": complaint.status},
    )
    return complaint


@transaction.atomic
def resolve_complaint(
    *, actor: Actor, complaint: Complaint, outcome: str, upheld: bool = True
) -> Complaint:
    """Close with an outcome: ``resolved`` (upheld) or ``rejected`` (not upheld). The
    person who filed it is told."""
    complaint = _lock_complaint(actor, complaint)
    outcome = _text(outcome, required=True, error=OutcomeRequired)
    to_status = ComplaintStatus.RESOLVED if upheld else ComplaintStatus.REJECTED
    from_status = _move(complaint, to_status)
    complaint.outcome = outcome
    complaint.handled_by = actor.user
    complaint.resolved_at = clock.now()
    complaint.save(update_fields=["status", "outcome", "handled_by", "resolved_at", "updated_at"])
    audit.record(
        actor=actor.user,
        action="complaint.resolve",
        object_type="complaint",
        object_id=complaint.pk,
        institution_id=complaint.institution_id,
        changed_fields=["status", "outcome", "handled_by", "resolved_at"],
        details={"from": from_status, "to": to_status},
    )
    _notify_later(
        complaint.raised_by,
        "quality.complaint.closed",
        _("Your complaint has an outcome"),
        _("Outcome: %(outcome)s"),
        f"/complaints/{complaint.pk}/",
        {"complaint_id": complaint.pk, "status": to_status},
        params={"outcome": outcome},
    )
    return complaint


def escalate_overdue_complaints(*, now: dt.datetime | None = None) -> int:
    """Escalate every open or in-progress complaint past its deadline (the periodic task).
    Each is its own transaction with a conditional update, so a complaint resolved at the
    same moment is left alone. Returns how many were escalated."""
    now = now or clock.now()
    count = 0
    for complaint_id in selectors.overdue_complaints(now=now).values_list("pk", flat=True):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
            if complaint.status not in PENDING_COMPLAINT_STATUSES or complaint.deadline >= now:
                continue
            from_status = _move(complaint, ComplaintStatus.ESCALATED)
            complaint.escalated_at = now
            complaint.save(update_fields=["status", "escalated_at", "updated_at"])
            audit.record(
                actor=None,
                action="complaint.escalate",
                object_type="complaint",
                object_id=complaint.pk,
                institution_id=complaint.institution_id,
                changed_fields=["status", "escalated_at"],
                details={"from": from_status, "deadline": complaint.deadline.isoformat()},
            )
            _tell_officers(
                complaint.institution_id,
                "quality.complaint.escalated",
                _("A complaint is overdue and was escalated"),
                f"/complaints/{complaint.pk}/",
                {"complaint_id": complaint.pk},
                Role.INSTITUTION_ADMIN,
                Role.INSTITUTION_QUALITY,
                severity="warning",
            )
            count += 1
    return count


def rebuild_provider_quality(*, provider_ids: list[int] | None = None) -> int:
    """Recompute ``ProviderQuality`` from the ratings (for bulk writers such as the demo
    seed, which insert ratings without ``rate_visit``). Returns the rows written."""
    from django.db.models import Count, Sum

    ratings = Rating.objects.all()
    if provider_ids is not None:
        ratings = ratings.filter(provider_id__in=provider_ids)
    rows = ratings.values("provider_id").annotate(
        n=Count("id"),
        p=Sum("punctuality"),
        s=Sum("skill"),
        a=Sum("attitude"),
        low=Count(
            "id",
            filter=Q(punctuality__lte=scoring.LOW_SCORE)
            | Q(skill__lte=scoring.LOW_SCORE)
            | Q(attitude__lte=scoring.LOW_SCORE),
        ),
    )
    written = 0
    with transaction.atomic():
        for row in rows:
            tally = scoring.Tally(row["n"], row["p"], row["s"], row["a"])
            ProviderQuality.objects.update_or_create(
                provider_id=row["provider_id"],
                defaults={
                    "rating_count": tally.count,
                    "punctuality_sum": tally.punctuality,
                    "skill_sum": tally.skill,
                    "attitude_sum": tally.attitude,
                    "low_rating_count": row["low"],
                    "score": scoring.score(tally),
                },
            )
            written += 1
    return written
