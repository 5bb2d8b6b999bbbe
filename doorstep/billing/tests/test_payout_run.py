"""The monthly payout run (ADR 0029): one action pays every provider and institution
payable what it held at the end of an ended month; running it again pays nothing twice;
it never overdraws (each payout takes the ledger's no-overdraw lock; the PostgreSQL
race of 100 payouts against one balance is in ``test_concurrency``). Plus a property
test over random completions, months, runs and manual payouts."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.accounts.policy import Actor
from doorstep.billing import payments, selectors, settlement
from doorstep.billing.models import Account, JournalLine, Payout
from doorstep.billing.statements import Period
from doorstep.core.errors import ApplicationError, Forbidden
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import first_visit, place
from doorstep.organizations.models import Contract
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .test_settlement import _complete, key

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db

JUNE = Period.month("2026-06")


def contract(world: Any, frozen: Any) -> None:
    Contract.objects.create(
        institution=world.inst_a,
        effective_from=frozen.now.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )


def deliver(personas: Any, world: Any, elder: Any, catalog: Any, providers: Any, frozen: Any):
    """A paid visit two hours from now, delivered (the clock ends after it)."""
    order = place(
        personas.elder, elder, world.inst_a, catalog.companion,
        start=frozen.now + dt.timedelta(hours=2),
    )  # fmt: skip
    payments.request_payment(
        actor=Actor.of(personas.elder),
        order=order,
        channel="cash",
        amount_fen=order.total_fen,
        idempotency_key=key("pay"),
    )
    _complete(personas, first_visit(order), providers.nurse, frozen)
    frozen.now += dt.timedelta(hours=2)
    return order


def test_a_run_pays_each_payable_its_month_end_balance_once(
    api_as, personas, world, elder_a, catalog, providers, frozen
):
    contract(world, frozen)
    order = deliver(personas, world, elder_a, catalog, providers, frozen)
    provider = Account.objects.get(code=f"provider:{providers.nurse.pk}")
    inst = Account.objects.get(code=f"institution:{world.inst_a.pk}")
    owed = {provider.code: order.total_fen * 6000 // 10000}
    owed[inst.code] = -inst.balance_fen
    admin = Actor.of(personas.inst_admin)
    # June is not over yet
    with pytest.raises(ApplicationError) as exc:
        settlement.payout_run(actor=admin, period=JUNE, institution_id=world.inst_a.pk)
    assert exc.value.code == "period_not_closed"
    assert Payout.objects.count() == 0
    frozen.now = dt.datetime(2026, 7, 2, 9, 0, tzinfo=frozen.now.tzinfo)
    # July's work is not June's: a visit delivered in July stays owed after the run
    july = deliver(personas, world, elder_a, catalog, providers, frozen)
    r = api_as(personas.inst_admin).post(
        "/api/v1/billing/payout-runs", {"month": "2026-06", "institution_id": world.inst_a.pk}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    paid = {ln["account"]: ln["paid_fen"] for ln in body["lines"] if ln["created"]}
    assert paid == owed
    assert body["paid_now_fen"] == sum(owed.values())
    provider.refresh_from_db()
    assert -provider.balance_fen == july.total_fen * 6000 // 10000
    # again (API, command, another admin): nothing paid twice
    before = Payout.objects.count()
    again = api_as(personas.inst_admin).post(
        "/api/v1/billing/payout-runs", {"month": "2026-06", "institution_id": world.inst_a.pk}
    )
    assert again.json()["paid_now_fen"] == 0
    out = StringIO()
    call_command("payout_run", "--month=2026-06", f"--as={personas.platform_admin.username}",
                 stdout=out)  # fmt: skip
    assert "0 payouts, 0 fen; 2 already paid" in out.getvalue()
    assert Payout.objects.count() == before
    # the other institution's admin: 404, nothing paid; bad month: 422
    other = api_as(personas.other_admin, "zh-hans")
    r = other.post(
        "/api/v1/billing/payout-runs", {"month": "2026-06", "institution_id": world.inst_a.pk}
    )
    assert r.status_code == 404
    r = other.post("/api/v1/billing/payout-runs", {"month": "2026-13"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_month")
    with pytest.raises(Forbidden):
        settlement.payout_run(actor=admin, period=JUNE)  # all institutions: platform only
    assert selectors.check().ok


RUN_ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["deliver", "next_month", "run", "manual"]),
        st.integers(0, 2),
        st.integers(1, 5000),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(RUN_ACTIONS)
def test_random_runs_never_overdraw_nor_pay_a_month_twice(
    personas, world, elder_a, catalog, providers, frozen, actions
):
    """Whatever the order of deliveries, month ends, runs (of any ended month, repeated)
    and manual payouts: the ledger balances, no payable turns negative, a month is paid
    to an account at most once, and all payouts never exceed what was earned."""
    if not Contract.objects.filter(institution=world.inst_a).exists():
        contract(world, frozen)
    admin = Actor.of(personas.platform_admin)
    start = frozen.now
    month = 0
    for action, pick, amount in actions:
        try:
            if action == "deliver":
                deliver(personas, world, elder_a, catalog, providers, frozen)
            elif action == "next_month":
                month += 1
                frozen.now = start + dt.timedelta(days=31 * month)
            elif action == "run":
                ended = frozen.now.date().replace(day=1) - dt.timedelta(days=1 + 31 * pick)
                settlement.payout_run(actor=admin, period=Period.month(ended.strftime("%Y-%m")))
            else:
                account = Account.objects.filter(type="provider").first()
                if account is not None:
                    settlement.payout(
                        actor=admin, account=account, amount_fen=amount, idempotency_key=key("m")
                    )
        except ApplicationError:
            pass  # refused steps change nothing; the checks below prove it
    frozen.now = start
    assert selectors.check().ok
    for account in Account.objects.filter(type__in=["provider", "institution"]):
        assert account.balance_fen <= 0
        earned = -(
            JournalLine.objects.filter(account=account, amount_fen__lt=0).aggregate(
                t=Sum("amount_fen")
            )["t"]
            or 0
        )
        paid = Payout.objects.filter(account=account).aggregate(t=Sum("amount_fen"))["t"] or 0
        assert paid <= earned
    keys = list(
        Payout.objects.filter(idempotency_key__startswith="payout-run:").values_list(
            "idempotency_key", flat=True
        )
    )
    assert len(keys) == len(set(keys))
