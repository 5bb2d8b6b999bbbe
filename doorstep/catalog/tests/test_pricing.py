"""The pure pricing engine: hand-checked tables (arithmetic in each docstring) and
property tests. No database."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.catalog import pricing
from doorstep.catalog.pricing import (
    DEFAULT_POLICY,
    Consumable,
    QuoteInput,
    _div_half_up,
    quote,
)

CST = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2026, 6, 15, 9, 0, tzinfo=CST)  # a Monday morning
NIGHT = dt.datetime(2026, 6, 15, 21, 0, tzinfo=CST)
HOLIDAY = dt.datetime(2026, 10, 1, 9, 0, tzinfo=CST)  # National Day
KIT = Consumable("injection_kit", 500, name_zh="注射器及消毒用品", name_en="Syringe kit")
#: 0.05 degrees of latitude: 0.05 x 111,194.93 m = 5,559.75 m (haversine, R = 6371.0088 km).
ORIGIN, HOME_5560 = (29.8, 121.5), (29.85, 121.5)


def amounts(q: pricing.Quote) -> dict[str, int]:
    return {ln.code: ln.amount_fen for ln in q.lines}


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(99, 2, 50), (5, 10, 1), (4, 10, 0), (15, 10, 2), (14, 10, 1), (0, 7, 0), (6600, 1, 6600)],
)
def test_division_rounds_half_up(numerator: int, denominator: int, expected: int) -> None:
    """49.5 -> 50, 0.5 -> 1, 0.4 -> 0, 1.5 -> 2, 1.4 -> 1."""
    assert _div_half_up(numerator, denominator) == expected


def test_im_injection_daytime_in_town() -> None:
    """IM injection, base 70.00 yuan, care level 2, senior nurse (rank 2), 4,448 m away.

    complexity  7000 x 1.1 = 7700                      -> line +700
    credential  7700 x 1.0 = 7700                      -> line 0
    distance    4447.80 m -> 4448 x 130% = 5782.4 -> 5782 m; (5782 - 3000) x 200 / 1000
                = 556.4 -> 556
    consumable  500
    total       7000 + 700 + 0 + 556 + 500 = 8756 (cap 9000 not reached)
    """
    q = quote(
        QuoteInput(
            base_price_fen=7000,
            start=DAY,
            care_level=2,
            min_title_rank=2,
            origin=(29.9012, 121.5433),
            home=(29.8612, 121.5433),
            consumables=(KIT,),
            cap_fen=9000,
        )
    )
    assert amounts(q) == {
        "base": 7000,
        "complexity": 700,
        "credential": 0,
        "distance": 556,
        "consumable:injection_kit": 500,
    }
    assert (q.visit_fen, q.total_fen, q.distance_m, q.capped) == (8756, 8756, 5782, False)


def test_night_on_a_holiday_hits_the_cap() -> None:
    """IM injection base 60.00, care level 2, 21:00 on National Day, 5,560 m straight line.

    service     6000 x 1.1 = 6600 (+600); credential x1.0 (+0)
    distance    5559.75 -> 5560 x 130% = 7228 m; (7228 - 3000) x 200 / 1000 = 845.6 -> 846
    night       6600 x 30% = 1980
    holiday     6600 x 50% = 3300
    consumable  500
    sum         6000 + 600 + 846 + 1980 + 3300 + 500 = 13226
    cap         9000 - 13226 = -4226 -> total 9000
    """
    q = quote(
        QuoteInput(
            base_price_fen=6000,
            start=dt.datetime(2026, 10, 1, 21, 0, tzinfo=CST),
            care_level=2,
            min_title_rank=2,
            origin=ORIGIN,
            home=HOME_5560,
            consumables=(KIT,),
            cap_fen=9000,
        )
    )
    assert amounts(q) == {
        "base": 6000,
        "complexity": 600,
        "credential": 0,
        "distance": 846,
        "night": 1980,
        "holiday": 3300,
        "consumable:injection_kit": 500,
        "cap": -4226,
    }
    assert (q.visit_fen, q.total_fen, q.capped) == (9000, 9000, True)


def test_picc_package_with_specialist_and_discount() -> None:
    """PICC maintenance base 180.00, care level 4, specialist certificate, 4 visits, 5% off.

    complexity  18000 x 1.3 = 23400 (+5400)
    credential  title rank 2 -> x1.0; specialist x1.2 -> 23400 x 1.2 = 28080 (+4680)
    consumable  4500 -> one visit 32580 (no cap, no distance)
    package     3 more visits 3 x 32580 = 97740 -> 130320
    discount    130320 x 5% = 6516 -> total 123804
    """
    q = quote(
        QuoteInput(
            base_price_fen=18000,
            start=DAY,
            care_level=4,
            min_title_rank=2,
            specialist=True,
            consumables=(Consumable("picc_kit", 4500),),
            visit_count=4,
            discount_bp=500,
        )
    )
    assert amounts(q) == {
        "base": 18000,
        "complexity": 5400,
        "credential": 4680,
        "consumable:picc_kit": 4500,
        "package_visits": 97740,
        "package_discount": -6516,
    }
    assert (q.visit_fen, q.visit_count, q.total_fen) == (32580, 4, 123804)


@pytest.mark.parametrize(
    ("base", "level", "rank", "specialist", "complexity", "credential"),
    [
        # 45 x 1.1 = 49.5 -> 50 (half up): +5; x1.0: +0
        (45, 2, 0, False, 5, 0),
        # 10000 x 1.5 = 15000 (+5000); rank 5: 15000 x 1.5 = 22500 (+7500)
        (10000, 5, 5, False, 5000, 7500),
        # 18000 x 1.0; rank 3 x1.1 and specialist x1.2 -> x1.32: 23760 (+5760)
        (18000, 0, 3, True, 0, 5760),
        # 3000 x 1.2 = 3600 (+600); rank 4: 3600 x 1.25 = 4500 (+900)
        (3000, 3, 4, False, 600, 900),
    ],
)
def test_coefficient_table(
    base: int, level: int, rank: int, specialist: bool, complexity: int, credential: int
) -> None:
    q = quote(
        QuoteInput(
            base_price_fen=base,
            start=DAY,
            care_level=level,
            min_title_rank=rank,
            specialist=specialist,
        )
    )
    got = amounts(q)
    assert (got["complexity"], got["credential"]) == (complexity, credential)
    assert q.total_fen == base + complexity + credential


@pytest.mark.parametrize(
    ("hour", "night"),
    [(6, True), (7, False), (12, False), (19, False), (20, True), (23, True), (0, True)],
)
def test_night_window_wraps_midnight(hour: int, night: bool) -> None:
    """Default window 20:00 (inclusive) to 07:00 (exclusive)."""
    start = DAY.replace(hour=hour)
    q = quote(QuoteInput(base_price_fen=10000, start=start))
    assert (q.line("night") is not None) == night
    assert q.total_fen == (13000 if night else 10000)  # 10000 + 30%


def test_within_free_radius_costs_nothing_and_unknown_distance_has_no_line() -> None:
    """1 km straight line x 130% = 1.3 km < 3 km free: distance line 0."""
    near = quote(QuoteInput(base_price_fen=5000, start=DAY, origin=ORIGIN, home=(29.809, 121.5)))
    assert amounts(near)["distance"] == 0
    assert near.total_fen == 5000
    unknown = quote(QuoteInput(base_price_fen=5000, start=DAY, origin=None, home=HOME_5560))
    assert unknown.line("distance") is None
    assert unknown.distance_m is None


def test_labels_render_with_parameters() -> None:
    q = quote(
        QuoteInput(
            base_price_fen=6000,
            start=HOLIDAY,
            care_level=3,
            origin=ORIGIN,
            home=HOME_5560,
            consumables=(KIT,),
            cap_fen=7000,
        )
    )
    texts = [ln.text() for ln in q.lines]
    assert texts == [
        "Base fee",
        "Care level 3: x1.2",
        "Required qualification: x1.0",
        "Travel 7.2 km (first 3 km free)",
        "Public holiday surcharge 50%",
        "Syringe kit x 1",
        "Regional guidance price cap 70.00 yuan",
    ]
    kit = q.line("consumable:injection_kit")
    assert kit is not None
    assert kit.text(lang="zh-hans") == "注射器及消毒用品 x 1"


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid quote input"):
        quote(QuoteInput(base_price_fen=-1, start=DAY))
    with pytest.raises(ValueError, match="invalid quote input"):
        quote(QuoteInput(base_price_fen=100, start=DAY, visit_count=0))


# --- properties -----------------------------------------------------------------------

inputs = st.builds(
    QuoteInput,
    base_price_fen=st.integers(0, 200_000),
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)).map(
        lambda d: d.replace(tzinfo=CST)
    ),
    care_level=st.integers(0, 5),
    min_title_rank=st.integers(0, 5),
    specialist=st.booleans(),
    origin=st.just(ORIGIN),
    home=st.floats(0, 0.5).map(lambda d: (ORIGIN[0] + d, ORIGIN[1])),
    consumables=st.lists(
        st.builds(
            Consumable,
            code=st.sampled_from(["a", "b"]),
            unit_price_fen=st.integers(0, 9000),
            quantity=st.integers(0, 5),
        ),
        max_size=3,
    ).map(tuple),
    cap_fen=st.none() | st.integers(1, 300_000),
    visit_count=st.integers(1, 12),
    discount_bp=st.integers(0, 5000),
)


@settings(max_examples=300, deadline=None)
@given(inputs)
def test_never_negative_never_above_cap_and_lines_add_up(inp: QuoteInput) -> None:
    q = quote(inp)
    assert q.total_fen >= 0
    assert all(ln.amount_fen >= 0 for ln in q.lines if ln.code not in ("cap", "package_discount"))
    assert sum(ln.amount_fen for ln in q.lines) == q.total_fen
    if inp.cap_fen is not None:
        assert q.visit_fen <= inp.cap_fen
    assert q.total_fen <= q.visit_fen * q.visit_count


@settings(max_examples=200, deadline=None)
@given(inputs, st.floats(0, 0.5), st.floats(0, 0.5))
def test_non_decreasing_with_distance(inp: QuoteInput, a: float, b: float) -> None:
    near, far = sorted((a, b))
    q_near = quote(replace(inp, home=(ORIGIN[0] + near, ORIGIN[1])))
    q_far = quote(replace(inp, home=(ORIGIN[0] + far, ORIGIN[1])))
    assert q_far.total_fen >= q_near.total_fen


@settings(max_examples=200, deadline=None)
@given(inputs, st.integers(20, 30))
def test_night_costs_at_least_the_day(inp: QuoteInput, night_hour: int) -> None:
    day = inp.start.replace(hour=12)
    night = inp.start.replace(hour=night_hour % 24)
    assert quote(replace(inp, start=night)).total_fen >= quote(replace(inp, start=day)).total_fen


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_holiday_and_care_level_never_lower_the_price(inp: QuoteInput) -> None:
    plain = replace(inp, start=inp.start.replace(year=2026, month=6, day=16))
    holiday = replace(inp, start=inp.start.replace(year=2026, month=10, day=2))
    assert quote(holiday).total_fen >= quote(plain).total_fen
    if inp.care_level < 5:
        higher = replace(inp, care_level=inp.care_level + 1)
        assert quote(higher).total_fen >= quote(inp).total_fen


def test_default_policy_tables_are_monotonic() -> None:
    levels = [DEFAULT_POLICY.complexity(level) for level in range(6)]
    ranks = [DEFAULT_POLICY.credential(rank, False) for rank in range(6)]
    assert levels == sorted(levels)
    assert ranks == sorted(ranks)
    assert levels == [10000, 10000, 11000, 12000, 13000, 15000]
