"""Objects of the care plans for the access matrix (ADR 0027): an active plan of 王秀英
with institution A (by its nurse) with one weekly intervention on the orders scene's
bathing item, and an open Braden proposal whose acceptance adds prevention visits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from doorstep.accounts.policy import Actor
from doorstep.catalog.models import ServiceCategory, ServiceItem
from doorstep.health import careplans, proposals, services

BRADEN_11 = {
    "sensory_perception": 2,
    "moisture": 2,
    "activity": 2,
    "mobility": 2,
    "nutrition": 2,
    "friction_shear": 1,
}


def build(*, personas: Any, elder: Any) -> dict[str, int]:
    nurse = Actor.of(personas.nurse)
    category = ServiceCategory.objects.filter(code="matrix-daily").first()
    if category is None:
        category = ServiceCategory.objects.create(
            code="matrix-daily", name_zh="生活照料", name_en="Daily care", group="daily_life"
        )
    ServiceItem.objects.get_or_create(
        code="turning_care",
        defaults={
            "category": category,
            "name_zh": "翻身拍背",
            "name_en": "Turning and back patting",
            "provider_kinds": ["caregiver", "nurse"],
            "duration_minutes": 20,
            "base_price_fen": 4000,
        },
    )
    plan = careplans.create_plan(actor=nurse, elder=elder, title="Matrix plan")
    intervention = careplans.add_intervention(
        actor=nurse,
        plan=plan,
        item_code="matrix_bathing",
        frequency_kind="weekly",
        weekdays=[3],
        time_from=dt.time(10, 0),
    )
    careplans.activate_plan(actor=nurse, plan=plan)
    services.submit_assessment(actor=nurse, elder=elder, instrument="braden", answers=BRADEN_11)
    proposal = next(p for p in proposals.evaluate_elder(elder=elder) if p.rule == "braden_low")
    return {
        "plan_id": plan.pk,
        "intervention_id": intervention.pk,
        "proposal_id": proposal.pk,
    }
