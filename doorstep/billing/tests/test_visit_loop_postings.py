"""The visit loop posts to the ledger as it goes (ADR 0021): placing an order, paying,
completing, cancelling with a fee, rejecting. After each step every entry balances and the
running balances equal the lines; the amounts are checked by hand.

Fixtures are the orders tests' (frozen clock at Monday 15 June 2026 08:00 Ningbo,
institution A prepays, the wound-dressing item, 王秀英 at home)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.billing import selectors
from doorstep.billing.models import Account, JournalEntry
from doorstep.orders import services
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import (
    GOOD_VALUES,
    HOME,
    assessment_of,
    dispatchable,
    fresh,
    in_service,
)
from doorstep.organizations.models import Contract
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(world: Any) -> Contract:
    return Contract.objects.create(
        institution=world.inst_a,
        effective_from=dt.date(2026, 1, 1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )


def balances() -> dict[str, int]:
    return {c: b for c, b in Account.objects.values_list("code", "balance_fen") if b}


def entries(order_id: int) -> list[tuple[str, str, list[tuple[str, int]]]]:
    return [
        (e.event, e.key, sorted(e.lines.values_list("account__code", "amount_fen")))
        for e in JournalEntry.objects.filter(order_id=order_id).order_by("id")
    ]


def test_prepaid_visit_from_order_to_completion(
    personas, world, elder_a, catalog, providers, frozen, contract
):
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    order = visit.order
    price = order.total_fen
    assert price == visit.price_fen > 0
    e, inst, prov = elder_a.pk, world.inst_a.pk, providers.nurse.pk
    payment = order.payments.get()
    # placed and paid: the patient owed the total and paid it by card
    assert entries(order.pk) == [
        (
            "order_placed",
            f"order:{order.pk}",
            [(f"deferred:{inst}", -price), (f"patient:{e}", price)],
        ),
        (
            "payment_captured",
            f"payment:{payment.pk}",
            [("clearing:card", price), (f"patient:{e}", -price)],
        ),
    ]
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    platform = price * 1000 // 10000
    provider = price * 6000 // 10000
    institution = price - platform - provider
    assert entries(order.pk)[-1] == (
        "visit_completed",
        f"visit:{visit.pk}",
        sorted(
            [
                (f"deferred:{inst}", price),
                ("platform", -platform),
                (f"institution:{inst}", -institution),
                (f"provider:{prov}", -provider),
            ]
        ),
    )
    assert balances() == {
        "clearing:card": price,
        "platform": -platform,
        f"institution:{inst}": -institution,
        f"provider:{prov}": -provider,
    }
    assert selectors.check().ok


def test_patient_cancels_en_route_and_owes_the_fee(
    personas, world, elder_a, catalog, providers, frozen, contract
):
    visit = dispatchable(personas, world, elder_a, catalog.dressing)
    services.assign_provider(
        actor=Actor.of(personas.dispatcher), visit=visit, provider=providers.nurse
    )
    services.start_travel(actor=Actor.of(personas.nurse), visit=fresh(visit))
    (cancelled,) = services.cancel(
        actor=Actor.of(personas.elder), order=visit.order, reason="Feeling better"
    )
    fee = cancelled.cancellation_fee_fen
    price = visit.price_fen
    assert fee == min(price * 3000 // 10000, 5000) > 0
    e, inst, prov = elder_a.pk, world.inst_a.pk, providers.nurse.pk
    released, charged = entries(visit.order_id)[-2:]
    assert released == (
        "visit_cancelled",
        f"visit:{visit.pk}",
        [(f"deferred:{inst}", price), (f"patient:{e}", -price)],
    )
    platform, provider = fee * 1000 // 10000, fee * 6000 // 10000
    assert charged == (
        "cancellation_fee",
        f"visit:{visit.pk}",
        sorted(
            [
                (f"patient:{e}", fee),
                ("platform", -platform),
                (f"institution:{inst}", -(fee - platform - provider)),
                (f"provider:{prov}", -provider),
            ]
        ),
    )
    # Prepaid the whole price, owes the fee: the platform holds price - fee for a refund.
    assert balances()[f"patient:{e}"] == -(price - fee)
    assert f"deferred:{inst}" not in balances()
    assert selectors.check().ok


def test_rejected_request_releases_what_was_owed(personas, world, elder_a, catalog, frozen):
    order = services.place_order(
        actor=Actor.of(personas.elder),
        elder=elder_a,
        institution=world.inst_a,
        item=catalog.dressing,
        window_start=frozen.now + dt.timedelta(hours=2),
    )
    visit = order.visits.get()
    assert visit.status == "awaiting_assessment"
    services.review_assessment(
        actor=Actor.of(personas.reviewer),
        assessment=assessment_of(visit),
        decision="rejected",
        notes="Needs a hospital visit instead",
    )
    assert [x[0] for x in entries(order.pk)] == ["order_placed", "visit_cancelled"]
    assert balances() == {}
    assert selectors.check().ok


def test_no_contract_means_the_institution_is_owed_everything(
    personas, world, elder_a, catalog, providers, frozen
):
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    inst = world.inst_a.pk
    assert entries(visit.order_id)[-1][2] == [
        (f"deferred:{inst}", visit.price_fen),
        (f"institution:{inst}", -visit.price_fen),
    ]
