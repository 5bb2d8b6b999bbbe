"""A small, hand-checkable month of money for the settlement, document and reconciliation
tests (fixtures of the orders tests: frozen clock Monday 15 June 2026 08:00 Ningbo,
institution A prepays; contract 10 % platform, 30 % institution, 60 % provider).

- order 1: companionship visit (locked total 55.00), paid in cash, delivered by nurse Chen: platform 5.50,
  institution A 16.50, nurse 33.00;
- order 2: companionship visit, paid in cash, cancelled by the patient before
  dispatch (free), refunded in full;
- a payout of 20.00 from the nurse's payable (reference BANK-1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from doorstep.accounts.policy import Actor
from doorstep.billing import payments, settlement
from doorstep.billing.models import Account, Charge, Payout, Refund
from doorstep.orders import services as orders
from doorstep.orders.models import Order, Visit
from doorstep.orders.tests.conftest import HOME, first_visit, fresh, place
from doorstep.organizations.models import Contract

PRICE = 5500  # the companionship order's locked total (the quote adds its surcharges)


@dataclass
class FinanceScene:
    delivered: Order
    cancelled: Order
    visit: Visit
    charge: Charge
    refunded_charge: Charge
    refund: Refund
    payout: Payout
    provider_account: Account
    institution_account: Account


def build(
    personas: Any, world: Any, elder: Any, catalog: Any, providers: Any, frozen: Any
) -> FinanceScene:
    Contract.objects.create(
        institution=world.inst_a,
        effective_from=dt.date(2026, 1, 1),
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )
    elder_actor = Actor.of(personas.elder)
    order = place(personas.elder, elder, world.inst_a, catalog.companion)
    charge, _ = payments.request_payment(
        actor=elder_actor, order=order, channel="cash", amount_fen=order.total_fen,
        idempotency_key="scene-pay-0001",
    )  # fmt: skip
    visit = first_visit(order)
    orders.assign_provider(
        actor=Actor.of(personas.dispatcher), visit=visit, provider=providers.nurse
    )
    nurse = Actor.of(personas.nurse)
    orders.start_travel(actor=nurse, visit=fresh(visit))
    frozen.now = visit.window_start
    orders.check_in(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    orders.start_service(actor=nurse, visit=fresh(visit))
    orders.submit_record(actor=nurse, visit=fresh(visit), values={"mood": "good"})
    orders.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])

    frozen.advance(hours=1)
    other = place(
        personas.elder,
        elder,
        world.inst_a,
        catalog.companion,
        start=frozen.now + dt.timedelta(days=2),
    )
    charge2, _ = payments.request_payment(
        actor=elder_actor, order=other, channel="cash", amount_fen=other.total_fen,
        idempotency_key="scene-pay-0002",
    )  # fmt: skip
    orders.cancel(actor=elder_actor, order=other, reason="Going to my son's")
    admin = Actor.of(personas.inst_admin)
    refund, _ = settlement.refund(
        actor=admin, charge=charge2, amount_fen=other.total_fen, reason="cancelled",
        idempotency_key="scene-refund-01",
    )  # fmt: skip
    frozen.advance(hours=1)
    prov_acc = Account.objects.get(code=f"provider:{providers.nurse.pk}")
    payout, _ = settlement.payout(
        actor=admin, account=prov_acc, amount_fen=2000, idempotency_key="scene-payout-01",
        reference="BANK-1",
    )  # fmt: skip
    return FinanceScene(
        delivered=order,
        cancelled=other,
        visit=fresh(visit),
        charge=Charge.objects.get(pk=charge.pk),
        refunded_charge=Charge.objects.get(pk=charge2.pk),
        refund=refund,
        payout=payout,
        provider_account=Account.objects.get(pk=prov_acc.pk),
        institution_account=Account.objects.get(code=f"institution:{world.inst_a.pk}"),
    )
