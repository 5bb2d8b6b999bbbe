"""Generating a plan's visit orders on the rolling horizon (ADR 0027).

Each planned day is one ``PlanOccurrence`` row, fetched or created under
``select_for_update`` in the transaction that places its order through
``orders.services.place_order``: running twice, or twice at once, books each day once.
A refusal is stored on the day as ``skipped`` with its code and retried by the next run."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import ApplicationError

from .. import frequency
from ..models import (
    CarePlan,
    CarePlanStatus,
    Intervention,
    InterventionStatus,
    OccurrenceStatus,
    PlanOccurrence,
)
from .common import (
    AWAITING_ASSESSMENT_CODE,
    PlanState,
    _audit,
    booking_actor,
    freq_of,
    horizon_days,
    local_start,
    require_change,
)
from .editing import end_plan

logger = logging.getLogger("doorstep.health.careplans")


@dataclass
class GenerationResult:
    plan_id: int
    booked: int = 0
    skipped: int = 0
    unchanged: int = 0
    through: dt.date | None = None
    codes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "booked": self.booked,
            "skipped": self.skipped,
            "unchanged": self.unchanged,
            "through": self.through.isoformat() if self.through else None,
            "codes": dict(self.codes),
        }


def planned_days(
    intervention: Intervention, plan: CarePlan, *, first: dt.date, last: dt.date
) -> list[dt.date]:
    """The days of ``intervention`` from ``first`` to ``last`` within the plan's and the
    intervention's dates."""
    ends = [d for d in (last, plan.end_date, intervention.end_date) if d is not None]
    return list(
        frequency.dates(
            freq_of(intervention),
            anchor=intervention.start_date,
            start=max(first, plan.start_date),
            end=min(ends),
        )
    )


def _waiting_for_assessment(plan: CarePlan, item: Any, day: dt.date) -> bool:
    """The item needs a first-visit assessment, none valid on ``day`` exists and one is
    already requested: book the rest once it is decided (one request, not one a day)."""
    if not item.requires_assessment:
        return False
    from doorstep.orders.enums import AssessmentDecision
    from doorstep.orders.models import Assessment
    from doorstep.orders.services import valid_assessment

    if valid_assessment(
        elder=plan.elder, institution_id=plan.institution_id, category_id=item.category_id, on=day
    ):
        return False
    return Assessment.objects.filter(
        elder_id=plan.elder_id,
        institution_id=plan.institution_id,
        category_id=item.category_id,
        decision=AssessmentDecision.PENDING,
    ).exists()


def _book(
    plan: CarePlan, intervention: Intervention, day: dt.date, user: Any
) -> tuple[str, Any, str, dict[str, Any]]:
    """Place the order of one day: (status, order, error code, details)."""
    from doorstep.orders.enums import Channel
    from doorstep.orders.services import place_order

    if _waiting_for_assessment(plan, intervention.item, day):
        return OccurrenceStatus.SKIPPED, None, AWAITING_ASSESSMENT_CODE, {}
    need = intervention.note or ""
    try:
        with transaction.atomic():
            order = place_order(
                actor=booking_actor(plan.institution_id, user),
                elder=plan.elder,
                institution=plan.institution,
                item=intervention.item,
                window_start=local_start(day, intervention.time_from),
                channel=Channel.CARE_PLAN,
                need_text=f"{plan.title}: {need}".strip().rstrip(":")[:500],
            )
    except ApplicationError as exc:
        return OccurrenceStatus.SKIPPED, None, exc.code, dict(exc.details or {})
    return OccurrenceStatus.BOOKED, order, "", {}


def _generate_day(
    plan: CarePlan, intervention: Intervention, day: dt.date, user: Any, result: GenerationResult
) -> None:
    now = clock.now()
    with transaction.atomic():
        occ, created = PlanOccurrence.objects.select_for_update().get_or_create(
            intervention=intervention,
            date=day,
            defaults={
                "window_start": local_start(day, intervention.time_from),
                "status": OccurrenceStatus.SKIPPED,
                "error_code": "pending",
                "created_at": now,
                "updated_at": now,
            },
        )
        if not created and occ.status != OccurrenceStatus.SKIPPED:
            result.unchanged += 1
            return
        status, order, code, details = _book(plan, intervention, day, user)
        occ.status, occ.order, occ.error_code, occ.error_details = status, order, code, details
        occ.window_start = local_start(day, intervention.time_from)
        occ.attempts += 1
        occ.updated_at = now
        occ.save()
    if status == OccurrenceStatus.BOOKED:
        result.booked += 1
    else:
        result.skipped += 1
        result.codes[code] = result.codes.get(code, 0) + 1


def _generate(plan: CarePlan, user: Any, today: dt.date | None = None) -> GenerationResult:
    day0 = today or clock.today()
    first = day0 + dt.timedelta(days=1)
    last = day0 + dt.timedelta(days=horizon_days(plan))
    result = GenerationResult(plan_id=plan.pk, through=last)
    interventions = list(
        plan.interventions.filter(status=InterventionStatus.ACTIVE)
        .select_related("item")
        .order_by("id")
    )
    for intervention in interventions:
        for day in planned_days(intervention, plan, first=first, last=last):
            _generate_day(plan, intervention, day, user, result)
    CarePlan.objects.filter(pk=plan.pk).update(generated_through=last)
    plan.generated_through = last
    return result


def generate_plan(*, actor: Actor, plan: CarePlan) -> GenerationResult:
    """Book the plan's visits for the horizon now ("generate"); idempotent."""
    row = CarePlan.objects.select_related("elder", "institution").get(pk=plan.pk)
    require_change(actor, row)
    if row.status != CarePlanStatus.ACTIVE:
        raise PlanState(details={"status": row.status})
    result = _generate(row, actor.user)
    _audit(actor, "generate", row, [], **result.as_dict())
    return result


def generate_one(plan: CarePlan) -> GenerationResult:
    """One active plan's horizon as the daily job books it (the management command)."""
    result = _generate(plan, plan.activated_by or plan.owner)
    _audit(None, "generate", plan, [], **result.as_dict())
    return result


def generate_due(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: end active plans past their end date (cancelling what is left),
    then generate every active plan's horizon, as the clinician who activated it. One
    plan's failure is logged and does not stop the others."""
    day = today or clock.today()
    totals = {"plans": 0, "ended": 0, "booked": 0, "skipped": 0, "failed": 0}
    for plan in CarePlan.objects.filter(status=CarePlanStatus.ACTIVE, end_date__lt=day).order_by(
        "id"
    ):
        end_plan(actor=None, plan=plan, reason="end date reached / 已到结束日期")
        totals["ended"] += 1
    plans = CarePlan.objects.filter(status=CarePlanStatus.ACTIVE).select_related(
        "elder", "institution"
    )
    for plan in plans.order_by("id"):
        try:
            result = _generate(plan, plan.activated_by or plan.owner, day)
        except Exception:  # one plan must not stop the run
            logger.exception("care plan %s: generation failed", plan.pk)
            totals["failed"] += 1
            continue
        _audit(None, "generate", plan, [], **result.as_dict())
        totals["plans"] += 1
        totals["booked"] += result.booked
        totals["skipped"] += result.skipped
    return totals
