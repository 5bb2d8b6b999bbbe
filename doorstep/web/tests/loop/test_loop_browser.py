"""The whole visit loop in Chromium (Playwright) against the live server, at phone size:
a family member books -> the reviewer accepts -> the family pays -> the dispatcher
publishes to the pool -> an unqualified caregiver is shown why she cannot take it -> the
nurse takes it, starts travel, is refused a check-in 2 km away, checks in at the home
(the browser's geolocation), records, checks out -> the family confirms and rates.

Screenshots go to ``test-artifacts/loop-*.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, expect

from doorstep.orders.models import Order, Visit
from doorstep.orders.tests.conftest import FAR_2KM, HOME

from ..test_browser import PHONE, browser, log_in, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(browser: Browser, live_server: Any) -> Iterator[Any]:  # noqa: F811
    """``person(user, language)`` -> (page, context), logged in, own cookies, location
    access granted and the position at 王秀英's home."""
    contexts: list[BrowserContext] = []

    def make(user: Any, language: str = "en") -> tuple[Page, BrowserContext]:
        context = browser.new_context(
            viewport=PHONE,
            locale="zh-CN" if language == "zh-hans" else "en-GB",
            base_url=live_server.url,
            geolocation={"latitude": HOME[0], "longitude": HOME[1], "accuracy": 10},
            permissions=["geolocation"],
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, user, language=language)
        return page, context

    yield make
    for context in contexts:
        context.close()


def _status(visit: Visit) -> str:
    visit.refresh_from_db()
    return visit.status


def test_the_whole_loop_in_the_browser(person, personas, catalog, family_link, providers, frozen):
    # 1. The daughter books a wound dressing for her mother, in Chinese.
    family, _ctx = person(personas.family, "zh-hans")
    family.goto("/services/")
    family.get_by_test_id("item-wound_dressing").click()
    expect(family.get_by_test_id("quote")).to_have_count(1)
    expect(family.get_by_test_id("quote-total")).to_contain_text("¥")
    shot(family, "loop-01-quote-zh")
    family.get_by_test_id("booking-form").locator("textarea").fill("左腿伤口换药")
    family.get_by_test_id("book").click()
    order = Order.objects.get()
    visit = Visit.objects.get(order=order)
    expect(family).to_have_url(f"{family.url.split('/orders/')[0]}/orders/{order.pk}/")
    expect(family.get_by_test_id("visit-status")).to_contain_text("待首诊评估")
    assert order.need_text == "左腿伤口换药"
    assert visit.status == "awaiting_assessment"
    shot(family, "loop-02-booked-zh")

    # 2. The reviewer reads the record summary, flags the dog and accepts.
    reviewer, _ = person(personas.reviewer)
    reviewer.goto("/assessments/")
    card = reviewer.get_by_test_id(f"assessment-{visit.assessment_id}")
    expect(card).to_contain_text("王秀英")
    card.get_by_test_id("flag-aggressive_pet").check()
    shot(reviewer, "loop-03-assessment")
    card.get_by_test_id("accept").click()
    expect(reviewer.get_by_test_id("queue-empty")).to_be_visible()
    assert _status(visit) == "awaiting_payment"

    # 3. The family pays (institution A takes prepayment); the dispatcher publishes.
    family.reload()
    # Online payment is the default: the sandbox gateway's window confirms it.
    family.get_by_test_id("pay").click()
    expect(family.get_by_test_id("pending-payment")).to_be_visible()
    family.get_by_test_id("sandbox-pay").click()
    expect(family.get_by_test_id("visit-status")).to_contain_text("待派单")
    dispatcher, _ = person(personas.dispatcher)
    dispatcher.goto("/dispatch/")
    dispatcher.get_by_test_id(f"dispatch-{visit.pk}").get_by_test_id("publish").click()
    expect(dispatcher.get_by_test_id("in-pool")).to_be_visible()
    assert _status(visit) == "awaiting_dispatch"

    # 4. The caregiver may not take clinical nursing: the reason is shown, no button.
    caregiver, _ = person(personas.caregiver)
    caregiver.goto("/pool/")
    blocked = caregiver.get_by_test_id(f"blocked-{visit.pk}")
    expect(blocked.get_by_test_id("reasons")).not_to_be_empty()
    expect(caregiver.get_by_test_id(f"offer-{visit.pk}")).to_have_count(0)
    shot(caregiver, "loop-04-pool-refused")

    # 5. The nurse sees the masked offer with the risk flag and takes it.
    nurse, nurse_ctx = person(personas.nurse)
    nurse.goto("/pool/")
    offer = nurse.get_by_test_id(f"offer-{visit.pk}")
    expect(offer.get_by_test_id("risk-flags")).to_contain_text("Aggressive pet")
    expect(offer).not_to_contain_text("王秀英")
    shot(nurse, "loop-05-pool")
    offer.get_by_test_id("grab").click()
    expect(nurse.get_by_test_id("address")).to_contain_text("尹江路")
    expect(nurse.get_by_test_id("navigate")).to_be_visible()
    assert _status(visit) == "assigned"
    assert visit.provider_id == providers.nurse.pk

    # 6. Travel; a check-in 2 km away is refused with the distance; at the home it works.
    nurse.get_by_test_id("start-travel").click()
    expect(nurse.get_by_test_id("check-in")).to_be_visible()
    frozen.now = visit.window_start
    nurse_ctx.set_geolocation({"latitude": FAR_2KM[0], "longitude": FAR_2KM[1], "accuracy": 10})
    nurse.get_by_test_id("check-in").click()
    expect(nurse.locator(".msg.error")).to_contain_text("too far")
    shot(nurse, "loop-06-check-in-refused")
    assert _status(visit) == "en_route"
    nurse_ctx.set_geolocation({"latitude": HOME[0], "longitude": HOME[1], "accuracy": 10})
    nurse.get_by_test_id("check-in").click()
    expect(nurse.get_by_test_id("start-service")).to_be_visible()
    assert _status(visit) == "arrived"
    check = visit.checks.get()  # type: ignore[attr-defined]
    assert check.distance_m is not None
    assert check.distance_m < 50
    assert not check.flagged

    # 7. The documentation form from the item's template, with units; then check out.
    nurse.get_by_test_id("start-service").click()
    form = nurse.get_by_test_id("record-form")
    expect(form).to_contain_text("Systolic (mmHg)")
    form.get_by_test_id("field-systolic").fill("132")
    form.get_by_test_id("field-diastolic").fill("84")
    form.get_by_test_id("field-wound_length_cm").fill("3.5")
    shot(nurse, "loop-07-record")
    form.get_by_test_id("save-record").click()
    expect(nurse.locator(".msg.success")).to_be_visible()
    frozen.advance(minutes=45)
    nurse.get_by_test_id("check-out").click()
    expect(nurse.get_by_test_id("visit-status")).to_contain_text("Completed")
    assert _status(visit) == "completed"
    assert visit.record.values["diastolic"]["value"] == 84  # type: ignore[attr-defined]

    # 8. The family confirms and rates.
    family.reload()
    family.get_by_test_id("cosign").click()
    expect(family.get_by_test_id("cosigned")).to_be_visible()
    rating = family.get_by_test_id("rating-form")
    rating.get_by_test_id("rate-punctuality").locator("input[value='5']").check()
    rating.get_by_test_id("rate-skill").locator("input[value='4']").check()
    rating.get_by_test_id("rate-attitude").locator("input[value='5']").check()
    rating.locator("textarea").fill("陈护士很细心")
    shot(family, "loop-08-rate-zh")
    rating.get_by_test_id("rate").click()
    expect(family.get_by_test_id("rated")).to_be_visible()
    assert _status(visit) == "reviewed"
    shot(family, "loop-09-done-zh")


def test_phone_intake_in_the_browser(person, personas, catalog, elder_a, frozen):
    """The operator finds 王秀英 by phone, types the need in English, picks the first
    suggestion and books on her behalf (channel phone)."""
    operator, _ = person(personas.operator)
    operator.goto("/intake/")
    operator.get_by_test_id("intake-q").fill("13812345678")
    operator.get_by_test_id("intake-search").click()
    operator.get_by_test_id(f"choose-{elder_a.pk}").click()
    operator.get_by_test_id("intake-need").fill("her wound needs dressing")
    operator.get_by_test_id("intake-suggest").click()
    first = operator.get_by_test_id("suggestions").locator("a").first
    expect(first).to_have_attribute("data-testid", "suggest-wound_dressing")
    shot(operator, "loop-10-intake")
    first.click()
    expect(operator.get_by_test_id("quote")).to_have_count(1)
    expect(operator.get_by_test_id("booking-form").locator("textarea")).to_have_value(
        "her wound needs dressing"
    )
    operator.get_by_test_id("book").click()
    expect(operator.locator(".msg.success")).to_be_visible()
    order = Order.objects.get()
    assert order.channel == "phone"
    assert order.elder_id == elder_a.pk
    assert order.placed_by_id == personas.operator.pk
