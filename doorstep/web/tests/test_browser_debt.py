"""Patient debt in Chromium (Playwright) at phone size (ADR 0033): institution A's finance
page lists what the insurers refused of 王秀英's visit; her daughter (family, with the
``pay`` right) sees it in Chinese on "My orders" with the payer and its reason and pays it
online through the sandbox window; the finance page then has nothing outstanding.

Screenshots go to ``test-artifacts/debt-*.png``.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.billing.models import Charge
from doorstep.billing.tests import test_debts
from doorstep.orders.tests import conftest as orders_fixtures
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
refused = test_debts.refused

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_sees_the_debt_and_the_daughter_pays_it_online_in_chinese(
    person, personas, elder_a, refused
):
    order, owed = refused["order"], refused["owed"]
    shown = f"¥{owed // 100}.{owed % 100:02d}"
    test_debts.pay_link(personas, elder_a, "pay")
    desk, _ = person(personas.inst_admin)
    desk.goto("/finance/")
    card = desk.get_by_test_id(f"desk-debt-{order.pk}")
    expect(card.get_by_test_id("desk-debt-amount")).to_have_text(shown)
    expect(card).to_contain_text("Disability level expired")
    shot(desk, "debt-01-finance")

    page, _ = person(personas.family, "zh-hans")
    page.goto("/orders/")
    debt = page.get_by_test_id(f"debt-{order.pk}")
    expect(debt).to_contain_text("保险方拒付后需自付")
    expect(debt).to_contain_text("宁波市长期护理保险")
    expect(debt).to_contain_text(refused["ltc"].number)
    expect(debt.get_by_test_id("debt-amount")).to_have_text(shown)
    shot(page, "debt-02-owed")
    debt.get_by_test_id("debt-pay").click()
    expect(page.get_by_test_id("debt-pending")).to_be_visible()
    page.get_by_test_id("debt-sandbox-pay").click()
    expect(page.get_by_test_id(f"debt-{order.pk}")).to_have_count(0)
    shot(page, "debt-03-paid")
    charge = Charge.objects.get(purpose="debt")
    assert (charge.status, charge.amount_fen) == ("captured", owed)

    desk.goto("/finance/")
    expect(desk.get_by_test_id("no-debts")).to_be_visible()
