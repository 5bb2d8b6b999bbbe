"""Paying an order over the API with an idempotency key, at the door and through the
sandbox gateway's signed notifications (ADR 0022).

Fixtures are the orders tests' (frozen clock, institution A prepays, institution B is paid
at the door; the companionship visit needs no assessment, 50 yuan)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from doorstep.billing import selectors
from doorstep.billing.gateway import SANDBOX, SIGNATURE_HEADER, sign
from doorstep.billing.models import Charge, JournalEntry
from doorstep.core.models import AuditEvent
from doorstep.orders.models import Payment
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import first_visit, place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
family_link = orders_fixtures.family_link
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db

PATH = "/api/v1/billing/payments"
NOTIFY = "/api/v1/billing/gateway/sandbox/notify"


@pytest.fixture
def order(personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any) -> Any:
    o = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    assert first_visit(o).status == "awaiting_payment"
    return o


def client_with_key(api_as: Any, user: Any, key: str, lang: str = "en") -> Any:
    api = api_as(user, lang)
    api.headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api


def money_state() -> tuple[int, int, int, list[str]]:
    return (
        Charge.objects.count(),
        Payment.objects.count(),
        JournalEntry.objects.count(),
        sorted(Charge.objects.values_list("status", flat=True)),
    )


def test_cash_at_the_door_is_captured_once_and_replays_answer_the_same(api_as, personas, order):
    api = client_with_key(api_as, personas.elder, "pay-order-0001")
    body = {"order_id": order.pk, "channel": "cash", "amount_fen": order.total_fen}
    r = api.post(PATH, body)
    assert r.status_code == 201, r.json()
    first = r.json()
    assert first["status"] == "captured"
    assert first["amount_fen"] == order.total_fen
    assert first["replayed"] is False
    assert first_visit(order).status == "awaiting_dispatch"
    before = money_state()
    for _ in range(3):
        again = api.post(PATH, body)
        assert again.status_code == 200
        assert {**again.json(), "replayed": False} == first
    assert money_state() == before
    assert Payment.objects.get().amount_fen == order.total_fen
    assert selectors.check().ok


def test_same_key_other_amount_is_refused_and_changes_nothing(api_as, personas, order):
    api = client_with_key(api_as, personas.elder, "pay-order-0002")
    api.post(PATH, {"order_id": order.pk, "channel": "cash", "amount_fen": order.total_fen})
    before = money_state()
    r = api.post(PATH, {"order_id": order.pk, "channel": "cash", "amount_fen": 4000})
    assert r.status_code == 409
    assert r.json()["code"] == "idempotency_key_reused"
    assert money_state() == before


@pytest.mark.parametrize(
    ("key", "body", "status", "code"),
    [
        ("", {"channel": "cash"}, 422, "invalid_idempotency_key"),
        ("short", {"channel": "cash"}, 422, "invalid_idempotency_key"),
        ("pay-order-0003", {"channel": "bitcoin"}, 422, "invalid_channel"),
        ("pay-order-0004", {"channel": "pos"}, 422, "receipt_required"),
        ("pay-order-0005", {"channel": "cash", "amount_fen": 4999}, 422, "amount_mismatch"),
    ],
)
def test_bad_requests_charge_nothing(api_as, personas, order, key, body, status, code):
    api = client_with_key(api_as, personas.elder, key)
    r = api.post(PATH, {"order_id": order.pk, "amount_fen": order.total_fen, **body})
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert money_state() == (0, 0, 1, [])  # only the order's own entry
    assert first_visit(order).status == "awaiting_payment"


def test_amount_mismatch_speaks_chinese(api_as, personas, order):
    api = client_with_key(api_as, personas.elder, "pay-order-0006", lang="zh-hans")
    r = api.post(PATH, {"order_id": order.pk, "channel": "cash", "amount_fen": 1})
    assert r.json()["message"] == "金额与该订单当前应付金额不符。"


def test_others_cannot_pay_or_read(api_as, personas, order):
    r = client_with_key(api_as, personas.other_admin, "pay-order-0007").post(
        PATH, {"order_id": order.pk, "channel": "cash", "amount_fen": order.total_fen}
    )
    assert r.status_code == 404
    charge = client_with_key(api_as, personas.elder, "pay-order-0008").post(
        PATH, {"order_id": order.pk, "channel": "sandbox", "amount_fen": order.total_fen}
    )
    charge_id = charge.json()["id"]
    for user in (personas.other_admin, personas.nurse, personas.family):
        assert api_as(user).get(f"{PATH}/{charge_id}").status_code == 404
    assert api_as(personas.elder).get(f"{PATH}/{charge_id}").status_code == 200
    assert api_as(personas.inst_admin).get(f"{PATH}/{charge_id}").status_code == 200


def _sandbox_charge(api_as: Any, personas: Any, order: Any) -> Charge:
    r = client_with_key(api_as, personas.elder, "pay-order-0100").post(
        PATH, {"order_id": order.pk, "channel": "sandbox", "amount_fen": order.total_fen}
    )
    assert r.status_code == 201
    assert r.json()["status"] == "pending"
    return Charge.objects.get(pk=r.json()["id"])


def _notify(client: Any, body: bytes, sig: str) -> Any:
    return client.post(
        NOTIFY, data=body, content_type="application/json", **{"HTTP_X_SANDBOX_SIGNATURE": sig}
    )


def _note(charge: Charge, status: str = "paid", **over: Any) -> tuple[bytes, str]:
    return SANDBOX.notification(
        institution_id=over.get("institution_id", charge.institution_id),
        trade_no=charge.trade_no,
        txn_id=charge.gateway_txn,
        amount_fen=over.get("amount_fen", charge.amount_fen),
        status=status,
    )


def test_sandbox_paid_notification_captures_once(client, api_as, personas, order):
    charge = _sandbox_charge(api_as, personas, order)
    assert first_visit(order).status == "awaiting_payment"
    body, sig = _note(charge)
    assert SIGNATURE_HEADER == "X-Sandbox-Signature"
    r = _notify(client, body, sig)
    assert (r.status_code, r.json()) == (200, {"result": "captured"})
    charge.refresh_from_db()
    assert charge.status == "captured"
    assert first_visit(order).status == "awaiting_dispatch"
    assert Payment.objects.get().method == "online"
    before = money_state()
    # the gateway repeats itself, then a stale "failed" arrives late
    assert _notify(client, body, sig).json() == {"result": "duplicate"}
    assert _notify(client, *_note(charge, "failed")).json() == {"result": "stale"}
    assert money_state() == before
    assert selectors.check().ok


def test_failed_then_paid_out_of_order(client, api_as, personas, order):
    charge = _sandbox_charge(api_as, personas, order)
    assert _notify(client, *_note(charge, "failed")).json() == {"result": "failed"}
    assert _notify(client, *_note(charge, "paid")).json() == {"result": "captured"}
    charge.refresh_from_db()
    assert charge.status == "captured"


def _refused(client: Any, body: bytes, sig: str, reason: str) -> None:
    before = money_state()
    audits = AuditEvent.objects.filter(action="billing.notification_refused").count()
    r = _notify(client, body, sig)
    assert r.status_code == 400
    assert r.json()["code"] == "notification_refused"
    assert r.json()["details"] == {"reason": reason}
    assert money_state() == before
    rows = AuditEvent.objects.filter(action="billing.notification_refused")
    assert rows.count() == audits + 1
    assert rows.order_by("-id").first().details["reason"] == reason  # type: ignore[union-attr]


def test_forged_tampered_and_foreign_notifications_are_refused_and_audited(
    client, api_as, personas, world, order
):
    charge = _sandbox_charge(api_as, personas, order)
    body, sig = _note(charge)
    tampered = body.replace(b'"amount_fen":%d' % order.total_fen, b'"amount_fen":1')
    assert tampered != body
    _refused(client, tampered, sig, "bad_signature")
    _refused(client, body, "0" * 64, "bad_signature")
    _refused(client, body, "", "bad_signature")
    # signed correctly by institution B's merchant, for institution A's charge
    foreign = json.loads(body)
    foreign["merchant_id"] = f"sbx-{world.inst_b.pk}"
    fbody = json.dumps(foreign).encode()
    _refused(client, fbody, sign(fbody, f"sbx-{world.inst_b.pk}"), "foreign_merchant")
    # genuine signature, wrong amount
    _refused(client, *_note(charge, amount_fen=1), "amount_mismatch")
    _refused(client, b"not json", "x", "bad_notification")
    assert Charge.objects.get().status == "pending"


def test_simulated_payer_pays_through_the_gateway(client, api_as, personas, order, settings):
    settings.BILLING_SANDBOX = True
    charge = _sandbox_charge(api_as, personas, order)
    r = api_as(personas.elder).post(
        f"/api/v1/billing/sandbox/payments/{charge.pk}/simulate", {"outcome": "paid"}
    )
    assert r.status_code == 202
    # delivered on commit by the task (eager in tests, in-process without a notify URL)
    charge.refresh_from_db()
    assert charge.status in ("pending", "captured")


def test_simulation_is_off_in_production_settings(api_as, personas, order, settings):
    charge = _sandbox_charge(api_as, personas, order)
    settings.BILLING_SANDBOX = False
    r = api_as(personas.elder).post(
        f"/api/v1/billing/sandbox/payments/{charge.pk}/simulate", {"outcome": "paid"}
    )
    assert r.status_code == 404
