"""The revenue split of one amount between platform, institution and provider (pure; issue
5, item 4). Shares are integer fen that always add up to the amount: the platform's and
the provider's shares are rounded down and the institution carries the rounding."""

from __future__ import annotations

from dataclasses import dataclass

FULL_BP = 10_000


@dataclass(frozen=True, slots=True)
class Shares:
    platform_fen: int
    institution_fen: int
    provider_fen: int

    @property
    def total_fen(self) -> int:
        return self.platform_fen + self.institution_fen + self.provider_fen


def revenue_split(
    amount_fen: int, *, platform_bp: int, institution_bp: int, provider_bp: int
) -> Shares:
    """Split ``amount_fen`` by basis points (they must add up to 10,000)."""
    if amount_fen < 0:
        raise ValueError("amount must not be negative")
    bps = (platform_bp, institution_bp, provider_bp)
    if any(b < 0 for b in bps) or sum(bps) != FULL_BP:
        raise ValueError(f"shares {bps} do not add up to {FULL_BP} basis points")
    platform = amount_fen * platform_bp // FULL_BP
    provider = amount_fen * provider_bp // FULL_BP
    return Shares(platform, amount_fen - platform - provider, provider)


#: Without a contract in force the platform takes nothing and the institution is owed the
#: whole amount (it pays its own staff).
NO_CONTRACT = (0, FULL_BP, 0)
