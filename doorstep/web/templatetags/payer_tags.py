"""Template helpers for payer shares (ADR 0023): the split locked with an order and what
the patient pays of it."""

from __future__ import annotations

from typing import Any

from django import template

from doorstep.billing import payer_rules

register = template.Library()


@register.simple_tag
def order_payers(order: Any) -> list[dict[str, Any]]:
    """``{% order_payers order as shares %}``: the locked shares by payer (empty when the
    order is self-pay only)."""
    return payer_rules.order_lines(order.pk)


@register.simple_tag
def order_self_pay(order: Any, visits: Any = None) -> int:
    """``{% order_self_pay order visits as due %}``: what the patient pays (fen)."""
    return payer_rules.self_pay_of(visits if visits is not None else order.visits.all())
