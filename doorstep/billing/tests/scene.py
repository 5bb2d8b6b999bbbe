"""Billing objects for the access matrix (tests/test_access_matrix.py, ADR 0022):
``charge_id`` is a pending sandbox charge the elder requested for the orders scene's order;
``payable_account_id`` is institution A's payable (owed the completed visit's price);
``claim_id`` is institution A's submitted claim to Ningbo's long-term-care insurance for
the completed visit (its payer share is written directly here, set-up only);
``debt_order_id`` is that visit's order, owing its basic-insurance share the payer refused
on a second claim (ADR 0033)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from doorstep.billing.models import Account, Charge, PayerRule
from doorstep.core import clock
from doorstep.orders.models import Order


def build(*, personas: Any, ids: dict[str, int]) -> dict[str, int]:
    order = Order.objects.get(pk=ids["order_id"])
    charge = Charge.objects.create(
        idempotency_key="matrix-charge-0001",
        fingerprint="0" * 64,
        order=order,
        institution_id=order.institution_id,
        amount_fen=order.total_fen,
        channel="sandbox",
        gateway_txn="SBXMATRIX",
        requested_by=personas.elder,
        created_at=clock.now(),
    )
    # the orders scene's completed visit was posted: institution A's payable holds its price
    payable = Account.objects.get(code=f"institution:{order.institution_id}")
    assert payable.balance_fen < -100
    claim_id, debt_order_id = _claim(personas, order)
    # settlement (ADR 0025): {account_id} is that payable, whose statement is asked for
    return {
        "charge_id": charge.pk,
        "payable_account_id": payable.pk,
        "account_id": payable.pk,
        "claim_id": claim_id,
        # patient debt (ADR 0033): the order of that visit owes the refused basic share
        "debt_order_id": debt_order_id,
        # payer rules (ADR 0029): the Ningbo LTC rule the claim's share was locked under
        "payer_rule_id": PayerRule.objects.get(version="matrix").pk,
    }


def _claim(personas: Any, order: Order) -> tuple[int, int]:
    """Institution A's claim to Ningbo's LTC insurance for its completed visit, and the
    visit's order, whose basic-insurance share was refused on a second claim."""
    from django.utils import timezone

    from doorstep.accounts.policy import Actor
    from doorstep.billing import claims
    from doorstep.billing.models import PayerRule, PayerShare
    from doorstep.orders.models import Visit
    from doorstep.regions.models import Region

    city = Region.objects.get(code="330200")
    visit = Visit.objects.filter(order__institution_id=order.institution_id, status="completed")[0]
    rule = PayerRule.objects.create(
        region=city,
        scheme="long_term_care",
        version="matrix",
        name_zh="长护险",
        name_en="LTC",
        effective_from=dt.date(2020, 1, 1),
        ltc_bp_by_level={"4": 5000},
        created_at=clock.now(),
    )
    day = timezone.localtime(visit.window_start).date()
    PayerShare.objects.create(
        order=visit.order,
        visit=visit,
        elder_id=visit.order.elder_id,
        payer="long_term_care",
        region=city,
        account_code="payer:long_term_care:330200",
        rule=rule,
        reason="ltc_level_4",
        amount_fen=100,
        service_date=day,
    )
    # patient debt (ADR 0033): the visit's basic-insurance share, refused on its own claim
    PayerShare.objects.create(
        order=visit.order,
        visit=visit,
        elder_id=visit.order.elder_id,
        payer="resident_basic",
        region=city,
        account_code="payer:resident_basic:330200",
        reason="coverage",
        amount_fen=50,
        service_date=day,
    )
    made = {
        c.payer: c
        for c in claims.submit_claims(
            actor=Actor.of(personas.inst_admin),
            institution=visit.order.institution,
            period=day.strftime("%Y-%m"),
        )
    }
    claims.reject(
        actor=Actor.of(personas.payer_officer), claim=made["resident_basic"], reason="Not covered"
    )
    return made["long_term_care"].pk, visit.order_id
