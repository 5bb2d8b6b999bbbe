"""Template helpers of the finance pages (ADR 0025): an order's receipts."""

from __future__ import annotations

from typing import Any

from django import template

from doorstep.billing import documents

register = template.Library()


@register.simple_tag
def order_receipts(order: Any) -> list[dict[str, Any]]:
    """The order's captured payments with their receipt numbers (for download links)."""
    return [
        {"charge": c, "number": documents.receipt_number(c)}
        for c in documents.captured_charges(order)
    ]
