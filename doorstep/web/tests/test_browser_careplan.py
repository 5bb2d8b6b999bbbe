"""Assessment -> proposal -> plan -> generated visits in Chromium (Playwright) at phone
size, all through the pages (issue 6, item 7; ADR 0027): the nurse opens 王秀英's health
record, fills in the Braden form (score 11), goes from the record to the care plan, has
the rules checked, sees the proposal with the score behind it, accepts it (a draft plan
with pressure-injury prevention visits), activates and books it, sees the generated
visits, and finds the next visits on the record page; the orders exist.

Screenshots go to ``test-artifacts/careplan-*.png``.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.catalog.models import Offering, ServiceItem
from doorstep.health.models import CarePlan, PlanOccurrence
from doorstep.orders.models import Order
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures

from .loop import test_loop_browser
from .test_browser import browser, shot  # noqa: F401

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
elder_a = people_fixtures.elder_a
person = test_loop_browser.person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Braden answers scoring 11 (high risk): the points of each item, 1-4 (friction 1-3).
BRADEN_11 = {
    "sensory_perception": 2,
    "moisture": 2,
    "activity": 2,
    "mobility": 2,
    "nutrition": 2,
    "friction_shear": 1,
}


def test_nurse_turns_an_assessment_into_a_plan_and_books_it(
    person, personas, world, elder_a, catalog, frozen
):
    turning = ServiceItem.objects.create(
        code="turning_care",
        category=catalog.companion.category,
        name_zh="翻身拍背",
        name_en="Turning and back patting",
        provider_kinds=["caregiver", "nurse"],
        duration_minutes=20,
        base_price_fen=4000,
    )
    Offering.objects.create(
        institution=world.inst_a, item=turning, region=world.district1, price_fen=4000
    )

    page, _ = person(personas.nurse)
    page.goto(f"/health/elders/{elder_a.pk}/")
    expect(page.get_by_test_id("no-care-plan")).to_be_visible()
    page.get_by_test_id("assess-braden").click()
    expect(page.get_by_test_id("assess-title")).to_contain_text("Braden")
    for key, points in BRADEN_11.items():
        page.get_by_test_id(f"opt-{key}-{points}").check()
    page.get_by_test_id("assess-submit").click()
    expect(page.get_by_test_id("result-score")).to_have_text("11 / 23")

    page.get_by_role("link", name="Health record of 王秀英").click()
    page.get_by_test_id("careplan-link").click()
    expect(page.get_by_test_id("no-proposals")).to_be_visible()
    page.get_by_test_id("evaluate").click()
    proposal = page.get_by_test_id("proposal-braden_low")
    expect(proposal).to_contain_text("Braden score 11")
    expect(proposal).to_contain_text("Turning and back patting")
    shot(page, "careplan-01-proposal")
    proposal.get_by_test_id("accept-braden_low").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Draft")
    expect(page.get_by_test_id("interventions")).to_contain_text("Mon, Wed, Fri")
    page.get_by_test_id("plan-activate").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Active")
    page.get_by_test_id("plan-generate").click()
    # 16-29 June (frozen on Monday 15 June): Mon/Wed/Fri x 2 weeks
    expect(page.locator(".messages")).to_contain_text("6 visits booked, 0 skipped")
    expect(page.locator("[data-testid=occurrence][data-status=booked]")).to_have_count(6)
    expect(page.get_by_test_id("visits")).to_contain_text("2026-06-17")
    shot(page, "careplan-02-visits")

    page.get_by_test_id("record-link").click()
    upcoming = page.get_by_test_id("plan-next-visits")
    expect(upcoming).to_contain_text("2026-06-17")
    expect(upcoming).to_contain_text("Turning and back patting")

    plan = CarePlan.objects.get(elder=elder_a)
    assert plan.status == "active"
    booked = PlanOccurrence.objects.filter(intervention__plan=plan, status="booked")
    assert booked.count() == 6
    orders = Order.objects.filter(pk__in=booked.values("order_id"), channel="care_plan")
    assert sorted(o.item.code for o in orders) == ["turning_care"] * 6
