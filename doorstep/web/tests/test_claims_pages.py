"""Claims pages and payer shares on the quote and order pages (ADR 0023): the payer
officer lists, approves in part and downloads; institution A's admin submits the month;
another institution sees nothing; the order page shows the locked shares and asks the
patient for the self-pay share only."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from doorstep.accounts.policy import Actor
from doorstep.billing import claims
from doorstep.billing.models import Claim, JournalEntry
from doorstep.billing.tests.payer_scene import expected, insure, publish_ningbo_rules
from doorstep.billing.tests.test_claims import deliver
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(personas, world, elder_a, catalog, providers, frozen):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    return deliver(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)


def test_finance_submits_the_month_and_downloads(personas, world, delivered, login_as):
    client = login_as(personas.inst_admin)
    page = client.get("/claims/")
    assert page.status_code == 200
    assert b'data-testid="submit-claims"' in page.content
    r = client.post("/claims/submit/", {"institution": world.inst_a.pk, "month": "2026-06"})
    assert r.status_code == 302
    assert Claim.objects.count() == 2
    again = client.post(
        "/claims/submit/", {"institution": world.inst_a.pk, "month": "2026-06"}, follow=True
    )
    assert "no delivered visits with a payer share left" in again.content.decode()
    claim = Claim.objects.get(payer="long_term_care")
    r = client.get(f"/claims/{claim.pk}/export.csv")
    assert r.status_code == 200
    assert "王秀英" in r.content.decode("utf-8-sig")


def test_payer_officer_approves_in_part(personas, world, delivered, login_as):
    (claim, *_rest) = claims.submit_claims(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
    )
    client = login_as(personas.payer_officer)
    listing = client.get("/claims/").content.decode()
    assert claim.number in listing
    detail = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-testid="decide"' in detail
    assert "王**" in detail
    # a bad amount: an error, nothing changes
    r = client.post(
        f"/claims/{claim.pk}/decide/",
        {"to": "partly_approved", "approved_yuan": "abc", "reason": "x"},
        follow=True,
    )
    assert "more than zero and less than claimed" in r.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "submitted"
    approved = claim.claimed_fen - 100
    r = client.post(
        f"/claims/{claim.pk}/decide/",
        {
            "to": "partly_approved",
            "approved_yuan": f"{approved // 100}.{approved % 100:02d}",
            "reason": "Consumables",
        },
    )
    assert r.status_code == 302
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.approved_fen) == ("partly_approved", approved)
    assert JournalEntry.objects.filter(event="claim_rejected", key=f"claim:{claim.pk}").exists()
    r = client.get(f"/claims/{claim.pk}/export.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    assert ws.cell(row=2, column=17).value == approved


def test_others_cannot_see_or_decide(personas, world, delivered, login_as, client):
    (claim, *_rest) = claims.submit_claims(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
    )
    login_as(personas.other_admin)
    assert claim.number not in client.get("/claims/").content.decode()
    assert client.get(f"/claims/{claim.pk}/").status_code == 404
    assert client.get(f"/claims/{claim.pk}/export.csv").status_code == 404
    client.logout()
    login_as(personas.inst_admin)
    assert 'data-testid="decide"' not in client.get(f"/claims/{claim.pk}/").content.decode()
    assert client.post(f"/claims/{claim.pk}/decide/", {"to": "approved"}).status_code == 404
    client.logout()
    login_as(personas.nurse)
    assert client.get("/claims/").status_code == 404
    assert Claim.objects.get(pk=claim.pk).status == "submitted"


def test_the_order_page_shows_the_locked_shares(
    personas, world, elder_a, catalog, providers, frozen, login_as
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    order = place(personas.elder, elder_a, world.inst_a, catalog.dressing)
    want = expected(order.total_fen)
    html = login_as(personas.elder).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="order-payers"' in html
    assert "Ningbo long-term-care insurance" in html
    self_pay = want["self_pay"]
    assert f"¥{self_pay // 100}.{self_pay % 100:02d}" in html


def test_the_item_page_shows_who_pays_before_booking(
    personas, world, elder_a, catalog, providers, frozen, login_as
):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    html = login_as(personas.elder, "zh-hans").get(f"/services/{catalog.dressing.pk}/")
    text = html.content.decode()
    assert 'data-testid="payer-shares"' in text
    assert "宁波市长期护理保险" in text
