"""The provider's earnings page in Chromium (Playwright) at phone size: a rural night
visit shows the contract share and one incentive line per reason (ADR 0024), in English
and in Chinese.

Screenshots go to ``test-artifacts/pay-05-*.png``.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.accounts.policy import Actor
from doorstep.billing import payments
from doorstep.billing.tests.test_settlement import _complete
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import NOW, first_visit, place
from doorstep.organizations.models import Contract
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .loop import test_loop_browser
from .test_browser import browser, shot  # noqa: F401

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff
person = test_loop_browser.person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def test_nurse_sees_her_incentives_line_by_line(
    person, personas, world, elder_a, catalog, providers, frozen
):
    world.community1.is_urban = False
    world.community1.save(update_fields=["is_urban"])
    Contract.objects.create(
        institution=world.inst_a,
        effective_from=NOW.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
        night_incentive_bp=1000,
        rural_incentive_fen=500,
        incentive_platform_bp=5000,
    )
    order = place(
        personas.elder, elder_a, world.inst_a, catalog.companion, start=NOW.replace(hour=22)
    )
    payments.request_payment(
        actor=Actor.of(personas.elder),
        order=order,
        channel="cash",
        amount_fen=order.total_fen,
        idempotency_key="earn-browser-0002",
    )
    visit = first_visit(order)
    _complete(personas, visit, providers.nurse, frozen)
    price = order.total_fen
    share, night = price * 6000 // 10000, price * 1000 // 10000
    page, _ = person(personas.nurse)
    page.goto("/earnings/?month=2026-06")
    card = page.get_by_test_id(f"earning-{visit.pk}")
    expect(card.get_by_test_id("share")).to_have_text(yuan(share))
    expect(card.get_by_test_id("incentive-night")).to_have_text(f"+{yuan(night)}")
    expect(card.get_by_test_id("incentive-rural")).to_have_text(f"+{yuan(500)}")
    expect(card).to_contain_text("Incentive: Night visit")
    expect(card).to_contain_text("Incentive: Rural area")
    expect(card.get_by_test_id("earned")).to_have_text(yuan(share + night + 500))
    expect(page.get_by_test_id("incentive-total")).to_have_text(yuan(night + 500))
    shot(page, "pay-05-incentives")
    zh, _ = person(personas.nurse, "zh-hans")
    zh.goto("/earnings/?month=2026-06")
    expect(zh.get_by_test_id(f"earning-{visit.pk}")).to_contain_text("激励: 夜间服务")
    expect(zh.get_by_test_id(f"earning-{visit.pk}")).to_contain_text("激励: 农村地区")
    shot(zh, "pay-05-incentives-zh")
