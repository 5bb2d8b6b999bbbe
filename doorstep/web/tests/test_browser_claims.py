"""Claims in Chromium (Playwright) at phone size: the Ningbo payer officer approves
institution A's long-term-care claim and downloads its XLSX batch file; the elder's order
page shows each payer's locked share and asks her for the self-pay share only.

Screenshots go to ``test-artifacts/claims-*.png``.
"""

from __future__ import annotations

import io
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from openpyxl import load_workbook
from playwright.sync_api import expect

from doorstep.accounts.policy import Actor
from doorstep.billing import claims
from doorstep.billing.models import Claim
from doorstep.billing.tests.payer_scene import expected, insure, publish_ningbo_rules
from doorstep.billing.tests.test_claims import deliver
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import place
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


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def test_payer_officer_approves_and_downloads_the_xlsx(
    person, personas, world, elder_a, catalog, providers, frozen
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    deliver(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    made = claims.submit_claims(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
    )
    claim = next(c for c in made if c.payer == "long_term_care")
    page, _ = person(personas.payer_officer)
    page.goto("/claims/")
    card = page.get_by_test_id(f"claim-{claim.pk}")
    expect(card).to_contain_text(yuan(claim.claimed_fen))
    shot(page, "claims-01-list")
    card.get_by_role("link", name=claim.number).click()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("claim-status")).to_contain_text("Approved")
    shot(page, "claims-02-approved")
    assert Claim.objects.get(pk=claim.pk).status == "approved"
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = download.path()
    assert path is not None
    ws = load_workbook(io.BytesIO(open(path, "rb").read())).active  # noqa: SIM115
    assert ws is not None
    assert ws.cell(row=2, column=16).value == claim.claimed_fen
    assert ws.cell(row=2, column=17).value == claim.claimed_fen


def test_the_order_page_shows_each_payers_share(
    person, personas, world, elder_a, catalog, providers, frozen
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    order = place(personas.elder, elder_a, world.inst_a, catalog.dressing)
    want = expected(order.total_fen)
    page, _ = person(personas.elder)
    page.goto(f"/orders/{order.pk}/")
    shares = page.get_by_test_id("order-payers")
    expect(shares.get_by_test_id("payer-long_term_care")).to_contain_text(
        yuan(want["long_term_care"])
    )
    expect(shares.get_by_test_id("payer-resident_basic")).to_contain_text(
        yuan(want["resident_basic"])
    )
    expect(shares.get_by_test_id("self-pay")).to_have_text(yuan(want["self_pay"]))
    shot(page, "claims-03-order-shares")
