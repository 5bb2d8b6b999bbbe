"""Refunds follow the visit loop's cancellation rules and never exceed what was paid;
payouts never take a payable below zero; both are idempotent (ADR 0022). Plus a
property-based run of random payments, completions, cancellations, refunds and payouts
after which every entry balances, no account drifts and no refund exceeds its payment.

Fixtures are the orders tests' (frozen clock, institution A prepays; the companionship
visit needs no assessment)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.accounts.policy import Actor
from doorstep.billing import payments, selectors, settlement
from doorstep.billing.models import Account, Charge, JournalEntry, Refund
from doorstep.core.errors import ApplicationError
from doorstep.orders import services as orders
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import HOME, first_visit, fresh, place
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

_keys = iter(range(10**6))


def key(prefix: str) -> str:
    return f"{prefix}-{next(_keys):08d}"


def paid_order(personas: Any, world: Any, elder: Any, item: Any) -> tuple[Any, Charge]:
    order = place(personas.elder, elder, world.inst_a, item)
    charge, _ = payments.request_payment(
        actor=Actor.of(personas.elder),
        order=order,
        channel="cash",
        amount_fen=order.total_fen,
        idempotency_key=key("pay"),
    )
    return order, charge


def test_full_refund_after_a_free_cancellation(personas, world, elder_a, catalog, frozen):
    order, charge = paid_order(personas, world, elder_a, catalog.companion)
    admin = Actor.of(personas.inst_admin)
    with pytest.raises(ApplicationError) as exc:
        settlement.refund(
            actor=admin, charge=charge, amount_fen=1, reason="x", idempotency_key=key("rf")
        )
    assert (exc.value.code, exc.value.details) == (
        "refund_exceeds_paid",
        {"amount_fen": 1, "refundable_fen": 0},
    )
    orders.cancel(actor=Actor.of(personas.elder), order=order, reason="Going to my son's")
    assert settlement.held_for_order(order.pk, elder_a.pk) == order.total_fen
    k = key("rf")
    row, created = settlement.refund(
        actor=admin,
        charge=charge,
        amount_fen=order.total_fen,
        reason="cancelled",
        idempotency_key=k,
    )
    assert created
    again, created = settlement.refund(
        actor=admin,
        charge=charge,
        amount_fen=order.total_fen,
        reason="cancelled",
        idempotency_key=k,
    )
    assert (again.pk, created) == (row.pk, False)
    assert settlement.held_for_order(order.pk, elder_a.pk) == 0
    assert Account.objects.get(code=f"patient:{elder_a.pk}").balance_fen == 0
    assert Account.objects.get(code="clearing:cash").balance_fen == 0
    assert selectors.check().ok


def test_partial_refunds_stop_at_what_was_paid(personas, world, elder_a, catalog, frozen):
    order, charge = paid_order(personas, world, elder_a, catalog.companion)
    orders.cancel(actor=Actor.of(personas.elder), order=order, reason="x")
    admin = Actor.of(personas.inst_admin)
    settlement.refund(
        actor=admin, charge=charge, amount_fen=2000, reason="a", idempotency_key=key("rf")
    )
    before = (Refund.objects.count(), JournalEntry.objects.count())
    rest = order.total_fen - 2000
    with pytest.raises(ApplicationError) as exc:
        settlement.refund(
            actor=admin, charge=charge, amount_fen=rest + 1, reason="b", idempotency_key=key("rf")
        )
    assert exc.value.details["refundable_fen"] == rest
    assert (Refund.objects.count(), JournalEntry.objects.count()) == before
    settlement.refund(
        actor=admin, charge=charge, amount_fen=rest, reason="c", idempotency_key=key("rf")
    )
    assert (
        Refund.objects.filter(charge=charge).aggregate(t=Sum("amount_fen"))["t"] == order.total_fen
    )


def test_refund_refused_for_others_and_bad_input(personas, world, elder_a, catalog, frozen):
    order, charge = paid_order(personas, world, elder_a, catalog.companion)
    orders.cancel(actor=Actor.of(personas.elder), order=order, reason="x")
    for user in (personas.elder, personas.other_admin, personas.nurse):
        with pytest.raises(ApplicationError) as exc:
            settlement.refund(
                actor=Actor.of(user),
                charge=charge,
                amount_fen=100,
                reason="x",
                idempotency_key=key("rf"),
            )
        assert exc.value.code == "forbidden"
    admin = Actor.of(personas.inst_admin)
    for amount, reason, code in ((0, "x", "invalid_amount"), (100, " ", "reason_required")):
        with pytest.raises(ApplicationError) as exc:
            settlement.refund(
                actor=admin,
                charge=charge,
                amount_fen=amount,
                reason=reason,
                idempotency_key=key("rf"),
            )
        assert exc.value.code == code
    assert Refund.objects.count() == 0


def _complete(personas: Any, visit: Any, provider: Any, frozen: Any) -> None:
    orders.assign_provider(
        actor=Actor.of(personas.dispatcher), visit=fresh(visit), provider=provider
    )
    nurse = Actor.of(provider.user)
    orders.start_travel(actor=nurse, visit=fresh(visit))
    frozen.now = visit.window_start
    orders.check_in(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    orders.start_service(actor=nurse, visit=fresh(visit))
    orders.submit_record(actor=nurse, visit=fresh(visit), values={"mood": "good"})
    orders.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])


def test_payout_pays_the_providers_share_and_never_more(
    personas, world, elder_a, catalog, providers, frozen
):
    Contract.objects.create(
        institution=world.inst_a,
        effective_from=frozen.now.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )
    order, _ = paid_order(personas, world, elder_a, catalog.companion)
    _complete(personas, first_visit(order), providers.nurse, frozen)
    account = Account.objects.get(code=f"provider:{providers.nurse.pk}")
    owed = order.total_fen * 6000 // 10000
    assert account.balance_fen == -owed
    admin = Actor.of(personas.inst_admin)
    with pytest.raises(ApplicationError) as exc:
        settlement.payout(
            actor=admin, account=account, amount_fen=owed + 1, idempotency_key=key("po")
        )
    assert exc.value.code == "insufficient_balance"
    with pytest.raises(ApplicationError) as exc:
        settlement.payout(
            actor=Actor.of(personas.other_admin),
            account=account,
            amount_fen=1,
            idempotency_key=key("po"),
        )
    assert exc.value.code == "forbidden"
    k = key("po")
    settlement.payout(
        actor=admin, account=account, amount_fen=owed, idempotency_key=k, reference="B1"
    )
    settlement.payout(
        actor=admin, account=account, amount_fen=owed, idempotency_key=k, reference="B1"
    )
    account.refresh_from_db()
    assert account.balance_fen == 0
    assert Account.objects.get(code="clearing:bank").balance_fen == -owed
    assert selectors.check().ok


def test_refund_and_payout_over_http(api_as, personas, world, elder_a, catalog, frozen):
    order, charge = paid_order(personas, world, elder_a, catalog.companion)
    orders.cancel(actor=Actor.of(personas.elder), order=order, reason="x")
    api = api_as(personas.inst_admin)
    api.headers["HTTP_IDEMPOTENCY_KEY"] = "refund-http-0001"
    body = {"amount_fen": 1000, "reason": "Cancelled before the visit"}
    r = api.post(f"/api/v1/billing/payments/{charge.pk}/refunds", body)
    assert r.status_code == 201, r.json()
    assert api.post(f"/api/v1/billing/payments/{charge.pk}/refunds", body).status_code == 200
    r = api.post(f"/api/v1/billing/payments/{charge.pk}/refunds", {**body, "amount_fen": 999})
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_key_reused")
    other = api_as(personas.other_admin)
    other.headers["HTTP_IDEMPOTENCY_KEY"] = "refund-http-0002"
    assert other.post(f"/api/v1/billing/payments/{charge.pk}/refunds", body).status_code == 404
    codes = {a["code"]: a["balance_fen"] for a in api.get("/api/v1/billing/accounts").json()}
    assert codes[f"deferred:{world.inst_a.pk}"] == 0
    patient = f"patient:{elder_a.pk}"
    assert patient not in codes  # the patient's own account is not the institution's
    mine = {a["code"] for a in api_as(personas.elder).get("/api/v1/billing/accounts").json()}
    assert mine == {patient}
    assert api_as(personas.other_admin).get("/api/v1/billing/accounts").json() == []


# --- property: random money events ---------------------------------------------------------

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["order", "complete", "cancel", "refund", "payout"]),
        st.integers(0, 7),
        st.integers(1, 8000),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ACTIONS)
def test_random_money_events_keep_the_books(
    personas, world, elder_a, catalog, providers, frozen, actions
):
    """Whatever the sequence (refused steps included), the ledger balances, no account
    drifts, no charge is refunded beyond what it captured, no payable goes negative."""
    admin = Actor.of(personas.inst_admin)
    start = frozen.now
    made: list[tuple[Any, Charge]] = []
    for action, pick, amount in actions:
        frozen.now = start
        try:
            if action == "order" or not made:
                made.append(paid_order(personas, world, elder_a, catalog.companion))
                continue
            order, charge = made[pick % len(made)]
            if action == "complete":
                _complete(personas, first_visit(order), providers.nurse, frozen)
            elif action == "cancel":
                orders.cancel(actor=Actor.of(personas.elder), order=order, reason="x")
            elif action == "refund":
                settlement.refund(
                    actor=admin,
                    charge=charge,
                    amount_fen=amount,
                    reason="x",
                    idempotency_key=key("rf"),
                )
            else:
                account = Account.objects.filter(code=f"institution:{world.inst_a.pk}").first()
                if account is not None:
                    settlement.payout(
                        actor=admin, account=account, amount_fen=amount, idempotency_key=key("po")
                    )
        except ApplicationError:
            pass  # refused steps change nothing; the checks below prove it
    frozen.now = start
    assert selectors.check().ok
    for charge in Charge.objects.all():
        refunded = charge.refunds.aggregate(t=Sum("amount_fen"))["t"] or 0
        assert refunded <= charge.amount_fen
    for account in Account.objects.filter(type__in=["provider", "institution"]):
        assert account.balance_fen <= 0  # a liability never turns into a debit balance


def test_provider_sees_their_earnings_visit_by_visit(
    api_as, personas, world, elder_a, catalog, providers, frozen
):
    Contract.objects.create(
        institution=world.inst_a,
        effective_from=frozen.now.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )
    order, _ = paid_order(personas, world, elder_a, catalog.companion)
    visit = first_visit(order)
    _complete(personas, visit, providers.nurse, frozen)
    price = order.total_fen
    earned = price * 6000 // 10000
    mine = api_as(personas.nurse).get("/api/v1/billing/earnings", {"month": "2026-06"})
    assert mine.status_code == 200, mine.json()
    body = mine.json()
    assert body["total_earned_fen"] == earned
    assert [
        (v["visit_id"], v["price_fen"], v["earned_fen"], v["payers"]) for v in body["visits"]
    ] == [(visit.pk, price, earned, [{"payer": "self_pay", "amount_fen": price}])]
    assert (
        api_as(personas.nurse)
        .get("/api/v1/billing/earnings", {"month": "2026-07"})
        .json()["visits"]
        == []
    )
    staff_view = api_as(personas.inst_admin).get(
        "/api/v1/billing/earnings", {"month": "2026-06", "provider_id": providers.nurse.pk}
    )
    assert staff_view.json()["total_earned_fen"] == earned
    for user in (personas.other_admin, personas.other_nurse):
        r = api_as(user).get(
            "/api/v1/billing/earnings", {"month": "2026-06", "provider_id": providers.nurse.pk}
        )
        assert r.status_code == 404
    assert (
        api_as(personas.elder).get("/api/v1/billing/earnings", {"month": "2026-06"}).status_code
        == 404
    )
    bad = api_as(personas.nurse).get("/api/v1/billing/earnings", {"month": "2026-13"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_month")
    bad = api_as(personas.nurse).get("/api/v1/billing/earnings", {"month": "June"})
    assert bad.status_code == 422
