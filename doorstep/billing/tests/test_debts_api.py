"""The patient-debt API over HTTP (ADR 0033): the elder lists what the insurers refused
with their reasons, pays it online through the sandbox gateway's signed notification; the
same key replays, errors carry stable codes in the caller's language and change nothing;
institution A's admin records a desk payment; institution B sees nothing."""

from __future__ import annotations

import pytest

from doorstep.billing.gateway import SANDBOX
from doorstep.billing.models import Charge, JournalEntry
from doorstep.billing.tests import test_debts
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff
refused = test_debts.refused

pytestmark = pytest.mark.django_db

LIST = "/api/v1/billing/debts"
NOTIFY = "/api/v1/billing/gateway/sandbox/notify"


def pay_path(order_id: int) -> str:
    return f"/api/v1/billing/orders/{order_id}/debt-payments"


def test_elder_sees_and_pays_online_with_replays_and_stable_errors(
    api_as, client, personas, refused
):
    order, owed = refused["order"], refused["owed"]
    elder = api_as(personas.elder)
    (row,) = elder.get(LIST).json()["items"]
    assert (row["order_id"], row["refused_fen"], row["outstanding_fen"], row["elder"]) == (
        order.pk,
        owed,
        owed,
        "王**",
    )
    assert {r["payer"]: r["reason"] for r in row["reasons"]} == {
        "long_term_care": "Disability level expired",
        "resident_basic": "Consumables",
    }
    assert row["reasons"][0]["claim_number"].startswith("CLM")
    state = (Charge.objects.count(), JournalEntry.objects.count())
    zh = api_as(personas.elder, "zh-hans")
    r = zh.post(
        pay_path(order.pk),
        {"channel": "sandbox", "amount_fen": owed + 5, "idempotency_key": "api-debt-0001"},
    )
    assert (r.status_code, r.json()["code"], r.json()["details"]["due_fen"]) == (
        409,
        "amount_mismatch",
        owed,
    )
    assert r.json()["message"] != "The amount does not match what is due for this order."
    r = elder.post(
        pay_path(order.pk),
        {"channel": "cash", "amount_fen": owed, "idempotency_key": "api-debt-0002"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_channel")
    assert (Charge.objects.count(), JournalEntry.objects.count()) == state
    body = {"channel": "sandbox", "amount_fen": owed, "idempotency_key": "api-debt-0003"}
    first = elder.post(pay_path(order.pk), body)
    assert first.status_code == 201, first.content
    charge = first.json()
    assert (charge["status"], charge["purpose"], charge["amount_fen"]) == ("pending", "debt", owed)
    again = elder.post(pay_path(order.pk), body)
    assert (again.status_code, again.json()["id"], again.json()["replayed"]) == (
        200,
        charge["id"],
        True,
    )
    r = elder.post(pay_path(order.pk), {**body, "idempotency_key": "api-debt-0004"})
    assert (r.status_code, r.json()["code"]) == (409, "debt_payment_pending")
    note, sig = SANDBOX.notification(
        institution_id=order.institution_id,
        trade_no=f"DS{charge['id']:010d}",
        txn_id=charge["gateway_txn"],
        amount_fen=owed,
        status="paid",
    )
    r = client.post(
        NOTIFY,
        data=note,
        content_type="application/json",
        **{"HTTP_X_SANDBOX_SIGNATURE": sig},
    )
    assert (r.status_code, r.json()) == (200, {"result": "captured"})
    (row,) = elder.get(LIST).json()["items"]
    assert (row["paid_fen"], row["outstanding_fen"]) == (owed, 0)
    assert elder.get(LIST, {"outstanding": "true"}).json() == {"count": 0, "items": []}
    r = elder.post(pay_path(order.pk), {**body, "idempotency_key": "api-debt-0005"})
    assert (r.status_code, r.json()["code"]) == (409, "no_debt_owed")


def test_desk_payment_and_other_institution(api_as, personas, refused):
    order, owed = refused["order"], refused["owed"]
    other = api_as(personas.other_admin)
    assert other.get(LIST).json() == {"count": 0, "items": []}
    body = {"channel": "cash", "amount_fen": owed, "idempotency_key": "api-desk-0001"}
    r = other.post(pay_path(order.pk), body)
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert not Charge.objects.exists()
    desk = api_as(personas.inst_admin)
    assert [d["order_id"] for d in desk.get(LIST).json()["items"]] == [order.pk]
    r = desk.post(pay_path(order.pk), {**body, "channel": "pos"})
    assert (r.status_code, r.json()["code"]) == (422, "receipt_required")
    r = desk.post(pay_path(order.pk), body)
    assert (r.status_code, r.json()["status"], r.json()["channel"]) == (201, "captured", "cash")
    r = desk.post(pay_path(order.pk), {**body, "amount_fen": 1})
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_key_reused")
