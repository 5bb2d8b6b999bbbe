"""The revenue split: shares are whole fen, never negative, and always add up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.billing.split import (
    REASONS,
    Incentive,
    IncentiveTerms,
    Shares,
    incentive_memo,
    incentives_of_memo,
    is_night,
    reasons_for,
    revenue_split,
)


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


# --- incentives (ADR 0025) ------------------------------------------------------------

TERMS = IncentiveTerms(
    night=Incentive(bp=1000),
    rural=Incentive(fen=500),
    difficult=Incentive(bp=200, fen=100),
    platform_funds_bp=5000,
)


def split(amount: int, reasons: tuple[str, ...], terms: IncentiveTerms = TERMS) -> Shares:
    return revenue_split(
        amount, platform_bp=1500, institution_bp=2500, provider_bp=6000, reasons=reasons,
        terms=terms,
    )  # fmt: skip


def test_hand_checked_incentives() -> None:
    # 100 yuan at 15/25/60: 1500, 2500, 6000. Night 10 % = 1000 and rural 500 = 1500,
    # half each: platform 750, institution 750.
    s = split(10000, ("night", "rural"))
    assert (s.platform_fen, s.institution_fen, s.provider_fen) == (750, 1750, 7500)
    assert s.incentives == (("night", 1000), ("rural", 500))
    assert (s.incentive_platform_fen, s.incentive_institution_fen) == (750, 750)
    # difficult: 2 % + 1 yuan = 300; an odd half rounds down for the platform
    s = split(10050, ("difficult",))
    assert s.incentives == (("difficult", 301),)
    assert (s.incentive_platform_fen, s.incentive_institution_fen) == (150, 151)
    assert s.total_fen == 10050
    # no reasons: the plain split
    assert split(10000, ()) == Shares(1500, 2500, 6000)


def test_an_incentive_beyond_the_funders_is_cut() -> None:
    # 10 yuan: platform 150, institution 250 of it; asking 500 (rural) + 100 (night) +
    # 120 (difficult) = 720 pays only 400, night first, then rural, then difficult
    s = split(1000, ("night", "rural", "difficult"))
    assert (s.platform_fen, s.institution_fen, s.provider_fen) == (0, 0, 1000)
    assert s.incentives == (("night", 100), ("rural", 300))
    assert (s.incentive_platform_fen, s.incentive_institution_fen) == (150, 250)


def test_one_funder_short_the_other_carries_the_rest() -> None:
    platform_only = IncentiveTerms(rural=Incentive(fen=2000), platform_funds_bp=10000)
    s = split(10000, ("rural",), platform_only)
    # the platform holds 1500 of the 2000: the institution carries 500
    assert (s.platform_fen, s.institution_fen, s.provider_fen) == (0, 2000, 8000)
    institution_only = IncentiveTerms(rural=Incentive(fen=3000), platform_funds_bp=0)
    s = split(10000, ("rural",), institution_only)
    assert (s.platform_fen, s.institution_fen, s.provider_fen) == (1000, 0, 9000)


def test_bad_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        split(100, ("weekend",))
    with pytest.raises(ValueError, match="basis points"):
        split(100, ("night",), IncentiveTerms(night=Incentive(bp=10001)))
    with pytest.raises(ValueError, match="basis points"):
        split(100, (), IncentiveTerms(platform_funds_bp=-1))
    with pytest.raises(ValueError, match="negative"):
        split(100, ("rural",), IncentiveTerms(rural=Incentive(fen=-1)))


T = dt.time


@pytest.mark.parametrize(
    ("at", "start", "end", "night"),
    [
        (T(22, 0), T(22, 0), T(6, 0), True),
        (T(23, 59), T(22, 0), T(6, 0), True),
        (T(0, 0), T(22, 0), T(6, 0), True),
        (T(5, 59), T(22, 0), T(6, 0), True),
        (T(6, 0), T(22, 0), T(6, 0), False),
        (T(21, 59), T(22, 0), T(6, 0), False),
        (T(12, 0), T(22, 0), T(6, 0), False),
        (T(1, 0), T(0, 0), T(5, 0), True),
        (T(5, 0), T(0, 0), T(5, 0), False),
        (T(3, 0), T(6, 0), T(6, 0), False),  # equal: no night hours
    ],
)
def test_night_hours(at: dt.time, start: dt.time, end: dt.time, night: bool) -> None:
    assert is_night(at, start=start, end=end) is night


def test_reasons_for_a_visit() -> None:
    common: dict[str, Any] = {
        "night_start": T(22, 0),
        "night_end": T(6, 0),
        "difficult_items": ["picc"],
    }
    assert reasons_for(
        local_start=T(23, 0), rural=True, high_risk=False, item_code="picc", **common
    ) == ("night", "rural", "difficult")
    assert reasons_for(
        local_start=T(9, 0), rural=False, high_risk=True, item_code="other", **common
    ) == ("difficult",)
    assert (
        reasons_for(local_start=T(9, 0), rural=False, high_risk=False, item_code="x", **common)
        == ()
    )


def test_the_memo_round_trips() -> None:
    s = split(10000, ("night", "rural"))
    memo = incentive_memo(s)
    assert memo == "incentive night=1000,rural=500 funded platform=750,institution=750"
    assert incentives_of_memo(memo) == (("night", 1000), ("rural", 500))
    assert incentive_memo(split(10000, ())) == ""
    assert incentives_of_memo("") == ()
    assert incentives_of_memo("refund of visit 3") == ()


@st.composite
def terms(draw: st.DrawFn) -> IncentiveTerms:
    def one() -> Incentive:
        return Incentive(bp=draw(st.integers(0, 10000)), fen=draw(st.integers(0, 10**6)))

    return IncentiveTerms(
        night=one(), rural=one(), difficult=one(), platform_funds_bp=draw(st.integers(0, 10000))
    )


@given(
    st.integers(0, 10**8),
    bps(),
    terms(),
    st.lists(st.sampled_from(REASONS), unique=True),
)
def test_incentives_never_create_money_nor_go_negative(
    amount: int, b: tuple[int, int, int], t: IncentiveTerms, reasons: list[str]
) -> None:
    plain = revenue_split(amount, platform_bp=b[0], institution_bp=b[1], provider_bp=b[2])
    s = revenue_split(
        amount, platform_bp=b[0], institution_bp=b[1], provider_bp=b[2], reasons=reasons, terms=t
    )
    assert s.total_fen == amount
    assert min(s.platform_fen, s.institution_fen, s.provider_fen) >= 0
    # the provider gains exactly what the funders give up, and never more than asked
    assert s.provider_fen - plain.provider_fen == s.incentive_fen
    assert plain.platform_fen - s.platform_fen == s.incentive_platform_fen
    assert plain.institution_fen - s.institution_fen == s.incentive_institution_fen
    assert s.incentive_fen == s.incentive_platform_fen + s.incentive_institution_fen
    asked = sum(t.of(r).amount(amount) for r in reasons)
    assert s.incentive_fen == min(asked, plain.platform_fen + plain.institution_fen)
    assert all(fen > 0 for _r, fen in s.incentives)
    assert incentives_of_memo(incentive_memo(s)) == s.incentives
