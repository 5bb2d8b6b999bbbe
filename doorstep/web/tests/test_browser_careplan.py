"""Assessment -> proposal -> plan -> generated visits in Chromium (Playwright) at phone
size (issue 6, item 7; ADR 0027): the nurse records a Braden assessment of 11 for 王秀英
(through the service: the assessment form is another page's test), opens the care plan,
has the rules checked, sees the proposal with the score behind it, accepts it (a draft
plan with pressure-injury prevention visits), adds a weekly companionship visit,
activates the plan and books it, and sees the generated visits; the orders exist.

Screenshots go to ``test-artifacts/careplan-*.png``.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.accounts.policy import Actor
from doorstep.catalog.models import Offering, ServiceItem
from doorstep.health import services as health_services
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
    health_services.submit_assessment(
        actor=Actor.of(personas.nurse), elder=elder_a, instrument="braden", answers=BRADEN_11
    )

    page, _ = person(personas.nurse)
    page.goto(f"/care/elders/{elder_a.pk}/")
    expect(page.get_by_test_id("no-proposals")).to_be_visible()
    page.get_by_test_id("evaluate").click()
    proposal = page.get_by_test_id("proposal-braden_low")
    expect(proposal).to_contain_text("Braden score 11")
    expect(proposal).to_contain_text("Turning and back patting")
    shot(page, "careplan-01-proposal")
    proposal.get_by_test_id("accept-braden_low").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Draft")
    expect(page.get_by_test_id("interventions")).to_contain_text("Mon, Wed, Fri")

    form = page.get_by_test_id("add-intervention")
    form.locator("summary").click()
    form.get_by_test_id("intervention-item").select_option(catalog.companion.code)
    form.get_by_test_id("frequency-new").select_option("weekly")
    form.get_by_test_id("weekday-new-4").check()
    form.get_by_test_id("time-from-new").fill("15:00")
    form.get_by_test_id("intervention-add").click()
    expect(page.get_by_test_id("interventions")).to_contain_text("Companionship visit")
    page.get_by_test_id("plan-activate").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Active")
    page.get_by_test_id("plan-generate").click()
    # 16-29 June: Mon/Wed/Fri x 6 + Thursdays 18 and 25
    expect(page.locator(".messages")).to_contain_text("8 visits booked, 0 skipped")
    expect(page.locator("[data-testid=occurrence][data-status=booked]")).to_have_count(8)
    expect(page.get_by_test_id("visits")).to_contain_text("2026-06-18")
    shot(page, "careplan-02-visits")

    plan = CarePlan.objects.get(elder=elder_a)
    assert plan.status == "active"
    booked = PlanOccurrence.objects.filter(intervention__plan=plan, status="booked")
    assert booked.count() == 8
    orders = Order.objects.filter(pk__in=booked.values("order_id"), channel="care_plan")
    assert orders.count() == 8
    assert sorted({o.item.code for o in orders}) == ["companionship_visit", "turning_care"]
