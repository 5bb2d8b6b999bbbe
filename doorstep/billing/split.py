"""The revenue split of one amount between platform, institution and provider (pure; issue
5, item 4; ADR 0021 and 0024). Shares are integer fen that always add up to the amount: the
platform's and the provider's shares are rounded down and the institution carries the
rounding.

A contract may add **incentives** for the provider: a night visit, a visit in a rural
region, a difficult item (ADR 0024). Each is an extra share of the price (basis points)
and/or a fixed amount per visit (fen). Money is never created: the incentive is taken from
the platform's and the institution's shares of the same visit (``platform_funds_bp`` of it
from the platform, the rest from the institution; when one funder's share cannot carry its
part the other carries the rest; when neither can, the incentive is cut to what they hold).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

FULL_BP = 10_000

NIGHT = "night"
RURAL = "rural"
DIFFICULT = "difficult"
#: The reasons for an incentive, in the order they are paid when funds run short.
REASONS = (NIGHT, RURAL, DIFFICULT)


@dataclass(frozen=True, slots=True)
class Incentive:
    """One incentive term: ``bp`` of the visit's price plus ``fen`` per visit."""

    bp: int = 0
    fen: int = 0

    def amount(self, price_fen: int) -> int:
        return price_fen * self.bp // FULL_BP + self.fen


@dataclass(frozen=True, slots=True)
class IncentiveTerms:
    """A contract's incentives and who funds them (``platform_funds_bp`` of each incentive
    comes from the platform's share, the rest from the institution's)."""

    night: Incentive = Incentive()
    rural: Incentive = Incentive()
    difficult: Incentive = Incentive()
    platform_funds_bp: int = FULL_BP

    def of(self, reason: str) -> Incentive:
        return {NIGHT: self.night, RURAL: self.rural, DIFFICULT: self.difficult}[reason]


NO_INCENTIVES = IncentiveTerms()


@dataclass(frozen=True, slots=True)
class Shares:
    """Who gets what of one amount. ``provider_fen`` includes the incentives, listed in
    ``incentives`` as ``(reason, fen)``; ``incentive_platform_fen`` and
    ``incentive_institution_fen`` say who gave them up."""

    platform_fen: int
    institution_fen: int
    provider_fen: int
    incentives: tuple[tuple[str, int], ...] = ()
    incentive_platform_fen: int = 0
    incentive_institution_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.platform_fen + self.institution_fen + self.provider_fen

    @property
    def incentive_fen(self) -> int:
        return sum(fen for _reason, fen in self.incentives)


def _check_bp(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= FULL_BP:
        raise ValueError(f"{name} {value!r} is not within 0..{FULL_BP} basis points")


def revenue_split(
    amount_fen: int,
    *,
    platform_bp: int,
    institution_bp: int,
    provider_bp: int,
    reasons: Iterable[str] = (),
    terms: IncentiveTerms = NO_INCENTIVES,
) -> Shares:
    """Split ``amount_fen`` by basis points (they must add up to 10,000), then move the
    incentives for ``reasons`` (a subset of ``REASONS``) from the funders to the provider."""
    if amount_fen < 0:
        raise ValueError("amount must not be negative")
    bps = (platform_bp, institution_bp, provider_bp)
    if any(b < 0 for b in bps) or sum(bps) != FULL_BP:
        raise ValueError(f"shares {bps} do not add up to {FULL_BP} basis points")
    platform = amount_fen * platform_bp // FULL_BP
    provider = amount_fen * provider_bp // FULL_BP
    institution = amount_fen - platform - provider
    wanted = set(reasons)
    unknown = wanted - set(REASONS)
    if unknown:
        raise ValueError(f"unknown incentive reasons {sorted(unknown)}")
    _check_bp("platform_funds_bp", terms.platform_funds_bp)
    asked: list[tuple[str, int]] = []
    for reason in REASONS:
        if reason not in wanted:
            continue
        term = terms.of(reason)
        _check_bp(f"{reason} incentive", term.bp)
        if term.fen < 0:
            raise ValueError(f"{reason} incentive must not be negative")
        if term.amount(amount_fen) > 0:
            asked.append((reason, term.amount(amount_fen)))
    want = sum(fen for _r, fen in asked)
    if want == 0:
        return Shares(platform, institution, provider)
    # Each funder's part, capped by what it holds of this visit; a shortfall moves to the
    # other funder; what neither can carry is not paid.
    from_platform = min(want * terms.platform_funds_bp // FULL_BP, platform)
    from_institution = min(want - from_platform, institution)
    from_platform += min(want - from_platform - from_institution, platform - from_platform)
    paid = from_platform + from_institution
    granted: list[tuple[str, int]] = []
    left = paid
    for reason, fen in asked:
        give = min(fen, left)
        left -= give
        if give:
            granted.append((reason, give))
    return Shares(
        platform - from_platform,
        institution - from_institution,
        provider + paid,
        tuple(granted),
        from_platform,
        from_institution,
    )


def is_night(local: dt.time, *, start: dt.time, end: dt.time) -> bool:
    """Whether the local time ``local`` lies in the night hours ``[start, end)``; the
    hours may wrap past midnight (22:00-06:00). ``start == end`` means no night hours."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def reasons_for(
    *,
    local_start: dt.time,
    night_start: dt.time,
    night_end: dt.time,
    rural: bool,
    high_risk: bool,
    item_code: str,
    difficult_items: Iterable[str],
) -> tuple[str, ...]:
    """The incentive reasons of one visit: it starts (local time) in the night hours, its
    region is rural, its item is high-risk or in the contract's list of difficult items."""
    out = []
    if is_night(local_start, start=night_start, end=night_end):
        out.append(NIGHT)
    if rural:
        out.append(RURAL)
    if high_risk or item_code in set(difficult_items):
        out.append(DIFFICULT)
    return tuple(out)


# --- the incentive as recorded with the ledger entry -------------------------------------
# A journal entry has one line per account, so the provider's credit carries base and
# incentive together; the entry's memo records the incentive, machine-readable.

_MEMO_RE = re.compile(r"^incentive ((?:[a-z]+=\d+,?)+)(?: funded platform=\d+,institution=\d+)?$")


def incentive_memo(shares: Shares) -> str:
    """``incentive night=500,rural=300 funded platform=400,institution=400`` (or "")."""
    if not shares.incentives:
        return ""
    parts = ",".join(f"{reason}={fen}" for reason, fen in shares.incentives)
    return (
        f"incentive {parts} funded platform={shares.incentive_platform_fen},"
        f"institution={shares.incentive_institution_fen}"
    )


def incentives_of_memo(memo: str) -> tuple[tuple[str, int], ...]:
    """The ``(reason, fen)`` pairs recorded by ``incentive_memo`` (empty for any other
    memo)."""
    m = _MEMO_RE.match(memo or "")
    if m is None:
        return ()
    out = []
    for part in m.group(1).rstrip(",").split(","):
        reason, fen = part.split("=")
        if reason in REASONS:
            out.append((reason, int(fen)))
    return tuple(out)


#: Without a contract in force the platform takes nothing and the institution is owed the
#: whole amount (it pays its own staff).
NO_CONTRACT = (0, FULL_BP, 0)
