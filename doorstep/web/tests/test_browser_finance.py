"""Finance in Chromium (Playwright) against the live server, at phone size (issue 5,
item 6; ADR 0025): the institution's finance staff open the month, read the nurse's
statement, download it as XLSX and record a payout; the elder downloads her receipt from
the order page, in Chinese.

Screenshots go to ``test-artifacts/finance-*.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from openpyxl import load_workbook
from playwright.sync_api import expect

from doorstep.billing.models import Payout
from doorstep.billing.tests.finance_scene import build
from doorstep.billing.tests.pdftext import pdf_text
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

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(personas, world, elder_a, catalog, providers, frozen):  # type: ignore[no-untyped-def]
    return build(personas, world, elder_a, catalog, providers, frozen)


def test_finance_reads_the_statement_downloads_xlsx_and_records_a_payout(
    person, personas, scene, tmp_path: Path
):
    page, _ = person(personas.inst_admin)
    page.goto("/finance/?month=2026-06")
    card = page.get_by_test_id(f"statement-{scene.provider_account.code}")
    expect(card.get_by_test_id("closing")).to_have_text("¥13.00")
    expect(page.get_by_test_id("reconciliation-ok")).to_be_visible()
    shot(page, "finance-01-month")

    with page.expect_download() as info:
        card.get_by_test_id("xlsx").click()
    saved = tmp_path / "statement.xlsx"
    info.value.save_as(saved)
    assert load_workbook(saved).active["B13"].value == 13

    page.get_by_test_id("payout-account").select_option(str(scene.provider_account.pk))
    page.get_by_test_id("payout-amount").fill("5.50")
    page.get_by_test_id("payout-reference").fill("BANK-7")
    shot(page, "finance-02-payout")
    page.get_by_test_id("payout-submit").click()
    expect(page.get_by_test_id("payout").filter(has_text="BANK-7")).to_have_count(1)
    assert list(Payout.objects.filter(reference="BANK-7").values_list("amount_fen", flat=True)) == [
        550
    ]
    # reloading the page after the post does not record it again
    page.reload()
    assert Payout.objects.filter(reference="BANK-7").count() == 1


def test_elder_downloads_her_receipt_in_chinese(person, personas, scene, tmp_path: Path):
    page, _ = person(personas.elder, "zh-hans")
    page.goto(f"/orders/{scene.delivered.pk}/")
    expect(page.get_by_test_id("order-documents")).to_be_visible()
    shot(page, "finance-03-receipt-zh")
    with page.expect_download() as info:
        page.get_by_test_id("receipt").first.click()
    saved = tmp_path / "receipt.pdf"
    info.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "¥55.00" in text
    assert "收据编号" in text
