"""The pure core of the double-entry ledger (ADR 0021): no Django here.

A journal entry is a list of lines; each line moves ``amount_fen`` (integer fen) on one
account, debit positive and credit negative. An entry is valid when it has at least two
lines, no zero line, and its lines sum to zero: money is only ever moved between
accounts, never created or lost. Balances are sums of lines (debit positive); an
account's *normal* side (debit for assets and expenses, credit for liabilities, revenue
and equity) only changes how a balance is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Kinds whose balance is normally on the debit side (shown as is); the others are
#: normally credit balances (shown negated).
DEBIT_NORMAL = frozenset({"asset", "expense"})
KINDS = frozenset({"asset", "liability", "revenue", "expense", "equity"})


class UnbalancedEntry(ValueError):
    """The lines of an entry do not sum to zero, or an entry has fewer than two lines
    or a zero line."""


@dataclass(frozen=True, slots=True, order=True)
class Line:
    """One line of an entry: ``amount_fen`` > 0 debits ``account``, < 0 credits it."""

    account: str
    amount_fen: int


def debit(account: str, amount_fen: int) -> Line:
    return Line(account, amount_fen)


def credit(account: str, amount_fen: int) -> Line:
    return Line(account, -amount_fen)


def check(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines, merged per account and sorted, if they form a valid entry; else
    :class:`UnbalancedEntry`. Merging means "debit A 5, debit A 3" is one line of 8, so an
    entry never has two lines on one account; merged lines that cancel to zero drop out."""
    merged: dict[str, int] = defaultdict(int)
    count = 0
    for ln in lines:
        if not isinstance(ln.amount_fen, int) or isinstance(ln.amount_fen, bool):
            raise UnbalancedEntry(f"amount of {ln.account!r} is not an integer number of fen")
        if ln.amount_fen == 0:
            raise UnbalancedEntry(f"zero line on {ln.account!r}")
        merged[ln.account] += ln.amount_fen
        count += 1
    out = tuple(Line(a, v) for a, v in sorted(merged.items()) if v != 0)
    total = sum(v for v in merged.values())
    if total != 0:
        raise UnbalancedEntry(f"lines sum to {total} fen, not 0")
    if count < 2 or len(out) < 2:
        raise UnbalancedEntry("an entry moves money between at least two accounts")
    return out


def reversal(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines that undo ``lines`` (every amount negated): a correction never edits an
    entry, it posts its reversal."""
    return tuple(Line(ln.account, -ln.amount_fen) for ln in lines)


def balances(entries: Iterable[Iterable[Line]]) -> dict[str, int]:
    """Debit-positive balance of every account touched by ``entries``."""
    out: dict[str, int] = defaultdict(int)
    for entry in entries:
        for ln in entry:
            out[ln.account] += ln.amount_fen
    return dict(out)


def shown(kind: str, balance_fen: int) -> int:
    """A balance on the account's normal side: a liability with a credit balance of 500
    fen shows as 500."""
    if kind not in KINDS:
        raise ValueError(f"unknown account kind {kind!r}")
    return balance_fen if kind in DEBIT_NORMAL else -balance_fen


def drift(stored: Mapping[str, int], derived: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """Accounts whose stored running balance differs from the sum of their lines:
    ``{account: (stored, derived)}``; an account missing on one side counts as 0."""
    out: dict[str, tuple[int, int]] = {}
    for account in sorted(set(stored) | set(derived)):
        s, d = stored.get(account, 0), derived.get(account, 0)
        if s != d:
            out[account] = (s, d)
    return out
