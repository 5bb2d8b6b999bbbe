"""The offers page in Chromium (Playwright) against the live server, at phone size: a
caregiver has two visits offered by instant matching, accepts one, declines the other
with a reason, and finds the accepted visit in "My schedule" (the declined one is not).

Screenshots go to ``test-artifacts/offers-*.png``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.accounts.policy import Actor
from doorstep.matching import services
from doorstep.matching.models import Offer
from doorstep.matching.tests import conftest as scene
from doorstep.matching.tests.conftest import NOW, Team, dispatchable
from doorstep.orders.models import Visit

from .test_browser import browser, log_in, shot  # noqa: F401

catalog = scene.catalog
elder_a = scene.elder_a
elder_b = scene.elder_b
frozen = scene.frozen
staff = scene.staff
team = scene.team
today = scene.today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_caregiver_accepts_one_offer_and_declines_another(
    browser: Any,  # noqa: F811
    live_server: Any,
    personas: Any,
    world: Any,
    team: Team,
    elder_a: Any,
    catalog: Any,
) -> None:
    dispatcher = Actor.of(personas.dispatcher)
    second = dispatchable(
        personas, world, elder_a, catalog.companion, start=NOW + dt.timedelta(hours=6)
    )
    first_offer = services.offer_visit(actor=dispatcher, visit=team.visit).offer
    second_offer = services.offer_visit(actor=dispatcher, visit=second).offer
    assert first_offer is not None
    assert second_offer is not None
    far2 = team.p["far2"]
    assert (first_offer.provider_id, second_offer.provider_id) == (far2.pk, far2.pk)

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, far2.user)
        page.get_by_role("link", name="Offers for me").first.click()
        card1 = page.get_by_test_id(f"offer-{first_offer.pk}")
        card2 = page.get_by_test_id(f"offer-{second_offer.pk}")
        expect(card1).to_contain_text("Companionship visit")
        expect(card1.get_by_test_id("time-left")).to_contain_text("2:00")
        expect(card2).to_be_visible()
        shot(page, "offers-01-two")

        card1.get_by_test_id("accept").click()
        expect(page.locator(".msg.success")).to_contain_text("The visit is yours")
        shot(page, "offers-02-accepted")

        page.get_by_role("link", name="Offers for me").first.click()
        card2 = page.get_by_test_id(f"offer-{second_offer.pk}")
        expect(page.get_by_test_id(f"offer-{first_offer.pk}")).to_have_count(0)
        card2.get_by_test_id("decline-reason").select_option("busy")
        card2.get_by_test_id("decline").click()
        expect(page.locator(".msg.success")).to_contain_text("You declined the visit")
        expect(page.get_by_test_id(f"offer-{second_offer.pk}")).to_have_count(0)
        shot(page, "offers-03-declined")

        page.get_by_role("link", name="My schedule").first.click()
        expect(page.get_by_test_id(f"schedule-{team.visit.pk}")).to_be_visible()
        expect(page.get_by_test_id(f"schedule-{second.pk}")).to_have_count(0)
        shot(page, "offers-04-schedule")
    finally:
        context.close()

    assert Visit.objects.get(pk=team.visit.pk).provider_id == far2.pk
    declined = Offer.objects.get(pk=second_offer.pk)
    assert (declined.status, declined.decline_reason) == ("declined", "busy")
    assert Visit.objects.get(pk=second.pk).provider_id is None
