"""Patient debt from refused payer shares (ADR 0033): after Ningbo's payers refuse (part
of) institution A's June claims for 王秀英's dressing visit, she owes the refused part;
she, her family with the ``pay`` right and institution A's finance side see it with the
payer's reason, and it is paid once (at the desk or online), back to the balance the
patient's account had before the claims were decided, with no reconciliation mismatch."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from doorstep.accounts.policy import Actor
from doorstep.billing import claims, debts, documents, payments, selectors
from doorstep.billing.errors import (
    AmountMismatch,
    DebtPaymentPending,
    IdempotencyKeyReused,
    InvalidChannel,
    NoDebtOwed,
    ReceiptRequired,
)
from doorstep.billing.gateway import SANDBOX
from doorstep.billing.models import Account, Charge, Claim, JournalEntry
from doorstep.billing.reconciliation import reconcile
from doorstep.billing.statements import Period
from doorstep.billing.tests.payer_scene import expected, insure, publish_ningbo_rules
from doorstep.billing.tests.pdftext import pdf_text
from doorstep.billing.tests.test_claims import deliver
from doorstep.core.errors import NotFound
from doorstep.core.models import AuditEvent
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people import services as people_services
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


def pay_link(personas: Any, elder: Any, *permissions: str) -> None:
    """Link the family persona to ``elder`` with ``permissions`` and proxy consent."""
    elder_actor = Actor.of(personas.elder)
    people_services.link_family(
        actor=elder_actor,
        elder=elder,
        user=personas.family,
        relationship="child",
        permissions=["view_record", *permissions],
    )
    people_services.record_consent(
        actor=elder_actor, elder=elder, purpose="family_proxy_access", policy_version="2026-01"
    )


def patient_balance(elder: Any) -> int:
    return Account.objects.get(code=f"patient:{elder.pk}").balance_fen


@pytest.fixture
def refused(personas, world, elder_a, catalog, providers, frozen) -> dict[str, Any]:
    """The LTC claim rejected, the basic insurance claim partly approved (10 yuan less)."""
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    visit = deliver(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    before = patient_balance(elder_a)
    made = {
        c.payer: c
        for c in claims.submit_claims(
            actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
        )
    }
    officer = Actor.of(personas.payer_officer)
    claims.reject(actor=officer, claim=made["long_term_care"], reason="Disability level expired")
    basic = made["resident_basic"]
    claims.partly_approve(
        actor=officer, claim=basic, approved_fen=basic.claimed_fen - 1000, reason="Consumables"
    )
    want = expected(visit.price_fen)
    baseline = mismatches()
    assert [m.code for m in baseline] == ["payment_entry_without_charge"]
    return {
        "baseline": baseline,
        "order": visit.order,
        "visit": visit,
        "before": before,
        "owed": want["long_term_care"] + 1000,
        "ltc": made["long_term_care"],
        "basic": basic,
    }


def mismatches() -> list[Any]:
    return reconcile(Period.month("2026-06")).mismatches


def no_new_mismatch(refused: dict[str, Any]) -> None:
    """The report finds nothing beyond what it found before the debt was paid (the test
    fixtures prepay the order through the visit loop without a charge: one known row)."""
    assert mismatches() == refused["baseline"]
    assert claims.claims_vs_ledger() == []


def test_the_debt_shows_each_payers_refusal_to_who_may_see_it(personas, elder_a, refused):
    pay_link(personas, elder_a, "pay")
    order = refused["order"]
    for who in (personas.elder, personas.family, personas.inst_admin, personas.platform_admin):
        (debt,) = debts.debts_for(Actor.of(who))
        assert (debt.order_id, debt.refused_fen, debt.paid_fen, debt.outstanding_fen) == (
            order.pk,
            refused["owed"],
            0,
            refused["owed"],
        )
    reasons = {r.payer: r for r in debt.reasons}
    ltc, basic = reasons["long_term_care"], reasons["resident_basic"]
    assert (ltc.claim_number, ltc.reason, ltc.refused_fen) == (
        refused["ltc"].number,
        "Disability level expired",
        expected(refused["visit"].price_fen)["long_term_care"],
    )
    assert (basic.claim_number, basic.reason, basic.refused_fen) == (
        refused["basic"].number,
        "Consumables",
        1000,
    )
    assert ltc.payer_name == "Ningbo long-term-care insurance"
    # the patient's account moved by exactly what was refused
    assert patient_balance(elder_a) == refused["before"] + refused["owed"]


def test_others_see_nothing_and_get_404(personas, elder_a, refused):
    pay_link(personas, elder_a)  # family without the pay right
    order = refused["order"]
    for who in (personas.family, personas.other_admin, personas.nurse, personas.payer_officer):
        actor = Actor.of(who)
        assert debts.debts_for(actor) == []
        with pytest.raises(NotFound):
            debts.access_debt_order(actor=actor, order_id=order.pk)
    # the provider of the visit may record a door payment, nobody else outside the scope
    assert debts.access_debt_order(
        actor=Actor.of(personas.nurse), order_id=order.pk, for_payment=True
    )
    with pytest.raises(NotFound):
        debts.access_debt_order(
            actor=Actor.of(personas.other_admin), order_id=order.pk, for_payment=True
        )


def test_paid_at_the_desk_once_back_to_the_balance_before_the_claims(personas, elder_a, refused):
    order, owed = refused["order"], refused["owed"]
    desk = Actor.of(personas.inst_admin)
    charge, created = debts.pay_claim_debt(
        actor=desk,
        order=order,
        channel="pos",
        amount_fen=owed,
        idempotency_key="debt-desk-0001",
        receipt_no="POS-778",
    )
    assert (created, charge.status, charge.purpose, charge.amount_fen) == (
        True,
        "captured",
        "debt",
        owed,
    )
    entry = JournalEntry.objects.get(event="debt_paid", key=f"charge:{charge.pk}")
    assert entry.order_id == order.pk
    assert sorted(entry.lines.values_list("account__code", "amount_fen")) == [
        ("clearing:pos", owed),
        (f"patient:{elder_a.pk}", -owed),
    ]
    assert patient_balance(elder_a) == refused["before"]
    assert AuditEvent.objects.filter(
        action="billing.debt_payment_requested", object_id=str(charge.pk)
    ).exists()
    # the same request again: the same charge, nothing new
    entries = JournalEntry.objects.count()
    again, created = debts.pay_claim_debt(
        actor=desk,
        order=order,
        channel="pos",
        amount_fen=owed,
        idempotency_key="debt-desk-0001",
        receipt_no="POS-778",
    )
    assert (again.pk, created, JournalEntry.objects.count()) == (charge.pk, False, entries)
    with pytest.raises(IdempotencyKeyReused):
        debts.pay_claim_debt(
            actor=desk, order=order, channel="cash", amount_fen=1, idempotency_key="debt-desk-0001"
        )
    # another key: the debt is paid
    with pytest.raises(NoDebtOwed):
        debts.pay_claim_debt(
            actor=desk, order=order, channel="cash", amount_fen=owed, idempotency_key="debt-desk-02"
        )
    assert Charge.objects.filter(purpose="debt").count() == 1
    (debt,) = debts.debts_for(desk)
    assert (debt.paid_fen, debt.outstanding_fen) == (owed, 0)
    assert debts.debts_for(desk, outstanding_only=True) == []
    figures = documents.invoice_figures(order)
    assert (figures.refused_fen, figures.debt_paid_fen, figures.due_fen) == (owed, owed, 0)
    shown = documents.yuan(owed)
    invoice = pdf_text(documents.invoice_pdf(order))
    assert f"Refused by the insurer, owed by you\n{shown}" in invoice
    assert f"Paid of the refused share\n{shown}" in invoice
    assert "The share the insurer refused" in pdf_text(documents.receipt_pdf(charge))
    with translation.override("zh-hans"):
        assert "保险方拒付、由您支付" in pdf_text(documents.invoice_pdf(order))
    assert selectors.check().ok
    no_new_mismatch(refused)


def test_wrong_amounts_channels_and_receipts_are_refused_and_write_nothing(
    personas, elder_a, refused
):
    pay_link(personas, elder_a, "pay")
    order, owed = refused["order"], refused["owed"]
    state = (Charge.objects.count(), JournalEntry.objects.count())
    with pytest.raises(AmountMismatch) as exc:
        debts.pay_claim_debt(
            actor=Actor.of(personas.elder),
            order=order,
            channel="sandbox",
            amount_fen=owed - 1,
            idempotency_key="debt-short-0001",
        )
    assert (exc.value.status, exc.value.details["due_fen"]) == (409, owed)
    cases = [
        (personas.elder, "cash", "", InvalidChannel),  # patients pay online
        (personas.family, "cash", "", InvalidChannel),
        (personas.inst_admin, "sandbox", "", InvalidChannel),  # staff record door payments
        (personas.inst_admin, "ins_card", "", ReceiptRequired),
    ]
    for i, (who, channel, receipt, error) in enumerate(cases):
        with pytest.raises(error):
            debts.pay_claim_debt(
                actor=Actor.of(who),
                order=order,
                channel=channel,
                amount_fen=owed,
                idempotency_key=f"debt-bad-000{i}",
                receipt_no=receipt,
            )
    assert (Charge.objects.count(), JournalEntry.objects.count()) == state


def test_paid_online_when_the_gateway_says_so_and_nothing_else_meanwhile(
    personas, elder_a, refused
):
    pay_link(personas, elder_a, "pay")
    order, owed = refused["order"], refused["owed"]
    charge, _ = debts.pay_claim_debt(
        actor=Actor.of(personas.family),
        order=order,
        channel="sandbox",
        amount_fen=owed,
        idempotency_key="debt-online-0001",
    )
    assert (charge.status, charge.gateway_txn != "") == ("pending", True)
    # while it waits: no second charge, online or at the desk
    for who, channel, key in (
        (personas.elder, "sandbox", "debt-online-0002"),
        (personas.inst_admin, "cash", "debt-desk-0003"),
    ):
        with pytest.raises(DebtPaymentPending):
            debts.pay_claim_debt(
                actor=Actor.of(who),
                order=order,
                channel=channel,
                amount_fen=owed,
                idempotency_key=key,
            )
    (debt,) = debts.debts_for(Actor.of(personas.elder))
    assert debt.pending is not None
    assert (debt.pending.pk, debt.outstanding_fen) == (charge.pk, owed)
    body, sig = SANDBOX.notification(
        institution_id=charge.institution_id,
        trade_no=charge.trade_no,
        txn_id=charge.gateway_txn,
        amount_fen=owed,
        status="paid",
    )
    assert payments.handle_notification(body=body, signature=sig)[1] == "captured"
    assert payments.handle_notification(body=body, signature=sig)[1] == "duplicate"
    charge.refresh_from_db()
    assert (charge.status, charge.order_payment_id) == ("captured", None)
    entry = JournalEntry.objects.get(event="debt_paid", key=f"charge:{charge.pk}")
    assert sorted(entry.lines.values_list("account__code", "amount_fen")) == [
        ("clearing:online", owed),
        (f"patient:{elder_a.pk}", -owed),
    ]
    assert patient_balance(elder_a) == refused["before"]
    assert debts.debts_for(Actor.of(personas.family), outstanding_only=True) == []
    # the visit loop was not touched: no order payment for a debt
    assert not order.payments.exclude(pk__in=[]).filter(method="online").exists()
    no_new_mismatch(refused)


def test_a_failed_online_payment_lets_the_patient_try_again(personas, elder_a, refused):
    order, owed = refused["order"], refused["owed"]
    elder = Actor.of(personas.elder)
    charge, _ = debts.pay_claim_debt(
        actor=elder, order=order, channel="sandbox", amount_fen=owed, idempotency_key="debt-fail-01"
    )
    body, sig = SANDBOX.notification(
        institution_id=charge.institution_id,
        trade_no=charge.trade_no,
        txn_id=charge.gateway_txn,
        amount_fen=owed,
        status="failed",
    )
    assert payments.handle_notification(body=body, signature=sig)[1] == "failed"
    second, created = debts.pay_claim_debt(
        actor=elder, order=order, channel="sandbox", amount_fen=owed, idempotency_key="debt-fail-02"
    )
    assert created
    assert second.pk != charge.pk
    assert not Claim.objects.filter(status="paid").exists()
