"""50 identical payment requests at once on PostgreSQL (real threads and connections):
one charge, one payment, one ledger posting; every caller gets the same charge back.
And the same key raced with two different amounts: one wins, the other is refused."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.billing import payments, selectors
from doorstep.billing.models import Charge, JournalEntry
from doorstep.billing.tests.test_concurrency import race
from doorstep.orders.models import Payment
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import first_visit, place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_50_identical_requests_make_one_charge(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    actor = Actor.of(personas.elder)

    def pay(_i: int) -> Any:
        charge, _created = payments.request_payment(
            actor=actor,
            order=order,
            channel="cash",
            amount_fen=order.total_fen,
            idempotency_key="race-key-000001",
        )
        return charge

    result = race(50, pay)
    charge = Charge.objects.get()
    assert result == Counter({f"ok:{charge.pk}": 50})
    assert charge.status == "captured"
    assert Payment.objects.filter(order=order).count() == 1
    assert JournalEntry.objects.filter(event="payment_captured").count() == 1
    assert first_visit(order).status == "awaiting_dispatch"
    assert selectors.check().ok


def test_same_key_two_amounts_one_wins(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    actor = Actor.of(personas.elder)

    def pay(i: int) -> Any:
        return payments.request_payment(
            actor=actor,
            order=order,
            channel="cash",
            amount_fen=order.total_fen if i % 2 == 0 else order.total_fen + 1,
            idempotency_key="race-key-000002",
        )[0]

    result = race(20, pay)
    assert Charge.objects.count() <= 1
    oks = sum(v for k, v in result.items() if k.startswith("ok:"))
    # whoever got there first decides; the other request shape is refused every time
    assert oks + result["idempotency_key_reused"] + result["amount_mismatch"] == 20
    assert (
        Payment.objects.filter(order=order).count()
        == Charge.objects.filter(status="captured").count()
    )
    assert selectors.check().ok


def test_100_concurrent_payouts_through_the_service_never_overdraw(
    personas: Any, world: Any
) -> None:
    from doorstep.billing import accounts as acct
    from doorstep.billing import services, settlement
    from doorstep.billing.models import Account, Payout

    payee = acct.institution(world.inst_a.pk)
    services.post_entry(
        event="visit_completed",
        key="visit:race",
        postings=[services.dr(acct.deferred(world.inst_a.pk), 5000), services.cr(payee, 5000)],
    )
    account = Account.objects.get(code=payee.code)
    admin = Actor.of(personas.platform_admin)
    result = race(
        100,
        lambda i: settlement.payout(
            actor=admin, account=account, amount_fen=100, idempotency_key=f"payout-race-{i:04d}"
        )[0],
    )
    ok = sum(v for k, v in result.items() if k.startswith("ok:"))
    assert (ok, result["insufficient_balance"]) == (50, 50), result
    account.refresh_from_db()
    assert account.balance_fen == 0
    assert Payout.objects.count() == 50
    assert selectors.check().ok
