# ruff: noqa: F811
"""Booking a recommended start time in Chromium at phone size (ADR 0038), on the tiny city
of the dispatch tests: the nurse has v1 at 09:00 and v2 at 11:00 next to her home, so a
visit at 10:00-11:00 at the elder's home (the nurse's building) fills her wait.

Screenshot: ``test-artifacts/booking-recommended-zh.png``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, expect

from doorstep.dispatch.tests.plan_scene import (  # noqa: F401
    DAY,
    catalog,
    city,
    elder_a,
    frozen,
    providers,
    staff,
    today,
)
from doorstep.orders.models import Order, Visit
from doorstep.orders.tests.conftest import SHANGHAI

from .test_browser import PHONE, browser, log_in, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_elder_books_a_recommended_time_on_a_phone(
    browser: Browser,
    live_server: Any,
    settings: Any,
    personas: Any,
    city: Any,
    catalog: Any,
    frozen: Any,
) -> None:
    settings.BOOKING_CAPACITY_CHECK = True
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, personas.elder, language="zh-hans")
        page.goto(f"/services/{catalog.companion.pk}/?day={DAY.isoformat()}")
        expect(page.get_by_test_id("recommended-times")).to_contain_text("正好顺路")
        slot = page.locator("#id_slot")
        recommended = slot.locator("option", has_text="推荐")
        expect(recommended).to_have_count(3)
        expect(recommended.first).to_have_text("10:00–10:30 · 推荐")
        expect(slot.locator("option", has_text="09:00")).to_have_count(0)  # full: not shown
        before = Order.objects.count()
        slot.select_option("10:00")
        shot(page, "booking-recommended-zh")
        page.get_by_test_id("book").click()
        expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
        assert Order.objects.count() == before + 1
        visit = Visit.objects.get(order=Order.objects.latest("pk"))
        assert visit.window_start == dt.datetime.combine(DAY, dt.time(10), tzinfo=SHANGHAI)
        expect(page.get_by_test_id("visit-arrival")).to_contain_text("10:00–10:30")
    finally:
        context.close()
