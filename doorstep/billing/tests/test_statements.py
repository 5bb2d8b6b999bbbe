"""Settlement statements tie out (ADR 0025): a hand-checked month (tests/finance_scene.py)
gives each account's opening, lines and closing, the closing equals the running balance,
the next month opens where June closed, and a closed month is the same when made again
after later postings."""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.accounts.policy import Actor
from doorstep.billing import statements
from doorstep.billing.errors import InvalidMonth, InvalidPeriod
from doorstep.billing.journal import shown
from doorstep.billing.models import Account
from doorstep.billing.statements import Period, monthly_settlement
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .finance_scene import PRICE, build

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db

JUNE = Period.month("2026-06")


@pytest.fixture
def scene(personas, world, elder_a, catalog, providers, frozen):  # type: ignore[no-untyped-def]
    return build(personas, world, elder_a, catalog, providers, frozen)


def test_provider_statement_by_hand(scene, providers):
    assert scene.delivered.total_fen == PRICE
    st = statements.statement(scene.provider_account, JUNE)
    assert (st.opening_fen, st.closing_fen) == (0, 3300 - 2000)
    assert [(ln.section, ln.price_fen, ln.payers, ln.amount_fen) for ln in st.lines] == [
        ("visit", 5500, (("self_pay", 5500),), 3300),
        ("payout", 0, (), -2000),
    ]
    assert st.lines[0].visit_id == scene.visit.pk
    assert st.lines[0].order_id == scene.delivered.pk
    assert st.totals == {"visit": 3300, "fee": 0, "refund": 0, "payout": -2000, "adjustment": 0}
    assert st.ties
    account = Account.objects.get(pk=scene.provider_account.pk)
    assert st.closing_fen == shown(account.kind, account.balance_fen) == 1300


def test_institution_and_platform_statements(scene, world):
    result = {s.account_code: s for s in monthly_settlement(JUNE)}
    inst = result[f"institution:{world.inst_a.pk}"]
    assert [(ln.section, ln.price_fen, ln.amount_fen) for ln in inst.lines] == [
        ("visit", 5500, 1650)
    ]
    assert inst.closing_fen == 1650
    assert result["platform"].closing_fen == 550
    assert all(s.ties for s in result.values())
    for s in result.values():
        acc = Account.objects.get(pk=s.account_id)
        assert s.closing_fen == shown(acc.kind, acc.balance_fen)
    # one institution's settlement: its own payable and its providers', not the platform's
    only_a = monthly_settlement(JUNE, institution_id=world.inst_a.pk)
    assert {s.subject_type for s in only_a} == {"institution", "provider"}
    assert monthly_settlement(JUNE, institution_id=world.inst_b.pk) == []


def test_next_month_opens_where_june_closed_and_june_is_reproducible(scene, personas, frozen):
    june_before = statements.statement(scene.provider_account, JUNE)
    frozen.now = dt.datetime(2026, 7, 3, 10, tzinfo=frozen.now.tzinfo)
    from doorstep.billing import settlement

    settlement.payout(
        actor=Actor.of(personas.inst_admin), account=scene.provider_account, amount_fen=400,
        idempotency_key="july-payout-01",
    )  # fmt: skip
    july = statements.statement(scene.provider_account, Period.month("2026-07"))
    assert (july.opening_fen, july.closing_fen) == (1300, 900)
    assert [ln.amount_fen for ln in july.lines] == [-400]
    assert statements.statement(scene.provider_account, JUNE) == june_before


def test_period_of_days_and_bad_periods():
    p = Period.of(start="2026-06-01", end="2026-06-16")
    assert (p.label, p.start, p.end) == (
        "2026-06-01..2026-06-15",
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 16),
    )
    assert Period.of(month="2026-12").end == dt.date(2027, 1, 1)
    assert Period.of(month="2026-12").label == "2026-12"
    for raw in ("2026-13", "2026-6", "june", ""):
        with pytest.raises(InvalidMonth):
            Period.month(raw)
    for start, end in (
        ("2026-06-10", "2026-06-10"),
        ("2026-06-10", "2027-12-01"),
        ("x", "2026-01-01"),
    ):
        with pytest.raises(InvalidPeriod):
            Period.of(start=start, end=end)


def test_payer_shares_are_pro_rata_with_the_patient_taking_rounding():
    assert statements._payer_shares(5000, [("long_term_care", 7000), ("self_pay", 3001)]) == (
        ("long_term_care", 3499),
        ("self_pay", 1501),
    )
    assert statements._payer_shares(5000, []) == (("self_pay", 5000),)
