"""Who pays how much of one visit's price (pure; issue 5, item 2; ADR 0023).

The schemes an elder is enrolled in are applied in a fixed order, each to what the earlier
ones left: basic medical insurance (employee or resident scheme) -> long-term-care
insurance -> commercial insurance -> government subsidy -> the rest is self-pay.

- **Basic medical insurance** covers ``coverage_bp`` of the price of eligible items once the
  year's deductible is used up, up to the scheme's annual cap.
- **Long-term-care insurance** covers eligible items by the elder's disability level: a
  share (basis points) per level, up to a monthly quota per level.
- **Commercial insurance** covers a share of eligible items up to an annual cap.
- **Government subsidies** (e.g. low-income elders, ages 80 and over) cover a share of what
  is left, up to an annual cap.

Every share is whole fen, rounded down; the self-pay share takes the rest, so the shares
always add up to the price and none is negative. Rules are versioned by effective date
and chosen by the caller (region and date); usage (deductible used, paid this year or
month) comes from the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

FULL_BP = 10_000
ORDER = ("employee_basic", "resident_basic", "long_term_care", "commercial", "government_subsidy")
SELF_PAY = "self_pay"


@dataclass(frozen=True)
class Rule:
    """One scheme's rule in force (one version, one region)."""

    scheme: str
    version: str
    #: Item codes or catalogue groups the scheme covers; empty means every item.
    eligible: frozenset[str] = frozenset()
    coverage_bp: int = 0
    deductible_fen: int = 0
    annual_cap_fen: int | None = None
    #: Long-term care: share and monthly quota by disability level (1-5).
    ltc_bp_by_level: Mapping[int, int] = field(default_factory=dict)
    ltc_monthly_quota_fen: Mapping[int, int] = field(default_factory=dict)
    #: Subsidy conditions: any that is set must hold.
    min_age: int | None = None
    low_income_only: bool = False


@dataclass(frozen=True)
class Patient:
    age: int
    low_income: bool
    #: Schemes the elder is enrolled in, with the LTC disability level where relevant.
    schemes: frozenset[str]
    ltc_level: int | None = None


@dataclass(frozen=True)
class Usage:
    """What the elder already used of each scheme (from the ledger, in fen)."""

    deductible_used_fen: Mapping[str, int] = field(default_factory=dict)
    paid_this_year_fen: Mapping[str, int] = field(default_factory=dict)
    paid_this_month_fen: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Share:
    payer: str
    amount_fen: int
    reason: str  # a stable code the pages translate


@dataclass(frozen=True)
class Split:
    shares: tuple[Share, ...]
    #: Deductible consumed by this visit, per scheme (to record as usage).
    deductible_fen: Mapping[str, int]

    @property
    def total_fen(self) -> int:
        return sum(s.amount_fen for s in self.shares)

    def of(self, payer: str) -> int:
        return sum(s.amount_fen for s in self.shares if s.payer == payer)


def _eligible(rule: Rule, item_code: str, item_group: str) -> bool:
    return not rule.eligible or item_code in rule.eligible or item_group in rule.eligible


def _cap_left(cap: int | None, used: int) -> int | None:
    return None if cap is None else max(0, cap - used)


def _limit(amount: int, cap_left: int | None) -> int:
    return amount if cap_left is None else min(amount, cap_left)


def split(
    price_fen: int,
    *,
    item_code: str,
    item_group: str,
    patient: Patient,
    rules: Sequence[Rule],
    usage: Usage | None = None,
) -> Split:
    """The shares of ``price_fen`` by payer, in application order, self-pay last."""
    if price_fen < 0:
        raise ValueError("price must not be negative")
    usage = usage or Usage()
    by_scheme = {r.scheme: r for r in rules}
    left = price_fen
    shares: list[Share] = []
    deductibles: dict[str, int] = {}
    for scheme in ORDER:
        rule = by_scheme.get(scheme)
        if rule is None or scheme not in patient.schemes or left == 0:
            continue
        if not _eligible(rule, item_code, item_group):
            continue
        year_left = _cap_left(rule.annual_cap_fen, usage.paid_this_year_fen.get(scheme, 0))
        if scheme in ("employee_basic", "resident_basic", "commercial"):
            ded_left = max(0, rule.deductible_fen - usage.deductible_used_fen.get(scheme, 0))
            ded = min(ded_left, left)
            if ded:
                deductibles[scheme] = ded
            amount = _limit((left - ded) * rule.coverage_bp // FULL_BP, year_left)
            reason = "coverage"
        elif scheme == "long_term_care":
            level = patient.ltc_level or 0
            bp = rule.ltc_bp_by_level.get(level, 0)
            quota = rule.ltc_monthly_quota_fen.get(level)
            month_left = _cap_left(quota, usage.paid_this_month_fen.get(scheme, 0))
            amount = _limit(_limit(left * bp // FULL_BP, month_left), year_left)
            reason = f"ltc_level_{level}"
        else:  # government subsidy
            if rule.min_age is not None and patient.age < rule.min_age:
                continue
            if rule.low_income_only and not patient.low_income:
                continue
            amount = _limit(left * rule.coverage_bp // FULL_BP, year_left)
            reason = "subsidy"
        if amount > 0:
            shares.append(Share(scheme, amount, reason))
            left -= amount
    shares.append(Share(SELF_PAY, left, "rest"))
    return Split(tuple(shares), deductibles)
