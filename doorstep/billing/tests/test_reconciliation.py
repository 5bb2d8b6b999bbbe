"""The reconciliation report (ADR 0025): nothing on a clean month; every mismatch written
into the tables behind the services' backs is found with its code; ``manage.py reconcile``
prints them and exits 1."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from doorstep.accounts.policy import Actor
from doorstep.billing import accounts as acct
from doorstep.billing import payments, reconciliation
from doorstep.billing.gateway import SANDBOX
from doorstep.billing.models import Charge, JournalEntry, Payout, Refund
from doorstep.billing.reconciliation import reconcile
from doorstep.billing.services import cr, dr, post_entry
from doorstep.billing.statements import Period
from doorstep.core import clock
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .finance_scene import build

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db
JUNE = Period.month("2026-06")


@pytest.fixture
def scene(personas, world, elder_a, catalog, providers, frozen):  # type: ignore[no-untyped-def]
    return build(personas, world, elder_a, catalog, providers, frozen)


def codes(report: reconciliation.Report) -> list[tuple[str, str]]:
    return [(m.code, m.record) for m in report.mismatches]


def test_clean_month_has_no_mismatch(scene, world):
    report = reconcile(JUNE)
    assert codes(report) == []
    assert report.ok
    assert report.ledger is not None
    assert report.ledger.ok
    assert reconcile(JUNE, institution_id=world.inst_a.pk).ok
    call_command("reconcile", "--month", "2026-06")


def test_gateway_payment_with_its_notification_is_clean(
    personas, world, elder_a, catalog, frozen, client
):
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    charge, _ = payments.request_payment(
        actor=Actor.of(personas.elder), order=order, channel="sandbox", amount_fen=order.total_fen,
        idempotency_key="recon-sbx-0001",
    )  # fmt: skip
    body, sig = SANDBOX.notification(
        institution_id=charge.institution_id, trade_no=charge.trade_no, txn_id=charge.gateway_txn,
        amount_fen=charge.amount_fen, status="paid",
    )  # fmt: skip
    payments.handle_notification(body=body, signature=sig)
    assert codes(reconcile(JUNE)) == []
    # captured without the gateway's word: written straight into the table
    Charge.objects.filter(pk=charge.pk).update(status="captured")
    from doorstep.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="billing.payment_captured").count() == 1


def test_injected_mismatches_are_each_found(scene, personas, world, elder_a, catalog, frozen):
    order = scene.delivered
    # 1. a charge captured without its ledger entry
    lost = Charge.objects.create(
        idempotency_key="inject-0001", fingerprint="0" * 64, order=order,
        institution_id=order.institution_id, amount_fen=700, channel="cash", status="captured",
        requested_by=personas.elder, created_at=clock.now(), captured_at=clock.now(),
    )  # fmt: skip
    # 2. a charge whose payment entry moved another amount than the charge
    Charge.objects.filter(pk=scene.charge.pk).update(amount_fen=scene.charge.amount_fen + 1)
    # 3. a payment entry without any charge
    stray = post_entry(
        event="payment_captured", key="payment:999999",
        postings=[dr(acct.clearing("cash"), 300), cr(acct.patient(elder_a.pk), 300)],
        institution_id=world.inst_a.pk, order_id=order.pk,
    )  # fmt: skip
    # 4. a refund and a payout without their entries
    ghost_refund = Refund.objects.create(
        idempotency_key="inject-rf-01", fingerprint="0" * 64, charge=scene.refunded_charge,
        amount_fen=100, reason="x", requested_by=personas.inst_admin, created_at=clock.now(),
    )  # fmt: skip
    ghost_payout = Payout.objects.create(
        idempotency_key="inject-po-01", fingerprint="0" * 64, account=scene.provider_account,
        amount_fen=50, requested_by=personas.inst_admin, created_at=clock.now(),
    )  # fmt: skip
    # 5. a payout entry without its payout row
    loose = post_entry(
        event="payout", key="payout:888888",
        postings=[
            dr(acct.Ref(scene.provider_account.code, "provider", world.inst_a.pk, scene.provider_account.owner_id), 10),
            cr(acct.clearing("bank"), 10),
        ],
        institution_id=world.inst_a.pk,
    )  # fmt: skip
    # 6. a sandbox charge pending for two days
    frozen.advance(days=-3)
    stale = Charge.objects.create(
        idempotency_key="inject-sbx-01", fingerprint="0" * 64, order=scene.cancelled,
        institution_id=world.inst_a.pk, amount_fen=5500, channel="sandbox", gateway_txn="SBXSTALE",
        requested_by=personas.elder, created_at=clock.now(),
    )  # fmt: skip
    frozen.advance(days=3)
    report = reconcile(JUNE)
    found = codes(report)
    assert found == [
        ("charge_amount_differs", f"charge:{scene.charge.pk}"),
        ("charge_without_entry", f"charge:{lost.pk}"),
        ("payment_entry_without_charge", f"entry:{stray.pk}"),
        ("refund_without_entry", f"refund:{ghost_refund.pk}"),
        ("refunds_exceed_charge", f"charge:{scene.refunded_charge.pk}"),
        ("payout_without_entry", f"payout:{ghost_payout.pk}"),
        ("payout_entry_without_payout", f"entry:{loose.pk}"),
        ("charge_pending_stale", f"charge:{stale.pk}"),
    ]
    by_code = {m.code: m for m in report.mismatches}
    assert (
        by_code["charge_amount_differs"].expected_fen,
        by_code["charge_amount_differs"].found_fen,
    ) == (scene.charge.amount_fen + 1, scene.charge.amount_fen)
    assert (
        by_code["refunds_exceed_charge"].expected_fen,
        by_code["refunds_exceed_charge"].found_fen,
    ) == (5500, 5600)
    assert not report.ok
    # the other institution sees none of institution A's mismatches
    assert codes(reconcile(JUNE, institution_id=world.inst_b.pk)) == []
    assert JournalEntry.objects.filter(pk=stray.pk).exists()


def test_notification_mismatches(scene, personas, world, frozen):
    from doorstep.core import audit

    charge = Charge.objects.create(
        idempotency_key="inject-sbx-02", fingerprint="0" * 64, order=scene.cancelled,
        institution_id=world.inst_a.pk, amount_fen=5500, channel="sandbox", gateway_txn="SBXX",
        status="captured", requested_by=personas.elder, created_at=clock.now(), captured_at=clock.now(),
    )  # fmt: skip
    pending = Charge.objects.create(
        idempotency_key="inject-sbx-03", fingerprint="0" * 64, order=scene.cancelled,
        institution_id=world.inst_a.pk, amount_fen=5500, channel="sandbox", gateway_txn="SBXY",
        requested_by=personas.elder, created_at=clock.now(),
    )  # fmt: skip
    note = audit.record(
        actor=None, action="billing.payment_captured", object_type="charge", object_id=pending.pk,
        institution_id=world.inst_a.pk, details={"txn": "SBXY", "amount_fen": 5500},
    )  # fmt: skip
    found = [(m.code, m.record) for m in reconcile(JUNE).mismatches if "notification" in m.code]
    assert found == [
        ("notification_without_capture", f"notification:{note.pk}"),
        ("capture_without_notification", f"charge:{charge.pk}"),
    ]


def test_command_prints_mismatches_and_exits_1(scene, capsys):
    Payout.objects.create(
        idempotency_key="inject-po-02", fingerprint="0" * 64, account=scene.provider_account,
        amount_fen=50, requested_by=scene.payout.requested_by, created_at=clock.now(),
    )  # fmt: skip
    with pytest.raises(CommandError):
        call_command("reconcile", "--month", "2026-06")
    out = capsys.readouterr().out
    assert "payout_without_entry payout:" in out
    assert "expected 50 fen, found None fen" in out
    assert "1 mismatch(es)" in out
    with pytest.raises(CommandError):
        call_command("reconcile", "--month", "2026-06", "--json")
    data = json.loads(capsys.readouterr().out)
    assert [m["code"] for m in data["mismatches"]] == ["payout_without_entry"]
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("reconcile", "--month", "June")


def test_claims_check_is_run_and_its_findings_coded(monkeypatch):
    from doorstep.billing import claims

    seen = []

    def fake(*, institution_id, period):  # type: ignore[no-untyped-def]
        seen.append((institution_id, period))
        return [
            {
                "kind": "paid_vs_posted",
                "claim_id": 7,
                "account": "payer:x",
                "expected_fen": 10,
                "ledger_fen": 9,
            },
            {
                "kind": "receivable",
                "claim_id": None,
                "account": "payer:x",
                "expected_fen": 5,
                "ledger_fen": 0,
            },
        ]

    monkeypatch.setattr(claims, "claims_vs_ledger", fake)
    report = reconcile(JUNE)
    assert report.extensions == ["claims"]
    assert codes(report) == [
        ("claim_paid_vs_posted", "claim:7"),
        ("claim_receivable", "account:payer:x"),
    ]
    assert seen == [(None, "2026-06")]
    assert not report.ok
