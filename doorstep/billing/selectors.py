"""Reads of the ledger (ADR 0021). Scoping to the actor lives in ``access.py``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from . import journal
from .models import Account, JournalEntry, JournalLine


def derived_balances() -> dict[str, int]:
    """Every account's balance as the sum of its lines (debit positive)."""
    return {
        code: int(total or 0)
        for code, total in JournalLine.objects.values_list("account__code")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    }


def stored_balances() -> dict[str, int]:
    return dict(Account.objects.values_list("code", "balance_fen"))


@dataclass(frozen=True)
class LedgerCheck:
    """What ``check_ledger`` found: unbalanced entries, entries with fewer than two
    lines, accounts whose running balance drifted from their lines, the sum of all
    lines (must be 0)."""

    entries: int
    unbalanced: list[tuple[int, int]]
    short: list[int]
    drift: dict[str, tuple[int, int]]
    total_fen: int

    @property
    def ok(self) -> bool:
        return not self.unbalanced and not self.short and not self.drift and self.total_fen == 0


def check(limit: int = 100) -> LedgerCheck:
    per_entry = JournalLine.objects.values("entry_id").annotate(s=Sum("amount_fen"), n=Count("id"))
    unbalanced = [
        (row["entry_id"], int(row["s"])) for row in per_entry.exclude(s=0).order_by("entry_id")
    ][:limit]
    short = list(
        JournalEntry.objects.annotate(n=Count("lines"))
        .filter(n__lt=2)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    total = JournalLine.objects.aggregate(t=Sum("amount_fen"))["t"] or 0
    return LedgerCheck(
        entries=JournalEntry.objects.count(),
        unbalanced=unbalanced,
        short=short,
        drift=journal.drift(stored_balances(), derived_balances()),
        total_fen=int(total),
    )


def lines_of_account(account: Account) -> QuerySet[JournalLine]:
    return (
        JournalLine.objects.filter(account=account)
        .select_related("entry")
        .order_by("-entry__posted_at", "-entry_id")
    )


def entry_lines(entry: JournalEntry) -> QuerySet[JournalLine]:
    return entry.lines.select_related("account").order_by("account__code")
