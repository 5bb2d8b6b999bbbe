"""Contract incentives (ADR 0025) through the visit loop: a delivered night visit in a
rural community of a difficult item earns the provider the contract's incentives, taken from
the platform's and the institution's shares of that visit; the entry balances, the memo
records the reasons, and the provider's earnings list them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.billing import selectors
from doorstep.billing.models import JournalEntry
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import NOW, first_visit, place
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


def contract(world: Any, **terms: Any) -> Contract:
    return Contract.objects.create(
        institution=world.inst_a,
        effective_from=NOW.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
        **terms,
    )


def deliver(personas: Any, world: Any, elder: Any, item: Any, providers: Any, frozen: Any,
            start: dt.datetime) -> Any:  # fmt: skip
    from doorstep.accounts.policy import Actor
    from doorstep.billing import payments

    order = place(personas.elder, elder, world.inst_a, item, start=start)
    payments.request_payment(
        actor=Actor.of(personas.elder),
        order=order,
        channel="cash",
        amount_fen=order.total_fen,
        idempotency_key=key("inc"),
    )
    visit = first_visit(order)
    _complete(personas, visit, providers.nurse, frozen)
    return visit


def lines(visit: Any) -> dict[str, int]:
    entry = JournalEntry.objects.get(event="visit_completed", key=f"visit:{visit.pk}")
    return dict(entry.lines.values_list("account__code", "amount_fen"))


def test_a_rural_night_visit_of_a_difficult_item_earns_all_three(
    personas, world, elder_a, catalog, providers, frozen
):
    """Given a contract with 10 % / 30 % / 60 %, night +15 % of the price, rural +5 yuan,
    difficult +2 %, half funded by the platform; when a companionship visit (listed as
    difficult) in a rural community starts at 22:00 and is delivered; then the nurse earns
    her 60 % and the three incentives, the platform gives up all it held of the visit (less
    than its half) and the institution carries the rest; the memo names the reasons."""
    world.community1.is_urban = False
    world.community1.save(update_fields=["is_urban"])
    contract(
        world,
        night_incentive_bp=1500,
        rural_incentive_fen=500,
        difficult_incentive_bp=200,
        difficult_items=["companionship_visit"],
        incentive_platform_bp=5000,
    )
    visit = deliver(
        personas, world, elder_a, catalog.companion, providers, frozen, NOW.replace(hour=22)
    )
    # 50 yuan with the price rules' night and rural surcharges
    assert visit.price_fen == 7150
    # base: platform 715, institution 2145, provider 4290; incentives: night 1072
    # (7150 x 15 % rounded down), rural 500, difficult 143 = 1715; the platform's half
    # (857) is more than its 715: it gives 715, the institution 1000.
    assert lines(visit) == {
        f"deferred:{world.inst_a.pk}": 7150,
        f"institution:{world.inst_a.pk}": -1145,
        f"provider:{providers.nurse.pk}": -6005,
    }
    entry = JournalEntry.objects.get(event="visit_completed", key=f"visit:{visit.pk}")
    assert entry.memo == (
        "incentive night=1072,rural=500,difficult=143 funded platform=715,institution=1000"
    )
    [row] = selectors.earnings(
        providers.nurse.pk, start=NOW.replace(day=1), end=NOW.replace(month=7, day=1)
    )
    assert (row.earned_fen, row.incentive_fen, row.share_fen) == (6005, 1715, 4290)
    assert row.incentives == (("night", 1072), ("rural", 500), ("difficult", 143))
    assert selectors.check().ok


def test_a_daytime_urban_visit_earns_no_incentive(
    personas, world, elder_a, catalog, providers, frozen
):
    contract(world, night_incentive_bp=1000, rural_incentive_fen=500, difficult_incentive_bp=200)
    visit = deliver(
        personas, world, elder_a, catalog.companion, providers, frozen, NOW.replace(hour=10)
    )
    assert visit.price_fen == 5500  # 50 yuan and the price rules' surcharges
    assert lines(visit) == {
        f"deferred:{world.inst_a.pk}": 5500,
        "platform": -550,
        f"institution:{world.inst_a.pk}": -1650,
        f"provider:{providers.nurse.pk}": -3300,
    }
    entry = JournalEntry.objects.get(event="visit_completed", key=f"visit:{visit.pk}")
    assert entry.memo == ""


def test_night_ends_at_six_and_the_platform_funds_by_default(
    personas, world, elder_a, catalog, providers, frozen
):
    """05:59 is night: a fixed 8 yuan that the platform funds (the default), as far as its
    share of the visit goes (7.15 yuan), the institution the last 0.85; the visit at 06:00
    of the next day is not a night visit."""
    contract(world, night_incentive_fen=800)
    early = deliver(
        personas,
        world,
        elder_a,
        catalog.companion,
        providers,
        frozen,
        (NOW + dt.timedelta(days=1)).replace(hour=5, minute=59),
    )
    assert early.price_fen == 7150
    assert lines(early) == {
        f"deferred:{world.inst_a.pk}": 7150,
        f"institution:{world.inst_a.pk}": -(2145 - 85),
        f"provider:{providers.nurse.pk}": -(4290 + 800),
    }
    six = deliver(
        personas,
        world,
        elder_a,
        catalog.companion,
        providers,
        frozen,
        (NOW + dt.timedelta(days=2)).replace(hour=6),
    )
    assert lines(six)[f"provider:{providers.nurse.pk}"] == -(six.price_fen * 6 // 10)
    assert selectors.check().ok


def test_the_earnings_api_lists_the_incentives(
    personas, world, elder_a, catalog, providers, frozen, api_as
):
    contract(world, night_incentive_fen=800, rural_incentive_fen=300)
    visit = deliver(
        personas, world, elder_a, catalog.companion, providers, frozen, NOW.replace(hour=23)
    )
    r = api_as(providers.nurse.user).get("/api/v1/billing/earnings", {"month": "2026-06"})
    assert r.status_code == 200
    [row] = r.json()["visits"]
    share = visit.price_fen * 6000 // 10000
    assert (row["visit_id"], row["earned_fen"], row["incentive_fen"]) == (
        visit.pk,
        share + 800,
        800,
    )
    assert row["incentives"] == [
        {"reason": "night", "reason_label": "Night visit", "amount_fen": 800}
    ]
    zh = api_as(providers.nurse.user, "zh-hans").get(
        "/api/v1/billing/earnings", {"month": "2026-06"}
    )
    assert zh.json()["visits"][0]["incentives"][0]["reason_label"] == "夜间服务"
