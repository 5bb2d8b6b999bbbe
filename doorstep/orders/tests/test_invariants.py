"""The orders invariants of ``check_invariants``: clean after the services, and each
violation (rows written directly, as a buggy import would) is reported by id."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.demo import invariants as registry
from doorstep.orders import selectors, services
from doorstep.orders.models import Order, Visit

from .conftest import GOOD_VALUES, HOME, assigned, fresh, in_service

pytestmark = pytest.mark.django_db
NAMES = ["no_overlapping_visits", "order_price_locked", "completed_visit_evidence"]


def findings() -> list[str]:
    return [str(f) for f in registry.run(NAMES)]


def test_registered_through_check_modules() -> None:
    assert "doorstep.orders.invariants" in registry.CHECK_MODULES
    registry.run([])  # imports the module
    assert set(NAMES) <= set(registry.REGISTRY)


def test_clean_after_a_full_visit(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    assert findings() == []


def test_each_violation_is_reported(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    first = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    # a second visit forced onto the same nurse 15 minutes later, and marked completed
    # without any check or record; its order lost its price lines
    order = Order.objects.get(pk=first.order_id)
    clone = Visit.objects.create(
        order=order,
        seq=2,
        status="completed",
        # booked 15 minutes into the first one: even at the end of its 30-minute arrival
        # window (ADR 0037) it would begin before the first one ends
        window_start=first.window_start + dt.timedelta(minutes=15),
        window_end=first.window_end + dt.timedelta(minutes=15),
        duration_minutes=60,
        price_fen=0,
        provider=providers.nurse,
        region=first.region,
    )
    Order.objects.filter(pk=order.pk).update(price_lines=[])
    assert findings() == [
        f"[no_overlapping_visits] provider {providers.nurse.pk}: visits {first.pk} and "
        f"{clone.pk} overlap",
        f"[order_price_locked] order {order.pk} has no locked price",
        f"[completed_visit_evidence] completed visit {clone.pk} lacks check-in, check-out, record",
    ]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "open"),
        (["awaiting_dispatch"], "open"),
        (["completed", "assigned"], "open"),
        (["completed", "reviewed"], "completed"),
        (["completed", "cancelled"], "completed"),
        (["cancelled", "cancelled"], "cancelled"),
        (["rejected"], "rejected"),
        (["no_show", "aborted"], "closed"),
    ],
)
def test_order_status_is_derived_from_visits(statuses: list[str], expected: str) -> None:
    assert selectors.order_status(statuses) == expected
