"""Finance pages (ADR 0025): institution finance sees its statements and downloads them,
records a payout once per key, sees the reconciliation; platform admins also the drift
check; patients download their receipt and invoice; everyone else gets 404."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from doorstep.billing.models import Payout
from doorstep.billing.tests.finance_scene import build
from doorstep.billing.tests.pdftext import pdf_text
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff
family_link = orders_fixtures.family_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(personas, world, elder_a, catalog, providers, frozen):  # type: ignore[no-untyped-def]
    return build(personas, world, elder_a, catalog, providers, frozen)


def test_institution_finance_page_and_downloads(client, personas, scene):
    client.force_login(personas.inst_admin)
    page = client.get("/finance/", {"month": "2026-06"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="statement-{scene.provider_account.code}"' in html
    assert "¥13.00" in html
    assert "¥16.50" in html
    assert "Provider payable" in html  # what the account is, not only its code
    assert 'data-testid="reconciliation-ok"' in html
    assert 'data-testid="drift"' not in html  # the drift check is the platform's
    url = f"/finance/statements/{scene.provider_account.pk}/"
    detail = client.get(url, {"month": "2026-06"})
    assert "¥33.00" in detail.content.decode()
    xlsx = client.get(url, {"month": "2026-06", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["B13"].value == 13
    assert "¥13.00" in pdf_text(client.get(url, {"month": "2026-06", "format": "pdf"}).content)


def test_payout_form_records_once_per_key(client, personas, scene):
    client.force_login(personas.inst_admin)
    form = {
        "account_id": scene.provider_account.pk, "amount": "5.50", "reference": "BANK-2",
        "idempotency_key": "web-payout-test-0001", "month": "2026-06",
    }  # fmt: skip
    for _ in range(2):
        r = client.post("/finance/payouts/", form)
        assert r.status_code == 302
    assert list(Payout.objects.filter(reference="BANK-2").values_list("amount_fen", flat=True)) == [
        550
    ]
    too_much = {**form, "amount": "999", "idempotency_key": "web-payout-test-0002"}
    client.post("/finance/payouts/", too_much)
    assert not Payout.objects.filter(idempotency_key="web-payout-test-0002").exists()


def test_platform_admin_sees_fees_and_drift(client, personas, scene):
    client.force_login(personas.platform_admin)
    html = client.get("/finance/", {"month": "2026-06"}).content.decode()
    assert 'data-testid="platform-fees"' in html
    assert "¥5.50" in html
    assert 'data-testid="drift"' in html


def test_others_get_404(client, personas, scene):
    for user in (personas.other_admin, personas.elder, personas.dispatcher):
        client.force_login(user)
        r = client.get(f"/finance/statements/{scene.provider_account.pk}/", {"month": "2026-06"})
        assert r.status_code == 404
    client.force_login(personas.elder)
    assert client.get("/finance/").status_code == 404


def test_patient_downloads_receipt_and_invoice(client, personas, scene, family_link):
    order = scene.delivered
    for user in (personas.elder, personas.family):
        client.force_login(user)
        page = client.get(f"/orders/{order.pk}/").content.decode()
        assert f"/orders/{order.pk}/receipts/{scene.charge.pk}/" in page
        receipt = client.get(f"/orders/{order.pk}/receipts/{scene.charge.pk}/")
        assert receipt.status_code == 200
        assert "¥55.00" in pdf_text(receipt.content)
        assert client.get(f"/orders/{order.pk}/invoice/").status_code == 200
    client.force_login(personas.other_admin)
    assert client.get(f"/orders/{order.pk}/receipts/{scene.charge.pk}/").status_code == 404
    assert client.get(f"/orders/{order.pk}/invoice/").status_code == 404
    client.force_login(personas.elder)
    wrong_order = client.get(f"/orders/{scene.cancelled.pk}/receipts/{scene.charge.pk}/")
    assert wrong_order.status_code == 404
