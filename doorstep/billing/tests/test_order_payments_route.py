"""The older ``POST /orders/{id}/payments`` goes through ``billing.payments`` (ADR 0029):
a charge with an idempotency key (sent or derived), one ledger posting, nothing for the
reconciliation to flag. And the placement hot path reads no visit when a priced order has
no payer split (``_skip_payment_when_nothing_due``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.accounts.policy import Actor
from doorstep.billing import payments, reconciliation, selectors
from doorstep.billing.models import Charge, JournalEntry
from doorstep.billing.payments import derived_key
from doorstep.billing.statements import Period
from doorstep.orders.models import Payment
from doorstep.orders.services import booking
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import first_visit, place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .payer_scene import insure, publish_ningbo_rules
from .test_concurrency import race

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


def path(order: Any) -> str:
    return f"/api/v1/orders/{order.pk}/payments"


def state() -> tuple[int, int, int]:
    return Charge.objects.count(), Payment.objects.count(), JournalEntry.objects.count()


@pytest.fixture
def order(personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any) -> Any:
    o = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    assert first_visit(o).status == "awaiting_payment"
    return o


def test_without_a_key_the_payment_gets_a_charge_and_a_derived_key(api_as, personas, order):
    """Given a prepaid order, when the elder records a card payment on the older route
    without a key, then one captured charge with the derived key backs the payment, the
    ledger has one payment entry, and the reconciliation finds nothing."""
    r = api_as(personas.elder).post(path(order), {"method": "card", "receipt_no": "C-1"})
    assert r.status_code == 201, r.content
    body = r.json()
    charge = Charge.objects.get()
    assert body["charge_id"] == charge.pk
    assert body["replayed"] is False
    assert body["amount_fen"] == order.total_fen
    visit = first_visit(order)
    assert charge.idempotency_key == derived_key(order.pk, [visit.pk])
    assert (charge.status, charge.channel, charge.order_payment_id) == (
        "captured",
        "card",
        body["id"],
    )
    assert visit.status == "awaiting_dispatch"
    assert JournalEntry.objects.filter(event="payment_captured").count() == 1
    # once paid, a repeat without a key is refused as before and changes nothing
    before = state()
    again = api_as(personas.elder).post(path(order), {"method": "card", "receipt_no": "C-1"})
    assert (again.status_code, again.json()["code"]) == (409, "payment_not_due")
    assert state() == before
    month = Period.month(order.created_at.strftime("%Y-%m"))
    report = reconciliation.reconcile(month)
    assert report.mismatches == []
    assert report.ok


def test_with_a_key_a_repeat_replays_and_another_amount_is_refused(api_as, personas, order):
    api = api_as(personas.elder)
    api.headers["HTTP_IDEMPOTENCY_KEY"] = "door-pay-0001"
    r = api.post(path(order), {"method": "cash"})
    assert r.status_code == 201, r.content
    first = r.json()
    before = state()
    for _ in range(2):
        again = api.post(path(order), {"method": "cash"})
        assert again.status_code == 200
        assert {**again.json(), "replayed": False} == first
    refused = api.post(path(order), {"method": "cash", "amount_fen": order.total_fen - 1})
    assert (refused.status_code, refused.json()["code"]) == (409, "idempotency_key_reused")
    assert state() == before
    assert selectors.check().ok


def test_bad_input_is_refused_with_stable_codes_and_changes_nothing(api_as, personas, order):
    before = state()
    api = api_as(personas.elder, "zh-hans")
    r = api.post(path(order), {"method": "online"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_channel")
    assert r.json()["message"] == "该支付渠道不可用。"
    r = api.post(path(order), {"method": "cheque"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_choice")
    r = api.post(path(order), {"method": "cash", "amount_fen": order.total_fen + 100})
    assert (r.status_code, r.json()["code"]) == (422, "amount_mismatch")
    r = api.post(path(order), {"method": "pos"})
    assert (r.status_code, r.json()["code"]) == (422, "receipt_required")
    api.headers["HTTP_IDEMPOTENCY_KEY"] = "short"
    r = api.post(path(order), {"method": "cash"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_idempotency_key")
    assert state() == before
    assert first_visit(order).status == "awaiting_payment"


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_keyless_requests_make_one_charge(personas, world, elder_a, catalog, frozen):
    """Twenty identical door payments without a key at once (real threads and
    connections): one charge, one payment, one entry; the others replay that charge or
    find nothing due any more."""
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    actor = Actor.of(personas.elder)

    def pay(_i: int) -> Any:
        charge, _created = payments.record_door_payment(actor=actor, order=order, method="cash")
        return charge

    result = race(20, pay)
    charge = Charge.objects.get()
    assert set(result) <= {f"ok:{charge.pk}", "payment_not_due"}
    assert result[f"ok:{charge.pk}"] >= 1
    assert (Payment.objects.count(), charge.status) == (1, "captured")
    assert JournalEntry.objects.filter(event="payment_captured").count() == 1
    assert selectors.check().ok


def test_placing_an_uninsured_priced_order_reads_no_visit_for_the_zero_payment_step(
    personas, world, elder_a, catalog, frozen
):
    """The hot path: with a price and no locked split, the step runs no query at all; with
    a split (or a zero price) it reads and moves the visits."""
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    actor = Actor.of(personas.elder)
    with CaptureQueriesContext(connection) as ctx:
        booking._skip_payment_when_nothing_due(order=order, actor=actor, insured=False)
    assert len(ctx.captured_queries) == 0
    # the caller does not know: one indexed existence query, nothing else
    with CaptureQueriesContext(connection) as ctx:
        booking._skip_payment_when_nothing_due(order=order, actor=actor)
    assert len(ctx.captured_queries) == 1
    assert "payersplit" in ctx.captured_queries[0]["sql"].lower()
    # placing such an order never reads payer shares for this step
    with CaptureQueriesContext(connection) as ctx:
        again = place(
            personas.elder,
            elder_a,
            world.inst_a,
            catalog.companion,
            start=frozen.now + dt.timedelta(days=4),
        )
    assert first_visit(again).status == "awaiting_payment"
    share_reads = [q for q in ctx.captured_queries if "billing_payershare" in q["sql"].lower()]
    assert share_reads == []


def test_a_zero_self_pay_order_still_skips_the_payment(personas, world, elder_a, catalog, frozen):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    order = place(personas.elder, elder_a, world.inst_a, catalog.dressing)
    actor = Actor.of(personas.elder)
    with CaptureQueriesContext(connection) as ctx:
        booking._skip_payment_when_nothing_due(order=order, actor=actor, insured=True)
    assert len(ctx.captured_queries) >= 1  # a split was locked: the visits are read
