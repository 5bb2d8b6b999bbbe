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
