"""The payer officer publishes a new payer rule version in Chromium (Playwright) at phone
size: the rules page lists the version in force, "New version from this one" prefills the
form, the officer sets the new share and start date and publishes; the page shows both
versions, the old one ending the day the new one starts (ADR 0029).

Screenshots go to ``test-artifacts/payer-rules-*.png``.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.billing.models import PayerRule
from doorstep.billing.tests.payer_scene import publish_ningbo_rules
from doorstep.orders.tests import conftest as orders_fixtures

from .loop import test_loop_browser
from .test_browser import browser, shot  # noqa: F401

frozen = orders_fixtures.frozen
person = test_loop_browser.person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_payer_officer_publishes_a_new_rule_version(person, personas, world, frozen):
    old = publish_ningbo_rules(world, personas)["long_term_care"]
    start = frozen.now.date() + dt.timedelta(days=16)
    page, _ = person(personas.payer_officer)
    page.goto("/payers/rules/")
    card = page.get_by_test_id(f"rule-{old.pk}")
    expect(card.get_by_test_id("rule-state")).to_contain_text("In force")
    card.get_by_test_id(f"new-version-{old.pk}").click()
    form = page.get_by_test_id("publish-rule")
    expect(form.get_by_test_id("rule-ltc-shares")).to_have_value("4=50")
    form.get_by_test_id("rule-version").fill("2026-ltc-b")
    form.get_by_test_id("rule-ltc-shares").fill("4=60")
    form.get_by_test_id("rule-start").fill(start.isoformat())
    shot(page, "payer-rules-01-form")
    form.get_by_test_id("rule-publish").click()
    new = PayerRule.objects.get(version="2026-ltc-b")
    expect(page.get_by_test_id(f"rule-{new.pk}").get_by_test_id("rule-state")).to_contain_text(
        "Starts later"
    )
    expect(page.get_by_test_id(f"rule-{old.pk}").get_by_test_id("rule-to")).to_contain_text(
        start.isoformat()
    )
    shot(page, "payer-rules-02-published")
    assert new.ltc_bp_by_level == {"4": 6000}
    assert new.ltc_monthly_quota_fen == {"4": 100000}
    # a start in the past is refused on the page, nothing published
    page.get_by_test_id(f"new-version-{new.pk}").click()
    form = page.get_by_test_id("publish-rule")
    form.get_by_test_id("rule-version").fill("too-late")
    form.get_by_test_id("rule-start").fill("2026-01-01")
    form.get_by_test_id("rule-publish").click()
    expect(page.locator(".messages, [role=alert], .error").first).to_contain_text("in the past")
    assert not PayerRule.objects.filter(version="too-late").exists()
