"""Payer rules stored per region and scheme (ADR 0023): versions by effective date, the
nearest region on the elder's path wins, the split is locked with the order and posted
(Dr each payer's receivable, Dr patient the self-pay share), the patient pays only the
self-pay share, and a released visit gives every payer its share back.

Fixtures are the orders tests' (frozen Monday 15 June 2026 08:00 Ningbo; institution A
prepays; the wound-dressing item is clinical nursing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.accounts.policy import Actor
from doorstep.billing import payer_rules, payers, selectors
from doorstep.billing.errors import InvalidPayerRule
from doorstep.billing.models import JournalEntry, PayerRule, PayerShare
from doorstep.billing.settlement import held_for_order
from doorstep.billing.tests.payer_scene import FROM, expected, insure, publish_ningbo_rules
from doorstep.core.errors import Forbidden
from doorstep.orders import services
from doorstep.orders.errors import PaymentNotDue
from doorstep.orders.services.booking import payment_due
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import dispatchable, first_visit, place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
elder_b = people_fixtures.elder_b
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


def _ltc(world: Any, personas: Any, region: Any, frm: dt.date, level_bp: int) -> PayerRule:
    return payer_rules.publish_rule(
        actor=Actor.of(personas.platform_admin),
        region=region,
        scheme="long_term_care",
        version=f"{region.code}-{frm}",
        name_zh="长护险",
        name_en="LTC",
        effective_from=frm,
        ltc_bp_by_level={"4": level_bp},
    )


def test_a_new_version_closes_the_open_one_and_each_day_has_one(world, personas):
    v1 = _ltc(world, personas, world.city, dt.date(2026, 1, 1), 5000)
    v2 = _ltc(world, personas, world.city, dt.date(2026, 7, 1), 6000)
    v1.refresh_from_db()
    assert v1.effective_to == dt.date(2026, 7, 1)
    assert v2.effective_to is None
    pick = payer_rules.rule_in_force
    assert pick(region=world.community1, scheme="long_term_care", on=dt.date(2025, 12, 31)) is None
    assert pick(region=world.community1, scheme="long_term_care", on=dt.date(2026, 6, 30)) == v1
    assert pick(region=world.community1, scheme="long_term_care", on=dt.date(2026, 7, 1)) == v2
    assert payer_rules.to_rule(v2).ltc_bp_by_level == {4: 6000}


def test_a_version_may_not_start_on_or_before_the_latest(world, personas):
    _ltc(world, personas, world.city, dt.date(2026, 7, 1), 5000)
    with pytest.raises(InvalidPayerRule):
        _ltc(world, personas, world.city, dt.date(2026, 7, 1), 6000)
    with pytest.raises(InvalidPayerRule):
        _ltc(world, personas, world.city, dt.date(2026, 1, 1), 6000)
    assert PayerRule.objects.count() == 1


def test_bad_rule_values_are_refused(world, personas):
    with pytest.raises(InvalidPayerRule) as exc:
        payer_rules.publish_rule(
            actor=Actor.of(personas.platform_admin),
            region=world.city,
            scheme="long_term_care",
            version="x",
            name_zh="x",
            name_en="x",
            effective_from=FROM,
            ltc_bp_by_level={"7": 5000},
            coverage_bp=12000,
        )
    assert set(exc.value.details) == {"ltc_bp_by_level", "coverage_bp"}
    assert not PayerRule.objects.exists()


def test_the_nearest_region_on_the_path_wins(world, personas):
    province = _ltc(world, personas, world.province, FROM, 4000)
    city = _ltc(world, personas, world.city, FROM, 5000)
    district = _ltc(world, personas, world.district1, FROM, 6000)
    on = dt.date(2026, 6, 1)
    pick = payer_rules.rule_in_force
    assert pick(region=world.community1, scheme="long_term_care", on=on) == district
    assert pick(region=world.community2, scheme="long_term_care", on=on) == city
    assert pick(region=world.city, scheme="long_term_care", on=on) == city
    assert pick(region=world.province, scheme="long_term_care", on=on) == province
    # a district rule not yet in force leaves the city's
    PayerRule.objects.filter(pk=district.pk).update(effective_from=dt.date(2026, 9, 1))
    assert pick(region=world.community1, scheme="long_term_care", on=on) == city


def test_payer_officers_publish_in_their_region_only(world, personas):
    officer = Actor.of(personas.payer_officer)  # Ningbo city
    rule = payer_rules.publish_rule(
        actor=officer,
        region=world.district1,
        scheme="commercial",
        version="c1",
        name_zh="惠民保",
        name_en="City commercial",
        effective_from=FROM,
        coverage_bp=5000,
    )
    assert rule.created_by == personas.payer_officer
    with pytest.raises(Forbidden):
        payer_rules.publish_rule(
            actor=officer,
            region=world.province,
            scheme="commercial",
            version="c2",
            name_zh="x",
            name_en="x",
            effective_from=FROM,
        )
    with pytest.raises(Forbidden):
        payer_rules.publish_rule(
            actor=Actor.of(personas.inst_admin),
            region=world.city,
            scheme="commercial",
            version="c3",
            name_zh="x",
            name_en="x",
            effective_from=dt.date(2026, 2, 1),
        )
    assert PayerRule.objects.count() == 1


def test_allocate_by_hand() -> None:
    # 4 visits of 100, 100, 100, 100; basic 240, LTC 80, self 80
    out = payer_rules.allocate(
        [100, 100, 100, 100], [("resident_basic", 240), ("long_term_care", 80), ("self_pay", 80)]
    )
    assert out == [{"resident_basic": 60, "long_term_care": 20, "self_pay": 20}] * 4
    # 3 visits of 34, 33, 33; basic 50, self 50
    assert payer_rules.allocate([34, 33, 33], [("resident_basic", 50), ("self_pay", 50)]) == [
        {"resident_basic": 17, "self_pay": 17},
        {"resident_basic": 17, "self_pay": 16},
        {"resident_basic": 16, "self_pay": 17},
    ]


@given(
    prices=st.lists(st.integers(0, 50_000), min_size=1, max_size=8),
    cuts=st.lists(st.integers(0, 10_000), min_size=1, max_size=5),
)
def test_allocate_adds_up_both_ways(prices: list[int], cuts: list[int]) -> None:
    total = sum(prices)
    shares, left = [], total
    for i, c in enumerate(cuts):
        amount = left * c // 10_000
        shares.append((f"p{i}", amount))
        left -= amount
    shares.append(("self_pay", left))
    out = payer_rules.allocate(prices, shares)
    assert [sum(v.values()) for v in out] == prices
    for payer, amount in shares:
        assert sum(v.get(payer, 0) for v in out) == amount
    assert all(a >= 0 for v in out for a in v.values())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    schemes=st.sets(st.sampled_from(payers.ORDER)),
    level=st.one_of(st.none(), st.integers(0, 5)),
    age=st.integers(60, 105),
    price=st.integers(0, 2_000_000),
    used=st.integers(0, 3_000_000),
)
def test_quote_shares_add_up_to_the_price_for_any_enrollment(
    world, personas, catalog, schemes, level, age, price, used
):
    if not PayerRule.objects.exists():
        publish_ningbo_rules(world, personas)
        payer_rules.publish_rule(
            actor=Actor.of(personas.platform_admin),
            region=world.province,
            scheme="government_subsidy",
            version="sub",
            name_zh="补贴",
            name_en="Subsidy",
            effective_from=FROM,
            coverage_bp=5000,
            min_age=80,
            low_income_only=True,
        )
    rows = tuple(payer_rules.rules_for(region=world.community1, on=dt.date(2026, 6, 1)))
    ctx = payer_rules.PayerContext(
        patient=payers.Patient(
            age=age,
            low_income="government_subsidy" in schemes,
            schemes=frozenset(schemes),
            ltc_level=level,
        ),
        rules=rows,
        usage=payers.Usage(
            paid_this_year_fen=dict.fromkeys(schemes, used),
            paid_this_month_fen=dict.fromkeys(schemes, used // 12),
        ),
        item_code=catalog.dressing.code,
        item_group="clinical_nursing",
        pure_rules=tuple(payer_rules.to_rule(r) for r in rows),
    )
    split = payer_rules.quote(ctx, price)
    assert split.total_fen == price
    assert all(s.amount_fen >= 0 for s in split.shares)
    assert split.shares[-1].payer == "self_pay"
    lines = payer_rules.share_lines(ctx, split)
    assert sum(ln["amount_fen"] for ln in lines) == price


def test_an_insured_order_locks_the_split_and_debits_each_payer(
    personas, world, elder_a, catalog, providers, frozen
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    visit = first_visit(order)
    price = order.total_fen
    # companionship is daily life: basic medical insurance does not cover it, LTC does
    ltc = price * 5000 // 10000
    shares = {s.payer: s.amount_fen for s in PayerShare.objects.filter(visit=visit)}
    assert shares == {"long_term_care": ltc, "self_pay": price - ltc}
    entry = JournalEntry.objects.get(event="order_placed", key=f"order:{order.pk}")
    assert sorted(entry.lines.values_list("account__code", "amount_fen")) == [
        (f"deferred:{world.inst_a.pk}", -price),
        (f"patient:{elder_a.pk}", price - ltc),
        ("payer:long_term_care:330200", ltc),
    ]
    # the patient pays the self-pay share only
    assert payment_due(actor=Actor.of(personas.elder), order=order) == price - ltc
    payment = services.confirm_payment(actor=Actor.of(personas.elder), order=order, method="card")
    assert payment.amount_fen == price - ltc
    assert payer_rules.order_lines(order.pk) == [
        {"payer": "long_term_care", "name": "Ningbo long-term-care insurance",
         "amount_fen": ltc, "released_fen": 0},
        {"payer": "self_pay", "name": "You pay", "amount_fen": price - ltc, "released_fen": 0},
    ]  # fmt: skip
    assert selectors.check().ok


def test_a_package_spreads_the_split_over_its_visits(
    personas, world, elder_a, catalog, providers, frozen
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    order = place(personas.elder, elder_a, world.inst_a, package=catalog.dressing_pack)
    want = expected(order.total_fen)
    rows = list(PayerShare.objects.filter(order=order))
    assert {p: sum(r.amount_fen for r in rows if r.payer == p) for p in want} == want
    for visit in order.visits.all():
        assert sum(r.amount_fen for r in rows if r.visit_id == visit.pk) == visit.price_fen


def test_usage_this_month_limits_the_next_order(
    personas, world, elder_a, catalog, providers, frozen
):
    publish_ningbo_rules(world, personas)
    PayerRule.objects.filter(scheme="long_term_care").update(ltc_monthly_quota_fen={"4": 3000})
    insure(elder_a, personas)
    first = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    second = place(
        personas.elder, elder_a, world.inst_a, catalog.companion, start=orders_fixtures.at(30)
    )
    ltc = [
        PayerShare.objects.filter(order=o, payer="long_term_care").first() for o in (first, second)
    ]
    assert ltc[0] is not None
    assert ltc[1] is not None
    half = first.total_fen * 5000 // 10000
    assert half < 3000
    assert ltc[0].amount_fen == half
    assert ltc[1].amount_fen == 3000 - half  # what is left of the month's 30 yuan quota


def test_a_released_visit_gives_each_payer_its_share_back(
    personas, world, elder_a, catalog, providers, frozen
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    visit = dispatchable(personas, world, elder_a, catalog.companion)
    order = visit.order
    price = order.total_fen
    ltc = price * 5000 // 10000
    services.cancel(actor=Actor.of(personas.elder), order=order, reason="Feeling better")
    entry = JournalEntry.objects.get(event="visit_cancelled", key=f"visit:{visit.pk}")
    assert sorted(entry.lines.values_list("account__code", "amount_fen")) == [
        (f"deferred:{world.inst_a.pk}", price),
        (f"patient:{elder_a.pk}", -(price - ltc)),
        ("payer:long_term_care:330200", -ltc),
    ]
    # what was paid (the self-pay share) is held for the patient, the payer owes nothing
    assert held_for_order(order.pk, elder_a.pk) == price - ltc
    assert PayerShare.objects.filter(order=order, released_at__isnull=True).count() == 0
    usage = payer_rules.usage_of(elder_a, dt.date(2026, 6, 15), ["long_term_care"])
    assert usage.paid_this_month_fen == {}
    assert selectors.check().ok


def test_an_elder_without_insurance_is_self_pay_as_before(
    personas, world, elder_a, catalog, providers, frozen
):
    publish_ningbo_rules(world, personas)
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    assert not PayerShare.objects.filter(order=order).exists()
    entry = JournalEntry.objects.get(event="order_placed", key=f"order:{order.pk}")
    assert sorted(entry.lines.values_list("account__code", "amount_fen")) == [
        (f"deferred:{world.inst_a.pk}", -order.total_fen),
        (f"patient:{elder_a.pk}", order.total_fen),
    ]
    assert payment_due(actor=Actor.of(personas.elder), order=order) == order.total_fen
    assert payer_rules.order_lines(order.pk) == []


def test_the_quote_shows_each_payers_share_in_the_callers_language(
    personas, world, elder_a, catalog, providers, frozen, api_as
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    client = api_as(personas.elder)
    body = {
        "item_id": catalog.dressing.pk,
        "elder_id": elder_a.pk,
        "at": "2026-06-16T09:00:00+08:00",
    }
    r = client.post("/api/v1/catalog/quote", body)
    assert r.status_code == 200, r.content
    quote = r.json()["quotes"][0]
    want = expected(quote["total_fen"])
    assert [(p["payer"], p["amount_fen"]) for p in quote["payers"]] == list(want.items())
    assert quote["payers"][0]["name"] == "Ningbo resident medical insurance"
    assert quote["payers"][-1]["name"] == "You pay"
    zh = api_as(personas.elder, "zh-hans").post("/api/v1/catalog/quote", body).json()
    assert zh["quotes"][0]["payers"][1]["name"] == "宁波市长期护理保险"
    assert zh["quotes"][0]["payers"][-1]["name"] == "自付"


def test_a_fully_covered_prepaid_order_skips_the_zero_payment_step(
    personas, world, elder_a, catalog, providers, frozen
):
    """LTC pays the whole price: nothing is left for the patient, so the visit goes on to
    dispatch instead of waiting for a payment of ¥0.00; an uninsured order still waits."""
    admin = Actor.of(personas.platform_admin)
    payer_rules.publish_rule(
        actor=admin, region=world.city, scheme="long_term_care", version="2026-ltc-full",
        name_zh="宁波市长期护理保险", name_en="Ningbo long-term-care insurance",
        effective_from=FROM, ltc_bp_by_level={"4": 10000}, ltc_monthly_quota_fen={"4": 100000},
    )  # fmt: skip
    assert world.inst_a.prepayment_required
    uninsured = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    assert first_visit(uninsured).status == "awaiting_payment"

    insure(elder_a, personas)
    order = place(
        personas.elder,
        elder_a,
        world.inst_a,
        catalog.companion,
        start=frozen.now + dt.timedelta(days=3),
    )
    visit = first_visit(order)
    shares = {s.payer: s.amount_fen for s in PayerShare.objects.filter(visit=visit)}
    assert shares == {"long_term_care": order.total_fen}  # a zero self-pay share is not stored
    assert visit.status == "awaiting_dispatch"
    assert visit.paid_at is None
    last = visit.events.order_by("id").last()
    assert last is not None
    assert (last.from_status, last.to_status, last.details) == (
        "awaiting_payment",
        "awaiting_dispatch",
        {"nothing_to_pay": True},
    )
    with pytest.raises(PaymentNotDue):
        payment_due(actor=Actor.of(personas.elder), order=order)
    assert selectors.check().ok


def test_after_the_assessment_a_fully_covered_visit_goes_on_to_dispatch(
    personas, world, elder_a, catalog, providers, frozen
):
    """The same after the first-visit assessment: basic insurance covers the dressing in
    full, so accepting the request sends the visit to dispatch, not to a ¥0.00 payment."""
    admin = Actor.of(personas.platform_admin)
    payer_rules.publish_rule(
        actor=admin, region=world.city, scheme="resident_basic", version="2026-res-full",
        name_zh="宁波市城乡居民医保", name_en="Ningbo resident medical insurance",
        effective_from=FROM, eligible=["clinical_nursing"], coverage_bp=10000,
    )  # fmt: skip
    insure(elder_a, personas)
    order = place(personas.elder, elder_a, world.inst_a, catalog.dressing)
    visit = first_visit(order)
    assert visit.status == "awaiting_assessment"
    assert visit.assessment is not None
    services.review_assessment(
        actor=Actor.of(personas.reviewer), assessment=visit.assessment, decision="accepted"
    )
    visit.refresh_from_db()
    assert visit.status == "awaiting_dispatch"
    assert payer_rules.self_pay_of([visit]) == 0
    assert selectors.check().ok
