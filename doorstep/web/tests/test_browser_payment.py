"""Paying online from the order page in Chromium (Playwright) at phone size: the elder
chooses online payment, confirms in the sandbox gateway's window, and the page shows the
visit waiting for a provider; then the family member moves a visit to a new time.

Screenshots go to ``test-artifacts/pay-*.png``.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.billing.models import Charge
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import assigned, first_visit, fresh, place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .loop import test_loop_browser
from .test_browser import browser, shot  # noqa: F401

catalog = orders_fixtures.catalog
family_link = orders_fixtures.family_link
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff
person = test_loop_browser.person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_elder_pays_online_in_the_sandbox_window(person, personas, world, elder_a, catalog, frozen):
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    page, _ = person(personas.elder)
    page.goto(f"/orders/{order.pk}/")
    form = page.get_by_test_id("pay-form")
    expect(form).to_contain_text(f"¥{order.total_fen // 100}.{order.total_fen % 100:02d}")
    form.locator("select[name=method]").select_option("sandbox")
    shot(page, "pay-01-choose")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("pending-payment")).to_be_visible()
    page.get_by_test_id("sandbox-pay").click()
    expect(page.get_by_test_id("visit-1").get_by_test_id("visit-status")).to_contain_text(
        "Awaiting dispatch"
    )
    shot(page, "pay-02-paid")
    assert Charge.objects.get().status == "captured"
    assert first_visit(order).status == "awaiting_dispatch"


def test_family_moves_a_visit_to_a_new_time(
    person, personas, world, elder_a, catalog, providers, frozen, family_link
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    page, _ = person(personas.family)
    page.goto(f"/orders/{visit.order_id}/")
    card = page.get_by_test_id("visit-1")
    card.get_by_test_id("reschedule").locator("summary").click()
    card.get_by_test_id("reschedule-start").fill("2026-06-18T10:00")
    card.get_by_test_id("reschedule-reason").fill("Hospital check-up that morning")
    shot(page, "pay-03-reschedule")
    card.get_by_test_id("reschedule-submit").click()
    expect(page.get_by_test_id("visit-1").get_by_test_id("visit-status")).to_contain_text(
        "Awaiting dispatch"
    )
    assert fresh(visit).provider_id is None


def test_nurse_reads_her_earnings(person, personas, world, elder_a, catalog, providers, frozen):
    from doorstep.accounts.policy import Actor
    from doorstep.billing import payments
    from doorstep.billing.tests.test_settlement import _complete
    from doorstep.organizations.models import Contract

    Contract.objects.create(
        institution=world.inst_a,
        effective_from=frozen.now.date().replace(month=1, day=1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    payments.request_payment(
        actor=Actor.of(personas.elder),
        order=order,
        channel="cash",
        amount_fen=order.total_fen,
        idempotency_key="earn-browser-0001",
    )
    _complete(personas, first_visit(order), providers.nurse, frozen)
    share = order.total_fen * 6000 // 10000
    page, _ = person(personas.nurse)
    page.goto("/earnings/?month=2026-06")
    expect(page.get_by_test_id("earnings-total")).to_contain_text(
        f"¥{share // 100}.{share % 100:02d}"
    )
    shot(page, "pay-04-earnings")
