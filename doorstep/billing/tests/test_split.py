"""The revenue split: shares are whole fen, never negative, and always add up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.billing.split import Shares, revenue_split


def test_hand_checked_split() -> None:
    # 123.45 yuan at 10 % / 30 % / 60 %: 12.34 and 74.07 rounded down, the rest 37.04
    assert revenue_split(12345, platform_bp=1000, institution_bp=3000, provider_bp=6000) == Shares(
        1234, 3704, 7407
    )
    assert revenue_split(0, platform_bp=1000, institution_bp=3000, provider_bp=6000) == Shares(
        0, 0, 0
    )


@pytest.mark.parametrize("bps", [(1000, 3000, 5000), (-1, 5001, 5000), (10000, 1, 0)])
def test_shares_must_add_up_to_100_percent(bps: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match="basis points"):
        revenue_split(100, platform_bp=bps[0], institution_bp=bps[1], provider_bp=bps[2])


def test_negative_amount_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        revenue_split(-1, platform_bp=0, institution_bp=10000, provider_bp=0)


@st.composite
def bps(draw: st.DrawFn) -> tuple[int, int, int]:
    a = draw(st.integers(0, 10000))
    b = draw(st.integers(0, 10000 - a))
    return a, 10000 - a - b, b


@given(st.integers(0, 10**9), bps())
def test_split_adds_up_and_is_never_negative(amount: int, b: tuple[int, int, int]) -> None:
    s = revenue_split(amount, platform_bp=b[0], institution_bp=b[1], provider_bp=b[2])
    assert s.total_fen == amount
    assert min(s.platform_fen, s.institution_fen, s.provider_fen) >= 0
    # rounding never moves more than one fen per share away from the exact split
    assert abs(s.platform_fen * 10000 - amount * b[0]) < 10000
    assert abs(s.provider_fen * 10000 - amount * b[2]) < 10000
