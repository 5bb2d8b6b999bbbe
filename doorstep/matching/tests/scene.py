"""Objects of the matching app for the access matrix (``tests/test_access_matrix.py``).

Built on the orders scene (its bathing item and verified caregiver_zhao), on the real
clock: ``offer_id`` is a pending offer to the caregiver of a second bathing visit of
王秀英 four days ahead (awaiting dispatch; the offer row is written directly, set-up only:
the caregiver has no home base, so the ranking would not pick her); ``exclusion_id``:
王秀英 excludes nurse_chen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from doorstep.accounts.policy import Actor
from doorstep.catalog.models import ServiceItem
from doorstep.core import clock
from doorstep.matching.models import Exclusion, Offer
from doorstep.orders import services
from doorstep.workforce.models import Provider


def build(
    *, world: Any, personas: Any, elder: Any, nurse: Provider, ids: dict[str, int]
) -> dict[str, int]:
    item = ServiceItem.objects.get(pk=ids["orders_item_id"])
    elder_actor = Actor.of(personas.elder)
    order = services.place_order(
        actor=elder_actor,
        elder=elder,
        institution=world.inst_a,
        item=item,
        window_start=clock.now().replace(microsecond=0) + dt.timedelta(days=4),
    )
    visit = order.visits.get()
    if visit.status == "awaiting_assessment" and visit.assessment is not None:
        services.review_assessment(
            actor=Actor.of(personas.reviewer), assessment=visit.assessment, decision="accepted"
        )
        visit.refresh_from_db()
    if visit.status == "awaiting_payment":
        services.confirm_payment(actor=elder_actor, order=order, method="card")
        visit.refresh_from_db()
    assert visit.status == "awaiting_dispatch", visit.status
    now = clock.now()
    offer = Offer.objects.create(
        visit=visit,
        provider_id=ids["orders_caregiver_id"],
        attempt=1,
        score=0.5,
        eta_minutes=10.0,
        offered_by=personas.dispatcher,
        offered_at=now,
        expires_at=now + dt.timedelta(days=1),
    )
    exclusion = Exclusion.objects.create(
        elder=elder, provider=nurse, reason="x", created_by=personas.elder, created_at=now
    )
    return {"offer_id": offer.pk, "exclusion_id": exclusion.pk}
