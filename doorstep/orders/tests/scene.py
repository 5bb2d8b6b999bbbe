"""Objects of the orders app for the access matrix (``tests/test_access_matrix.py``).

Built through the services on the real clock. ``caregiver_zhao`` (verified here) is the
assigned provider, so nurse_chen's own verification state (a draft the provider routes
rely on) is untouched:

* ``order_id``: a bathing-help order of 王秀英 with institution A, three days ahead,
  assessed (``assessment_id``), prepaid and assigned to the caregiver;
* ``correction_id``: a pending check-out correction on a second, completed visit, whose
  window is then moved ten days back (set-up only) so the caregiver holds no current
  record access to 王秀英.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from doorstep.accounts.policy import Actor
from doorstep.catalog.models import Offering, ServiceCategory, ServiceItem
from doorstep.core import clock
from doorstep.orders import services
from doorstep.orders.models import CheckEvent, Order, Visit
from doorstep.workforce.models import Provider


def build(*, world: Any, personas: Any, elder: Any, caregiver: Provider) -> dict[str, int]:
    Provider.objects.filter(pk=caregiver.pk).update(verification_status="verified")
    caregiver.refresh_from_db()
    category = ServiceCategory.objects.create(
        code="matrix-daily", name_zh="生活照料", name_en="Daily care", group="daily_life"
    )
    item = ServiceItem.objects.create(
        code="matrix_bathing",
        category=category,
        name_zh="助浴",
        name_en="Bathing help",
        provider_kinds=["caregiver", "nurse"],
        eligibility_preset="daily_care",
        duration_minutes=60,
        requires_assessment=True,
        assessment_validity_days=90,
        documentation_template=[
            {
                "key": "skin_ok",
                "label_zh": "皮肤完好",
                "label_en": "Skin intact",
                "type": "bool",
                "required": True,
            }
        ],
        base_price_fen=8000,
    )
    Offering.objects.create(
        institution=world.inst_a, item=item, region=world.district1, price_fen=8000
    )
    elder_actor, reviewer = Actor.of(personas.elder), Actor.of(personas.reviewer)
    dispatcher, worker = Actor.of(personas.dispatcher), Actor.of(personas.caregiver)
    base = clock.now().replace(microsecond=0)

    def booked(start: dt.datetime) -> Visit:
        order = services.place_order(
            actor=elder_actor,
            elder=elder,
            institution=world.inst_a,
            item=item,
            window_start=start,
        )
        visit = order.visits.get()
        assessment = visit.assessment
        assert assessment is not None
        services.review_assessment(actor=reviewer, assessment=assessment, decision="accepted")
        services.confirm_payment(actor=elder_actor, order=order, method="card")
        services.assign_provider(actor=dispatcher, visit=visit, provider=caregiver)
        return Visit.objects.select_related("order").get(pk=visit.pk)

    first = booked(base + dt.timedelta(days=3))
    done = booked(base + dt.timedelta(minutes=5))
    services.start_travel(actor=worker, visit=done)
    services.check_in(actor=worker, visit=done, lat=done.lat, lng=done.lng)  # type: ignore[arg-type]
    services.start_service(actor=worker, visit=done)
    services.submit_record(actor=worker, visit=done, values={"skin_ok": True})
    services.check_out(actor=worker, visit=done, lat=done.lat, lng=done.lng)  # type: ignore[arg-type]
    correction = services.request_correction(
        actor=worker,
        visit=done,
        field="check_out_at",
        proposed_value=clock.now() - dt.timedelta(minutes=1),
        reason="No signal when I left.",
    )
    back = dt.timedelta(days=10)
    Visit.objects.filter(pk=done.pk).update(
        window_start=done.window_start - back, window_end=done.window_end - back
    )
    for check in CheckEvent.objects.filter(visit=done):
        CheckEvent.objects.filter(pk=check.pk).update(at=check.at - back)
    Order.objects.filter(pk=done.order_id).update(created_at=done.order.created_at - back)
    return {
        "order_id": first.order_id,
        "assessment_id": first.assessment_id or 0,
        "correction_id": correction.pk,
        "orders_item_id": item.pk,
        "orders_caregiver_id": caregiver.pk,
    }
