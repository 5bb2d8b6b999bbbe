"""The payer split (pure): hand-checked tables, then properties (shares add up to the
price, none negative, caps and quotas respected, more coverage never raises self-pay)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.billing.payers import Patient, Rule, Share, Usage, split

BASIC = Rule(
    scheme="resident_basic",
    version="2026-ningbo",
    eligible=frozenset({"clinical_nursing"}),
    coverage_bp=6000,
    deductible_fen=20000,
    annual_cap_fen=500000,
)
LTC = Rule(
    scheme="long_term_care",
    version="2026-ningbo",
    ltc_bp_by_level={3: 7000, 4: 8000, 5: 9000},
    ltc_monthly_quota_fen={3: 90000, 4: 120000, 5: 150000},
)
SUBSIDY = Rule(scheme="government_subsidy", version="2026", coverage_bp=5000, min_age=80)
RULES = (BASIC, LTC, SUBSIDY)


def patient(*schemes: str, age: int = 78, level: int | None = None, low: bool = False) -> Patient:
    return Patient(age=age, low_income=low, schemes=frozenset(schemes), ltc_level=level)


def test_self_pay_only() -> None:
    s = split(
        12000, item_code="wound", item_group="clinical_nursing", patient=patient(), rules=RULES
    )
    assert s.shares == (Share("self_pay", 12000, "rest"),)


def test_basic_after_the_deductible() -> None:
    # 200 yuan deductible, 150 already used: the first 50 yuan of this 120-yuan visit is the
    # patient's; 60 % of the other 70 yuan (42 yuan) is covered.
    s = split(
        12000,
        item_code="wound",
        item_group="clinical_nursing",
        patient=patient("resident_basic"),
        rules=RULES,
        usage=Usage(deductible_used_fen={"resident_basic": 15000}),
    )
    assert s.shares == (Share("resident_basic", 4200, "coverage"), Share("self_pay", 7800, "rest"))
    assert s.deductible_fen == {"resident_basic": 5000}


def test_annual_cap_limits_basic_cover() -> None:
    s = split(
        12000,
        item_code="wound",
        item_group="clinical_nursing",
        patient=patient("resident_basic"),
        rules=RULES,
        usage=Usage(
            deductible_used_fen={"resident_basic": 20000},
            paid_this_year_fen={"resident_basic": 497000},
        ),
    )
    assert s.of("resident_basic") == 3000
    assert s.of("self_pay") == 9000


def test_ltc_by_level_within_the_monthly_quota_then_subsidy() -> None:
    # level 4: 80 % of 150 yuan = 120, but only 100 yuan of the month's quota is left; the
    # subsidy (80+) pays half of the remaining 50 yuan.
    s = split(
        15000,
        item_code="bathing",
        item_group="daily_life",
        patient=patient("long_term_care", "government_subsidy", age=84, level=4),
        rules=RULES,
        usage=Usage(paid_this_month_fen={"long_term_care": 110000}),
    )
    assert s.shares == (
        Share("long_term_care", 10000, "ltc_level_4"),
        Share("government_subsidy", 2500, "subsidy"),
        Share("self_pay", 2500, "rest"),
    )


@pytest.mark.parametrize(
    ("age", "group", "expected_self"),
    [
        (79, "daily_life", 10000),  # too young for the subsidy; basic does not cover daily life
        (80, "daily_life", 5000),
    ],
)
def test_subsidy_conditions(age: int, group: str, expected_self: int) -> None:
    s = split(
        10000,
        item_code="meal",
        item_group=group,
        patient=patient("resident_basic", "government_subsidy", age=age),
        rules=RULES,
    )
    assert s.of("self_pay") == expected_self


def test_negative_price_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        split(-1, item_code="x", item_group="y", patient=patient(), rules=RULES)


SCHEMES = st.frozensets(
    st.sampled_from(["resident_basic", "long_term_care", "government_subsidy", "commercial"])
)


@given(
    st.integers(0, 10**7),
    SCHEMES,
    st.integers(60, 100),
    st.sampled_from([None, 1, 3, 4, 5]),
    st.sampled_from(["clinical_nursing", "daily_life"]),
    st.integers(0, 600000),
    st.integers(0, 200000),
)
def test_shares_always_add_up(
    price: int,
    schemes: frozenset[str],
    age: int,
    level: int | None,
    group: str,
    year_used: int,
    month_used: int,
) -> None:
    usage = Usage(
        deductible_used_fen={"resident_basic": year_used // 3},
        paid_this_year_fen={"resident_basic": year_used},
        paid_this_month_fen={"long_term_care": month_used},
    )
    p = Patient(age=age, low_income=False, schemes=schemes, ltc_level=level)
    s = split(price, item_code="x", item_group=group, patient=p, rules=RULES, usage=usage)
    assert s.total_fen == price
    assert all(sh.amount_fen >= 0 for sh in s.shares)
    assert s.shares[-1].payer == "self_pay"
    assert s.of("resident_basic") <= max(0, 500000 - year_used)
    if level in (3, 4, 5):
        assert s.of("long_term_care") <= max(0, LTC.ltc_monthly_quota_fen[level] - month_used)
    # Dropping every scheme never lowers what the patient pays.
    alone = split(
        price, item_code="x", item_group=group, patient=patient(age=age), rules=RULES, usage=usage
    )
    assert alone.of("self_pay") >= s.of("self_pay")
