"""The alarm loop in Chromium: the elder presses SOS on her home page; the operator's
console (already open, sound on) shows it within the 2-second polling, counts one alarm
sound, and the operator acknowledges it. Screenshots: ``test-artifacts/alarms-*.png``."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.alerts.models import Alert

from .test_browser import PHONE, browser, log_in, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_elder_sos_appears_on_the_operator_console_and_is_acknowledged(
    browser: Any,  # noqa: F811
    live_server: Any,
    personas: Any,
    elder_a: Any,
) -> None:
    desk = browser.new_context(viewport=PHONE, locale="en-GB", base_url=live_server.url)
    home = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url)
    desk.set_default_timeout(15_000)
    home.set_default_timeout(15_000)
    try:
        console = desk.new_page()
        polls: list[int] = []
        console.on(
            "response",
            lambda r: polls.append(r.status) if "/alarms/list/" in r.url else None,
        )
        log_in(console, personas.operator)
        console.get_by_role("link", name="Alarm console").first.click()
        expect(console.get_by_test_id("no-alarms")).to_be_visible()
        console.get_by_test_id("sound-toggle").click()
        expect(console.get_by_test_id("sound-toggle")).to_have_attribute("aria-pressed", "true")

        elder = home.new_page()
        log_in(elder, personas.elder, language="zh-hans")
        expect(elder.get_by_test_id("sos-button")).to_contain_text("SOS")
        shot(elder, "alarms-01-elder-home")
        elder.get_by_test_id("sos-button").click()
        expect(elder.get_by_test_id("sos-status")).to_be_visible()
        alert = Alert.objects.get()

        row = console.get_by_test_id(f"alarm-{alert.pk}")
        expect(row).to_be_visible(timeout=3_000)  # one 1-second poll, with margin
        # the quiet console was answered 204 (unchanged, nothing swapped), then the new list
        assert 204 in polls, polls
        assert 200 in polls, polls
        expect(row).to_contain_text("SOS")
        expect(row).to_contain_text("王秀英")
        expect(console.locator("body")).to_have_attribute("data-alarm-plays", "1")
        shot(console, "alarms-02-console")
        console.get_by_test_id(f"ack-{alert.pk}").click()
        expect(console.locator(".msg.success")).to_contain_text("Acknowledged")
        expect(console.get_by_test_id(f"alarm-{alert.pk}")).to_contain_text("Acknowledged")
        console.get_by_test_id(f"open-{alert.pk}").click()
        expect(console.get_by_test_id("alarm-timeline")).to_contain_text(
            re.compile("Acknowledged.*Operator 1")
        )
        shot(console, "alarms-03-detail")
        alert.refresh_from_db()
        assert (alert.status, alert.acknowledged_by_id) == ("acknowledged", personas.operator.pk)
    finally:
        desk.close()
        home.close()
