"""The quality decisions enforced by the orders services for real (no monkeypatching):
a blacklisted patient cannot book, a suspended provider cannot be assigned or take pool
visits, and a visit completed through the whole loop is rated and becomes ``reviewed``.

Uses the orders test fixtures (frozen clock, catalogue, verified providers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.orders import errors as order_errors
from doorstep.orders import services as orders
from doorstep.orders.tests.conftest import (  # noqa: F401
    HOME,
    catalog,
    dispatchable,
    fresh,
    frozen,
    in_service,
    place,
    providers,
    today,
)
from doorstep.quality import services
from doorstep.quality.models import ProviderQuality

pytestmark = pytest.mark.django_db


def test_blacklisted_patient_cannot_book_until_lifted(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,  # noqa: F811
    frozen: Any,  # noqa: F811
    officers: Any,
) -> None:
    entry = services.blacklist_patient(
        actor=Actor.of(officers.qo_a),
        institution=world.inst_a,
        elder=elder_a,
        reason="多次威胁护士",
        review_date=dt.date(2026, 12, 1),
    )
    with pytest.raises(order_errors.BookingBlocked) as exc:
        place(personas.elder, elder_a, world.inst_a, catalog.companion)
    assert exc.value.details == {"reason": "patient_blacklisted"}
    services.lift_blacklist(actor=Actor.of(officers.qo_a), entry=entry)
    assert place(personas.elder, elder_a, world.inst_a, catalog.companion).pk


def test_suspended_provider_cannot_be_assigned_or_take_pool_visits(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,  # noqa: F811
    providers: Any,  # noqa: F811
    officers: Any,
) -> None:
    services.sanction_provider(
        actor=Actor.of(officers.qo_a), provider=providers.nurse, kind="suspension", reason="x"
    )
    visit = dispatchable(personas, world, elder_a, catalog.companion)
    with pytest.raises(order_errors.ProviderNotEligible) as exc:
        orders.assign_provider(
            actor=Actor.of(personas.dispatcher), visit=visit, provider=providers.nurse
        )
    assert "provider_suspended" in [r["code"] for r in exc.value.details["reasons"]]
    orders.publish_to_pool(actor=Actor.of(personas.dispatcher), visit=fresh(visit))
    with pytest.raises(order_errors.ProviderNotEligible):
        orders.accept_from_pool(actor=Actor.of(personas.nurse), visit=fresh(visit))
    assert fresh(visit).provider_id is None


def test_whole_loop_then_rating(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,  # noqa: F811
    providers: Any,  # noqa: F811
    frozen: Any,  # noqa: F811
) -> None:
    visit = in_service(personas, world, elder_a, catalog.companion, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    orders.submit_record(actor=nurse, visit=fresh(visit), values={"mood": "good"})
    orders.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    assert fresh(visit).status == "completed"
    services.rate_visit(
        actor=Actor.of(personas.elder), visit=fresh(visit), punctuality=5, skill=5, attitude=4
    )
    assert fresh(visit).status == "reviewed"
    # (40 + 14/3) / 11 = 4.0606...
    assert ProviderQuality.objects.get(provider=providers.nurse).score == 4.061
