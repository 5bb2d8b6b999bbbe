"""Cancelling a plan's generated visits that have not started (ADR 0027)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from doorstep.core import clock
from doorstep.core.errors import ApplicationError

from ..models import (
    CarePlan,
    OccurrenceStatus,
    PlanOccurrence,
)
from .common import (
    NOT_STARTED,
    booking_actor,
)


def _cancel_occurrences(
    occurrences: QuerySet[PlanOccurrence], *, plan: CarePlan, user: Any, reason: str
) -> int:
    """Cancel the given occurrences' visits that have not started (institution side,
    through ``orders.services.cancel``) and mark the occurrences cancelled; a visit that
    has started stays (its occurrence stays booked). Returns the visits cancelled."""
    from doorstep.orders.models import Visit
    from doorstep.orders.services import cancel

    actor = booking_actor(plan.institution_id, user)
    count = 0
    rows = list(
        occurrences.select_for_update(of=("self",))
        .filter(status__in=[OccurrenceStatus.BOOKED, OccurrenceStatus.SKIPPED])
        .select_related("order")
        .order_by("date", "id")
    )
    for occ in rows:
        started = False
        order = occ.order
        if order is not None:
            for visit in Visit.objects.filter(order=order).order_by("seq"):
                if visit.status not in NOT_STARTED:
                    started = started or visit.status not in {"cancelled", "rejected"}
                    continue
                try:
                    with transaction.atomic():
                        cancel(actor=actor, order=order, visit=visit, reason=reason[:250])
                    count += 1
                except ApplicationError as exc:  # moved on meanwhile
                    started = True
                    occ.error_details = {**occ.error_details, "cancel_error": exc.code}
        if started:
            occ.save(update_fields=["error_details"])
            continue
        occ.status = OccurrenceStatus.CANCELLED
        occ.updated_at = clock.now()
        occ.save(update_fields=["status", "updated_at", "error_details"])
    return count
