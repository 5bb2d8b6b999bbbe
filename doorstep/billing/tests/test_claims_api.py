"""The claims API over real HTTP requests (ADR 0023 addendum): institution A's admin
submits June's claims, the Ningbo payer officer lists and decides them, exports the batch;
errors carry stable codes and change nothing; another institution sees nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from doorstep.billing.models import Claim, JournalEntry
from doorstep.billing.tests.payer_scene import insure, publish_ningbo_rules
from doorstep.billing.tests.test_claims import deliver
from doorstep.orders.tests import conftest as orders_fixtures
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
def june(personas, world, elder_a, catalog, providers, frozen, api_as) -> list[dict]:
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    deliver(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    r = api_as(personas.inst_admin).post(
        "/api/v1/billing/claims", {"institution_id": world.inst_a.pk, "month": "2026-06"}
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_submit_list_decide_pay(personas, june, api_as):
    assert sorted(c["payer"] for c in june) == ["long_term_care", "resident_basic"]
    officer = api_as(personas.payer_officer)
    listed = officer.get("/api/v1/billing/claims", {"status": "submitted"}).json()
    assert listed["count"] == 2
    ltc = next(c for c in june if c["payer"] == "long_term_care")
    detail = officer.get(f"/api/v1/billing/claims/{ltc['id']}").json()
    assert detail["lines"][0]["elder"] == "王**"
    assert [e["to_status"] for e in detail["events"]] == ["submitted"]
    r = officer.post(
        f"/api/v1/billing/claims/{ltc['id']}/transition",
        {"to": "partly_approved", "approved_fen": ltc["claimed_fen"] - 100, "reason": "Cap"},
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["approved_fen"]) == (
        "partly_approved",
        ltc["claimed_fen"] - 100,
    )
    r = officer.post(f"/api/v1/billing/claims/{ltc['id']}/transition", {"to": "paid"})
    assert r.json()["paid_fen"] == ltc["claimed_fen"] - 100


def test_errors_have_stable_codes_and_change_nothing(personas, june, api_as):
    officer = api_as(personas.payer_officer)
    claim_id = june[0]["id"]
    entries = JournalEntry.objects.count()
    r = officer.post(f"/api/v1/billing/claims/{claim_id}/transition", {"to": "paid"})
    assert (r.status_code, r.json()["code"]) == (409, "claim_transition")
    r = officer.post(f"/api/v1/billing/claims/{claim_id}/transition", {"to": "rejected"})
    assert (r.status_code, r.json()["code"]) == (422, "reason_required")
    zh = api_as(personas.payer_officer, "zh-hans")
    r = zh.post(f"/api/v1/billing/claims/{claim_id}/transition", {"to": "paid"})
    assert r.json()["message"] != "The claim cannot move to this status from its current one."
    r = officer.get(f"/api/v1/billing/claims/{claim_id}/export", {"format": "pdf"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_export_format")
    r = api_as(personas.inst_admin).post(
        "/api/v1/billing/claims", {"institution_id": june[0]["institution_id"], "month": "2026-6"}
    )
    assert r.status_code == 422
    assert Claim.objects.get(pk=claim_id).status == "submitted"
    assert JournalEntry.objects.count() == entries


def test_institution_staff_may_not_decide_and_others_see_nothing(personas, june, api_as):
    claim_id = june[0]["id"]
    r = api_as(personas.inst_admin).post(
        f"/api/v1/billing/claims/{claim_id}/transition", {"to": "approved"}
    )
    assert r.status_code == 403
    other = api_as(personas.other_admin)
    assert other.get("/api/v1/billing/claims").json() == {"count": 0, "items": []}
    assert other.get(f"/api/v1/billing/claims/{claim_id}").status_code == 404
    assert other.get(f"/api/v1/billing/claims/{claim_id}/export").status_code == 404
    r = other.post(
        "/api/v1/billing/claims", {"institution_id": june[0]["institution_id"], "month": "2026-06"}
    )
    assert r.status_code == 404


def test_xlsx_export_downloads(personas, june, api_as):
    claim_id = june[0]["id"]
    r = api_as(personas.payer_officer).get(
        f"/api/v1/billing/claims/{claim_id}/export", {"format": "xlsx"}
    )
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    assert ws.cell(row=2, column=1).value == f"CLM{claim_id:08d}"
