"""Billing objects for the access matrix (tests/test_access_matrix.py, ADR 0022):
``charge_id`` is a pending sandbox charge the elder requested for the orders scene's order."""

from __future__ import annotations

from typing import Any

from doorstep.billing.models import Charge
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
    return {"charge_id": charge.pk}
