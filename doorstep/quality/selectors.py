"""Reads of the quality app. ``booking_block_reason`` and ``assignment_block_reason`` are
called by the orders app (lazily imported) before it books or assigns (ADR 0014)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from doorstep.core import clock, sql

from . import scoring
from .enums import PENDING_COMPLAINT_STATUSES, BlacklistStatus, SanctionKind, SanctionStatus
from .models import BlacklistEntry, Complaint, ProviderQuality, ProviderSanction, QualityReview

#: Stable codes returned by the block-reason selectors (and used as error codes by orders).
PATIENT_BLACKLISTED = "patient_blacklisted"
PROVIDER_SUSPENDED = "provider_suspended"
PROVIDER_REMOVED = "provider_removed"


def _pk(obj: Any) -> int:
    return int(getattr(obj, "pk", obj))


def booking_block_reason(elder: Any, institution: Any) -> str | None:
    """``"patient_blacklisted"`` when ``institution`` has an active blacklist entry for
    ``elder`` (model instances or ids), else ``None``."""
    blocked = BlacklistEntry.objects.filter(
        elder_id=_pk(elder), institution_id=_pk(institution), status=BlacklistStatus.ACTIVE
    ).exists()
    return PATIENT_BLACKLISTED if blocked else None


def in_force_q(at: dt.datetime) -> Q:
    """Active sanctions that have started and not ended at ``at``."""
    return Q(status=SanctionStatus.ACTIVE, starts_at__lte=at) & (
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )


def assignment_block_reason(provider: Any, *, at: dt.datetime | None = None) -> str | None:
    """``"provider_removed"`` or ``"provider_suspended"`` when a removal or suspension is
    in force for ``provider`` (instance or id) at ``at`` (default now), else ``None``.
    Warnings never block."""
    kinds = set(
        ProviderSanction.objects.filter(in_force_q(at or clock.now()), provider_id=_pk(provider))
        .filter(kind__in=[SanctionKind.SUSPENSION, SanctionKind.REMOVAL])
        .values_list("kind", flat=True)
    )
    if SanctionKind.REMOVAL in kinds:
        return PROVIDER_REMOVED
    if SanctionKind.SUSPENSION in kinds:
        return PROVIDER_SUSPENDED
    return None


def blocked_provider_ids(*, at: dt.datetime | None = None) -> QuerySet[ProviderSanction, Any]:
    """Provider ids with a suspension or removal in force: for excluding them from pool
    and assignment querysets in one query (``.exclude(pk__in=...)``)."""
    return (
        ProviderSanction.objects.filter(in_force_q(at or clock.now()))
        .filter(kind__in=[SanctionKind.SUSPENSION, SanctionKind.REMOVAL])
        .values("provider_id")
    )


def blocked_provider_ids_sql(*, at: dt.datetime) -> tuple[str, list[Any]]:
    """``blocked_provider_ids`` as SQL text and parameters for a hand-written statement
    (``matching.ranking``): the text is the same at every call, so the statement around it
    can be prepared (ADR 0036); ``test_selectors`` checks both give the same providers."""
    qn = connection.ops.quote_name
    kinds, kind_params = sql.in_list(
        qn("kind"), [str(SanctionKind.SUSPENSION), str(SanctionKind.REMOVAL)]
    )
    adapt = connection.ops.adapt_datetimefield_value
    text = (
        f"SELECT {qn('provider_id')} FROM {qn(ProviderSanction._meta.db_table)} "  # noqa: S608
        f"WHERE {qn('status')} = %s AND {qn('starts_at')} <= %s "
        f"AND ({qn('ends_at')} IS NULL OR {qn('ends_at')} > %s) AND {kinds}"
    )
    return text, [str(SanctionStatus.ACTIVE), adapt(at), adapt(at), *kind_params]


def blacklist_of(institution_id: int, *, status: str | None = None) -> QuerySet[BlacklistEntry]:
    qs = BlacklistEntry.objects.filter(institution_id=institution_id).select_related("elder")
    return qs.filter(status=status) if status else qs


def blacklist_due_for_review(
    institution_id: int, *, on: dt.date | None = None
) -> QuerySet[BlacklistEntry]:
    """Active entries whose review date has come."""
    return blacklist_of(institution_id, status=BlacklistStatus.ACTIVE).filter(
        review_date__lte=on or clock.today()
    )


def sanctions_of(qs: QuerySet[ProviderSanction], provider_id: int) -> QuerySet[ProviderSanction]:
    return qs.filter(provider_id=provider_id).select_related("decided_by", "lifted_by")


def quality_of(provider_id: int) -> dict[str, Any]:
    """Score and counts of a provider (the prior when nobody has rated them yet)."""
    row = ProviderQuality.objects.filter(provider_id=provider_id).first()
    tally = (
        scoring.Tally(row.rating_count, row.punctuality_sum, row.skill_sum, row.attitude_sum)
        if row
        else scoring.Tally()
    )
    n = tally.count
    return {
        "provider_id": provider_id,
        "score": scoring.score(tally),
        "rating_count": n,
        "low_rating_count": row.low_rating_count if row else 0,
        "punctuality": scoring.dimension_score(tally.punctuality, n),
        "skill": scoring.dimension_score(tally.skill, n),
        "attitude": scoring.dimension_score(tally.attitude, n),
        "prior_mean": scoring.PRIOR_MEAN,
        "prior_weight": scoring.PRIOR_WEIGHT,
    }


def overdue_complaints(*, now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """Open or in-progress complaints past their deadline, oldest deadline first."""
    return Complaint.objects.filter(
        status__in=sorted(PENDING_COMPLAINT_STATUSES), deadline__lt=now or clock.now()
    ).order_by("deadline", "id")


def complaints_visible_to(actor: Any) -> QuerySet[Complaint]:
    from . import access

    return access.scoped(
        Complaint.objects.select_related("institution", "order", "visit"),
        actor,
        "complaint",
        "view",
        provider=None,
    )


def reviews_visible_to(actor: Any) -> QuerySet[QualityReview]:
    from . import access

    return access.scoped(
        QualityReview.objects.select_related("provider__user"),
        actor,
        "quality_review",
        "view",
        elder=None,
    )


def is_overdue(complaint: Complaint, *, now: dt.datetime | None = None) -> bool:
    return complaint.status in PENDING_COMPLAINT_STATUSES and complaint.deadline < (
        now or clock.now()
    )


def complaint_list(
    *,
    actor: Any,
    status: str | None = None,
    institution_id: int | None = None,
    overdue: bool | None = None,
) -> QuerySet[Complaint]:
    qs = complaints_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    if overdue is not None:
        late = Q(status__in=sorted(PENDING_COMPLAINT_STATUSES), deadline__lt=clock.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    return qs.order_by("deadline", "id")


def sanction_in_force(sanction: ProviderSanction, *, at: dt.datetime | None = None) -> bool:
    at = at or clock.now()
    return (
        sanction.status == SanctionStatus.ACTIVE
        and sanction.starts_at <= at
        and (sanction.ends_at is None or sanction.ends_at > at)
    )
