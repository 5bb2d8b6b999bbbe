"""Invariants of the ledger, run by ``manage.py check_invariants`` (ADR 0010, 0021)."""

from __future__ import annotations

from collections.abc import Iterator

from doorstep.demo.invariants import invariant

from . import selectors


@invariant("ledger_balances")
def _ledger_balances() -> Iterator[str]:
    """Every entry sums to zero and has two lines or more; all lines sum to zero; every
    account's running balance equals the sum of its lines."""
    found = selectors.check()
    for entry_id, total in found.unbalanced:
        yield f"journal entry {entry_id} sums to {total} fen"
    for entry_id in found.short:
        yield f"journal entry {entry_id} has fewer than two lines"
    if found.total_fen != 0:
        yield f"all journal lines sum to {found.total_fen} fen"
    for code, (stored, derived) in found.drift.items():
        yield f"account {code}: running balance {stored} != sum of lines {derived}"


@invariant("payer_shares_add_up")
def _payer_shares_add_up() -> Iterator[str]:
    """Every visit with a locked payer split: its shares add up to its price (ADR 0023)."""
    from django.db.models import F, Sum

    from .models import PayerShare

    rows = (
        PayerShare.objects.values("visit_id")
        .annotate(total=Sum("amount_fen"), price=F("visit__price_fen"))
        .exclude(total=F("price"))
        .order_by("visit_id")[:100]
    )
    for row in rows:
        yield f"visit {row['visit_id']}: payer shares sum to {row['total']} fen, price {row['price']}"
