"""Settlement API over HTTP (ADR 0025): statements as JSON, PDF and XLSX, the
reconciliation report, receipts and invoices; scoped to the caller, bad input answered with
a stable code, every download audited."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from doorstep.billing.models import Charge
from doorstep.core import clock
from doorstep.core.models import AuditEvent
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .finance_scene import build
from .pdftext import pdf_text

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


def test_statements_listed_by_scope(api_as, personas, scene, world):
    def codes(user):  # type: ignore[no-untyped-def]
        r = api_as(user).get("/api/v1/billing/statements", {"month": "2026-06"})
        assert r.status_code == 200
        return sorted(item["account_code"] for item in r.json()["items"])

    prov, inst = scene.provider_account.code, scene.institution_account.code
    assert codes(personas.platform_admin) == sorted(["platform", inst, prov])
    assert codes(personas.inst_admin) == sorted([inst, prov])
    assert codes(personas.nurse) == [prov]
    assert codes(personas.other_admin) == []
    assert codes(personas.elder) == []
    body = api_as(personas.nurse).get("/api/v1/billing/statements", {"month": "2026-06"}).json()
    item = body["items"][0]
    assert (item["opening_fen"], item["closing_fen"], item["totals"]["visit"]) == (0, 1300, 3300)


def test_statement_json_pdf_xlsx(api_as, personas, scene):
    api = api_as(personas.inst_admin)
    url = f"/api/v1/billing/statements/{scene.provider_account.pk}"
    data = api.get(url, {"month": "2026-06"}).json()
    assert [(ln["section"], ln["price_fen"], ln["amount_fen"]) for ln in data["lines"]] == [
        ("visit", 5500, 3300),
        ("payout", 0, -2000),
    ]
    assert data["lines"][0]["payers"] == [
        {"payer": "self_pay", "payer_label": "The patient", "amount_fen": 5500}
    ]
    before = AuditEvent.objects.filter(action__startswith="billing.download_").count()
    pdf = api.get(url, {"month": "2026-06", "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "¥13.00" in pdf_text(pdf.content)
    xlsx = api.get(url, {"month": "2026-06", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A13"].value == "Closing balance"
    assert ws["B13"].value == 13
    assert AuditEvent.objects.filter(action__startswith="billing.download_").count() == before + 2
    zh = api_as(personas.inst_admin, "zh-hans").get(url, {"month": "2026-06", "format": "pdf"})
    assert "期末余额" in pdf_text(zh.content)


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"month": "2026-13"}, 422, "invalid_month"),
        ({"start": "2026-06-10", "end": "2026-06-01"}, 422, "invalid_period"),
        ({"month": "2026-06", "format": "docx"}, 422, "invalid_format"),
    ],
)
def test_bad_statement_queries(api_as, personas, scene, query, status, code):
    r = api_as(personas.inst_admin).get(
        f"/api/v1/billing/statements/{scene.provider_account.pk}", query
    )
    assert (r.status_code, r.json()["code"]) == (status, code)


def test_others_get_404_for_a_statement(api_as, personas, scene):
    for user in (personas.other_admin, personas.elder, personas.caregiver):
        r = api_as(user).get(
            f"/api/v1/billing/statements/{scene.provider_account.pk}", {"month": "2026-06"}
        )
        assert r.status_code == 404


def test_reconciliation_report(api_as, personas, scene, world):
    r = api_as(personas.platform_admin).get("/api/v1/billing/reconciliation", {"month": "2026-06"})
    assert r.status_code == 200
    assert (r.json()["ok"], r.json()["mismatches"], r.json()["ledger"]["ok"]) == (True, [], True)
    Charge.objects.create(
        idempotency_key="api-inject-01", fingerprint="0" * 64, order=scene.delivered,
        institution_id=world.inst_a.pk, amount_fen=700, channel="cash", status="captured",
        requested_by=personas.elder, created_at=clock.now(), captured_at=clock.now(),
    )  # fmt: skip
    mine = api_as(personas.inst_admin).get("/api/v1/billing/reconciliation", {"month": "2026-06"})
    body = mine.json()
    assert (body["institution_id"], body["ok"], body["ledger"]) == (world.inst_a.pk, False, None)
    assert [m["code"] for m in body["mismatches"]] == ["charge_without_entry"]
    other = api_as(personas.other_admin).get("/api/v1/billing/reconciliation", {"month": "2026-06"})
    assert other.json()["mismatches"] == []
    assert (
        api_as(personas.nurse)
        .get("/api/v1/billing/reconciliation", {"month": "2026-06"})
        .status_code
        == 404
    )


def test_receipt_and_invoice_for_the_patient_only(api_as, personas, scene, family_link):
    receipt = f"/api/v1/billing/payments/{scene.charge.pk}/receipt"
    invoice = f"/api/v1/billing/orders/{scene.cancelled.pk}/invoice"
    for user in (personas.elder, personas.family, personas.inst_admin):
        r = api_as(user).get(receipt)
        assert r.status_code == 200, user
        assert "¥55.00" in pdf_text(r.content)
        assert api_as(user).get(invoice).status_code == 200
    for user in (personas.other_admin, personas.nurse, personas.dispatcher, personas.regulator):
        assert api_as(user).get(receipt).status_code == 404
        assert api_as(user).get(invoice).status_code == 404
    audited = AuditEvent.objects.filter(
        action="billing.download_receipt", object_id=str(scene.charge.pk)
    )
    assert audited.count() == 3
    text = pdf_text(api_as(personas.elder).get(invoice).content)
    assert "Refunded" in text
    assert "¥55.00" in text
