"""Reads of care plans, their interventions and generated days (ADR 0027)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import NotFound
from doorstep.people.models import Elder

from .. import access
from ..models import (
    CarePlan,
    CarePlanStatus,
    Goal,
    GoalStatus,
    Intervention,
    InterventionStatus,
    OccurrenceStatus,
    PlanOccurrence,
)
from .common import (
    OPEN_VISIT,
)


def plans_of(elder: Elder) -> QuerySet[CarePlan]:
    return (
        CarePlan.objects.filter(elder=elder).select_related("institution", "owner").order_by("-id")
    )


def open_plan(elder: Elder, institution_id: int) -> CarePlan | None:
    return CarePlan.objects.filter(
        elder=elder,
        institution_id=institution_id,
        status__in=[CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE],
    ).first()


def occurrences_of(plan: CarePlan, *, since: dt.date | None = None) -> QuerySet[PlanOccurrence]:
    qs = PlanOccurrence.objects.filter(intervention__plan=plan).select_related(
        "intervention__item", "order"
    )
    if since is not None:
        qs = qs.filter(date__gte=since)
    return qs.order_by("date", "window_start", "id")


def visit_status_by_order(order_ids: Iterable[int]) -> dict[int, str]:
    """The first visit's status per order (care-plan orders have one visit)."""
    from doorstep.orders.models import Visit

    out: dict[int, str] = {}
    for order_id, status in (
        Visit.objects.filter(order_id__in=list(order_ids))
        .order_by("order_id", "seq")
        .values_list("order_id", "status")
    ):
        out.setdefault(order_id, status)
    return out


def access_plan(*, actor: Actor, plan_id: int, part: str = "care_plan") -> CarePlan:
    """A plan whose elder's record the actor may see (404 otherwise; for the elder and
    family a draft too: it is the care team's work in progress); the read audited."""
    plan = (
        CarePlan.objects.select_related("elder", "institution", "owner").filter(pk=plan_id).first()
    )
    if plan is None:
        raise NotFound()
    access.require(actor, plan.elder, "view")
    if plan.status == CarePlanStatus.DRAFT and not access.may(actor, plan.elder, "change"):
        raise NotFound()
    access.record_read(actor, plan.elder, part)
    return plan


def access_intervention(*, actor: Actor, intervention_id: int) -> Intervention:
    row = (
        Intervention.objects.select_related("plan", "plan__elder", "item")
        .filter(pk=intervention_id)
        .first()
    )
    if row is None:
        raise NotFound()
    access.require(actor, row.plan.elder, "view")
    return row


def planned_items(elder_id: int) -> frozenset[str]:
    return frozenset(
        Intervention.objects.filter(
            plan__elder_id=elder_id,
            plan__status__in=[CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE],
            status=InterventionStatus.ACTIVE,
        ).values_list("item__code", flat=True)
    )


def booked_items(elder_id: int, since: dt.datetime) -> frozenset[str]:
    from doorstep.orders.models import Visit

    return frozenset(
        Visit.objects.filter(
            order__elder_id=elder_id, status__in=sorted(OPEN_VISIT), window_start__gte=since
        ).values_list("order__item__code", flat=True)
    )


def preferred_providers(visit_ids: Iterable[int]) -> dict[int, int]:
    """visit id -> the preferred provider of the care-plan intervention that booked it
    (for dispatch's continuity preference, ADR 0027); visits without one are absent."""
    from doorstep.orders.models import Visit

    ids = list(visit_ids)
    by_order = dict(
        PlanOccurrence.objects.filter(
            order__isnull=False, intervention__preferred_provider__isnull=False
        )
        .filter(order__visits__pk__in=ids)
        .values_list("order_id", "intervention__preferred_provider_id")
    )
    return {
        pk: by_order[order_id]
        for pk, order_id in Visit.objects.filter(
            pk__in=ids, order_id__in=list(by_order)
        ).values_list("pk", "order_id")
    }


@dataclass(frozen=True)
class PlanOverview:
    """What the record page shows of one plan: its open or achieved goals, its active
    interventions, its next booked visits and whether its review is due."""

    plan: CarePlan
    goals: list[Goal]
    interventions: list[Intervention]
    next_visits: list[PlanOccurrence]
    review_due: bool


def plan_overviews(
    elder: Elder, *, staff: bool, today: dt.date | None = None, visits: int = 5
) -> list[PlanOverview]:
    """The elder's plans for the record page, newest first. Staff see draft and active
    plans; the elder and family only active ones (a draft is the care team's work in
    progress). Next visits: booked days from today whose visit is still to happen."""
    from doorstep.orders.models import Visit

    day = today or clock.today()
    statuses = [CarePlanStatus.ACTIVE] + ([CarePlanStatus.DRAFT] if staff else [])
    plans = list(
        CarePlan.objects.filter(elder=elder, status__in=statuses)
        .select_related("institution", "owner")
        .order_by("-id")
    )
    if not plans:
        return []
    ids = [p.pk for p in plans]
    goals: dict[int, list[Goal]] = {pk: [] for pk in ids}
    for goal in Goal.objects.filter(plan_id__in=ids).exclude(status=GoalStatus.DROPPED):
        goals[goal.plan_id].append(goal)
    interventions: dict[int, list[Intervention]] = {pk: [] for pk in ids}
    for row in (
        Intervention.objects.filter(plan_id__in=ids, status=InterventionStatus.ACTIVE)
        .select_related("item")
        .order_by("id")
    ):
        interventions[row.plan_id].append(row)
    gone = Visit.objects.filter(order_id=OuterRef("order_id")).exclude(
        status__in=sorted(OPEN_VISIT)
    )
    out = []
    for plan in plans:
        upcoming = list(
            PlanOccurrence.objects.filter(
                intervention__plan=plan, status=OccurrenceStatus.BOOKED, date__gte=day
            )
            .exclude(Exists(gone))
            .select_related("intervention__item")
            .order_by("window_start", "id")[:visits]
        )
        out.append(
            PlanOverview(
                plan=plan,
                goals=sorted(goals[plan.pk], key=lambda g: g.pk),
                interventions=interventions[plan.pk],
                next_visits=upcoming,
                review_due=plan.status == CarePlanStatus.ACTIVE and plan.review_date <= day,
            )
        )
    return out
