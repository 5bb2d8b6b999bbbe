"""Real-browser tests: Playwright drives Debian's Chromium against the live server.

Every page is shot at phone size (390x844) into ``test-artifacts/`` for a human look.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from doorstep.accounts.models import User
from doorstep.people.models import Consent, Elder, FamilyLink
from doorstep.workforce.models import Provider

from .conftest import ID_A, ID_NEW, PASSWORD, PHONE_A

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser, live_server: Any) -> Iterator[Any]:
    """``open_page(locale="en-GB")`` -> a fresh phone-sized page (own cookies)."""
    contexts = []

    def make(locale: str = "en-GB") -> Page:
        context = browser.new_context(viewport=PHONE, locale=locale, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, user: User, *, language: str = "en") -> None:
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    page.goto("/login/")
    page.get_by_test_id("login-submit").wait_for()
    page.locator("#id_identifier").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("who")).to_be_visible()


def test_failed_login_message_in_chinese(open_page: Any, personas: Any) -> None:
    page = open_page(locale="zh-CN")
    page.goto("/login/")
    expect(page.locator("h1")).to_have_text("登录")
    page.locator("#id_identifier").fill("nurse_chen")
    page.locator("#id_password").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("手机号、用户名或密码不正确。")
    shot(page, "login-failed-zh")
    personas.nurse.refresh_from_db()
    assert personas.nurse.failed_login_count == 1


def test_login_language_switch_and_large_text(open_page: Any, personas: Any) -> None:
    page = open_page()
    log_in(page, personas.nurse, language="en")
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    page.get_by_test_id("language").select_option("zh-hans")
    expect(page.get_by_test_id("logout")).to_have_text("退出登录")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    personas.nurse.refresh_from_db()
    assert personas.nurse.preferred_language == "zh-hans"

    size_before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_test_id("large-text").click()
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    size_after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size_before == 16
    assert size_after == 21
    personas.nurse.refresh_from_db()
    assert personas.nurse.large_text is True
    shot(page, "home-nurse-zh-large")

    page.get_by_test_id("logout").click()
    expect(page.locator("#id_identifier")).to_be_visible()


def test_admin_verifies_a_nurse(open_page: Any, personas: Any, pending_nurse: Any) -> None:
    page = open_page()
    log_in(page, personas.inst_admin)
    page.get_by_role("link", name="Verify providers").first.click()
    shot(page, "providers-list")
    page.get_by_role("link", name="Nurse Chen").click()
    expect(page.get_by_test_id("certificates")).to_contain_text("NL-330203-0001")
    expect(page.get_by_test_id("eligibility")).to_contain_text(
        "The practice institution has not verified this provider."
    )
    page.get_by_test_id("start-review").click()
    expect(page.get_by_test_id("verification-status")).to_have_text("Under review")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("verification-status")).to_have_text("Verified")
    clinical = page.get_by_test_id("eligibility").locator("li", has_text="Clinical nursing")
    expect(clinical).to_contain_text("Eligible")
    expect(clinical).not_to_contain_text("Not eligible")
    shot(page, "provider-verified")
    assert Provider.objects.get(pk=pending_nurse.pk).verification_status == "verified"


def test_operator_finds_and_registers_an_elder(
    open_page: Any, personas: Any, world: Any, elder_a: Any
) -> None:
    page = open_page()
    log_in(page, personas.operator)
    page.get_by_role("link", name="Find or register an elder").first.click()
    page.locator("#id_q").fill(PHONE_A)
    page.get_by_test_id("search").click()
    results = page.get_by_test_id("elder-results")
    expect(results).to_contain_text("王秀英")
    expect(results).to_contain_text("110***********002X")
    shot(page, "operator-search")

    page.get_by_test_id("register-link").click()
    page.locator("#id_full_name").fill("李建国")
    page.locator("#id_id_number").fill(ID_NEW[:-1] + "9")  # wrong check digit
    page.locator("#id_phone").fill("13811112222")
    page.locator("#id_region").select_option(str(world.community1.pk))
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("error-id_number")).to_contain_text("check digit")
    shot(page, "operator-register-error")
    assert Elder.objects.filter(full_name="李建国").count() == 0

    page.locator("#id_id_number").fill(ID_NEW)
    page.get_by_test_id("register").click()
    expect(page.locator(".msg.success")).to_have_text("The elder is registered.")
    expect(page.get_by_test_id("elder-facts")).to_contain_text("330***********0018")
    shot(page, "operator-registered")
    assert Elder.objects.get(full_name="李建国").created_by_id == personas.operator.pk


def test_family_links_and_records_consent(open_page: Any, personas: Any, elder_a: Any) -> None:
    page = open_page()
    log_in(page, personas.family)
    page.get_by_role("link", name="My elders").first.click()
    page.locator("#id_id_number").fill(ID_A)
    page.locator("#id_phone").fill(PHONE_A)
    page.locator("#id_relationship").select_option("child")
    page.get_by_test_id("link-submit").click()
    expect(page.get_by_test_id("consent-text")).to_contain_text(
        "Personal Information Protection Law"
    )
    page.get_by_test_id("consent-submit").click()
    expect(page.get_by_test_id("error-agree")).to_be_visible()
    page.locator("#id_agree").check()
    page.get_by_test_id("consent-submit").click()
    expect(page.locator(".msg.success")).to_have_text("Your consent is recorded.")
    expect(page.get_by_test_id("link-status")).to_have_text("Pending")
    shot(page, "family-linked")
    link = FamilyLink.objects.get(user=personas.family)
    assert link.elder_id == elder_a.pk
    assert Consent.objects.get(elder=elder_a).grantee_id == personas.family.pk


def test_elder_sees_masked_profile_in_large_text(
    open_page: Any, personas: Any, elder_a: Any
) -> None:
    page = open_page()
    log_in(page, personas.elder)
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    page.get_by_role("link", name="My profile").first.click()
    expect(page.get_by_test_id("profile-name")).to_have_text("王秀英")
    expect(page.get_by_test_id("profile-id")).to_have_text("110***********002X")
    expect(page.get_by_test_id("profile-phone")).to_have_text("138****5678")
    assert ID_A not in page.content()
    shot(page, "elder-profile")


def test_regulator_sees_counts(
    open_page: Any, personas: Any, pending_nurse: Any, elder_a: Any, elder_b: Any
) -> None:
    page = open_page()
    log_in(page, personas.regulator)
    page.get_by_role("link", name="Region overview").first.click()
    expect(page.get_by_test_id("total-elders")).to_have_text("1")
    expect(page.get_by_test_id("total-institutions")).to_have_text("1")
    expect(page.get_by_test_id("total-providers")).to_have_text("1")
    expect(page.get_by_test_id("region-children")).to_contain_text("Nanmen Street")
    shot(page, "regulator-region")


def test_platform_admin_sees_audit_rows_and_verifies_chain(open_page: Any, personas: Any) -> None:
    page = open_page()
    log_in(page, personas.platform_admin)
    page.get_by_role("link", name="Audit log").first.click()
    expect(page.get_by_test_id("audit-table")).to_contain_text("login")
    page.get_by_test_id("verify-chain").click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("The audit chain is intact.")
    href = page.get_by_test_id("export-csv").get_attribute("href")
    assert href == "/api/v1/audit/export.csv"
    shot(page, "audit-log")


def test_anonymous_language_switch_uses_set_language(open_page: Any, db: Any) -> None:
    page = open_page(locale="en-GB")
    page.goto("/login/")
    expect(page.locator("h1")).to_have_text("Log in")
    page.get_by_test_id("language").select_option("zh-hans")
    expect(page.locator("h1")).to_have_text("登录")
    expect(page.locator("label[for=id_identifier]")).to_have_text("手机号或用户名")
    shot(page, "login-zh")
