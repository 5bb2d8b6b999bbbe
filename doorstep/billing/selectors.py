"""Reads of the ledger (ADR 0021). Scoping to the actor lives in ``access.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum

from . import journal
from .models import Account, JournalEntry, JournalLine
from .split import incentives_of_memo


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


@dataclass(frozen=True)
class Earning:
    """One delivered (or cancellation-fee) visit of a provider and what they earned."""

    visit_id: int
    order_id: int | None
    event: str
    posted_at: Any
    price_fen: int
    earned_fen: int
    #: ``(reason, fen)`` of the contract's incentives included in ``earned_fen`` (night,
    #: rural, difficult; ADR 0024).
    incentives: tuple[tuple[str, int], ...] = ()

    @property
    def incentive_fen(self) -> int:
        return sum(fen for _reason, fen in self.incentives)

    @property
    def share_fen(self) -> int:
        """The contract share, without the incentives."""
        return self.earned_fen - self.incentive_fen


def earnings(provider_id: int, *, start: Any, end: Any) -> list[Earning]:
    """A provider's earnings posted in ``[start, end)``, newest first: each visit's price
    (the deferred amount released), the provider's share and the incentives in it."""
    from .accounts import provider as provider_account

    code = provider_account(provider_id, None).code
    rows = list(
        JournalLine.objects.filter(
            account__code=code,
            entry__event__in=["visit_completed", "cancellation_fee"],
            entry__posted_at__gte=start,
            entry__posted_at__lt=end,
        )
        .select_related("entry")
        .order_by("-entry__posted_at", "-entry_id")
    )
    totals = {
        row["entry_id"]: int(row["t"])
        for row in JournalLine.objects.filter(
            entry_id__in=[r.entry_id for r in rows], amount_fen__lt=0
        )
        .values("entry_id")
        .annotate(t=Sum("amount_fen"))
    }
    return [
        Earning(
            visit_id=int(r.entry.key.split(":", 1)[1]),
            order_id=r.entry.order_id,
            event=r.entry.event,
            posted_at=r.entry.posted_at,
            price_fen=-totals.get(r.entry_id, 0),
            earned_fen=-r.amount_fen,
            incentives=incentives_of_memo(r.entry.memo),
        )
        for r in rows
    ]
