"""Template helpers of the patient-debt cards (ADR 0033): what an insurer refused and the
patient still owes, for the person looking at the page."""

from __future__ import annotations

import uuid
from typing import Any

from django import template
from django.conf import settings

from doorstep.accounts.policy import Actor
from doorstep.billing import debts

register = template.Library()


def _rows(found: list[debts.Debt], actor: Actor) -> list[dict[str, Any]]:
    return [
        {
            "debt": d,
            # A fresh idempotency key per drawing of the page: a resent form pays once.
            "key": f"web-debt-{uuid.uuid4().hex[:24]}",
            "mine": d.pending is not None and d.pending.requested_by_id == actor.user_id,
            "sandbox": settings.BILLING_SANDBOX,
        }
        for d in found
    ]


@register.simple_tag(takes_context=True)
def my_debts(context: Any) -> list[dict[str, Any]]:
    """``{% my_debts as rows %}``: the debts still owed that the user may pay online."""
    actor = Actor.of(context["request"].user)
    return _rows(debts.debts_for(actor, outstanding_only=True), actor)


@register.simple_tag(takes_context=True)
def order_debt(context: Any, order: Any) -> list[dict[str, Any]]:
    """``{% order_debt order as rows %}``: the order's debt (one row, or none)."""
    actor = Actor.of(context["request"].user)
    found = debts.debt_of_order(actor=actor, order=order)
    return _rows([found], actor) if found is not None and found.outstanding_fen > 0 else []
