"""Billing objects for the access matrix (tests/test_access_matrix.py, ADR 0022):
``charge_id`` is a pending sandbox charge the elder requested for the orders scene's order;
``payable_account_id`` is institution A's payable (owed the completed visit's price)."""

from __future__ import annotations

from typing import Any

from doorstep.billing.models import Account, Charge
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
    return {"charge_id": charge.pk, "payable_account_id": payable.pk}
