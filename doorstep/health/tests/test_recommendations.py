"""Personal recommendations from conditions, assessments and history, each with its
reason (pure; ADR 0027). Codes are the seeded catalogue's (``catalog/data.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from doorstep.catalog.data import ITEMS, PACKAGES
from doorstep.health.recommendations import (
    PACKAGE_ITEM,
    Latest,
    Profile,
    glucose_rise,
    recommend,
)

AT = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def codes(profile: Profile) -> list[str]:
    return [r.code for r in recommend(profile)]


def test_diabetes_with_fasting_glucose_rising_gets_nutrition_guidance_first() -> None:
    """Previous three 6.8, 7.0, 7.2 (mean 7.0); latest three 7.4, 7.6, 7.8 (mean 7.6):
    rising by 0.6 >= 0.5 mmol/L -> nutrition guidance, with the rise in the reason."""
    p = Profile(
        conditions=frozenset({"E11.9"}),
        fasting_glucose=(D("6.8"), D("7.0"), D("7.2"), D("7.4"), D("7.6"), D("7.8")),
    )
    got = recommend(p)
    assert [r.code for r in got] == ["nutrition_guidance", "glucose_check", "diabetic_foot"]
    assert got[0].reason_en.startswith("Diabetes with fasting glucose rising by 0.6 mmol/L")
    assert "上升 0.6 mmol/L" in got[0].reason_zh
    assert got[0].basis == ("condition:E11", "observation:glucose")


def test_glucose_rise_boundaries() -> None:
    flat = (D(7), D(7), D(7), D("7.4"), D("7.5"), D("7.5"))  # 7.47 - 7.0 = 0.47 -> 0.5
    assert glucose_rise(flat) == D("0.5")
    assert glucose_rise((D(7),) * 5) is None
    small = (D(7), D(7), D(7), D("7.4"), D("7.4"), D("7.4"))  # rise 0.4: no nutrition
    assert codes(Profile(conditions=frozenset({"E11.9"}), fasting_glucose=small)) == [
        "glucose_check",
        "diabetic_foot",
    ]


def test_history_and_plan_leave_items_out() -> None:
    p = Profile(
        conditions=frozenset({"E11.9", "I10"}),
        history={"diabetic_foot": 1},
        planned=frozenset({"bp_check"}),
    )
    assert codes(p) == ["glucose_check"]  # foot done this year; BP package's item planned


def test_assessments_lines_and_medications() -> None:
    p = Profile(
        scores={
            "morse": Latest(55, "high", AT),
            "barthel": Latest(40, "severe", AT),
            "mna_sf": Latest(7, "malnourished", AT),
            "gds15": Latest(6, "mild", AT),
            "ad8": Latest(3, "impairment_likely", AT),
        },
        lines=frozenset({"picc", "stoma"}),
        active_medications=5,
    )
    got = recommend(p)
    assert [(r.code, r.kind) for r in got] == [
        ("cognitive_screening", "item"),
        ("rehab_fall", "item"),
        ("home_safety", "item"),
        ("bathing_4", "package"),
        ("caregiver_training", "item"),
        ("nutrition_guidance", "item"),
        ("meal_30", "package"),
        ("mental_health", "item"),
        ("picc_4w", "package"),
        ("stoma_4", "package"),
        ("medication_guidance", "item"),
    ]
    assert got[1].reason_en == "Morse Fall Scale 55 (high risk): fall-prevention training."


def test_boundaries_of_the_assessment_suggestions() -> None:
    p = Profile(
        scores={
            "morse": Latest(50, "low", AT),
            "barthel": Latest(61, "mild", AT),
            "mna_sf": Latest(12, "normal", AT),
            "gds15": Latest(4, "normal", AT),
            "ad8": Latest(1, "normal", AT),
        },
        active_medications=4,
    )
    assert codes(p) == []
    osteo = Profile(conditions=frozenset({"M81.9"}), scores={"morse": Latest(25, "low", AT)})
    assert codes(osteo) == ["home_safety"]


def test_conditions_map_to_real_catalogue_codes() -> None:
    p = Profile(conditions=frozenset({"I10", "J44.9", "I69.3", "I50.9", "G20", "F03"}))
    got = codes(p)
    assert got == [
        "bp_monthly",
        "copd_care",
        "rehab_breathing",
        "stroke_rehab_12",
        "heart_failure_care",
        "rehab_limb",
        "caregiver_training",
    ]
    items = {i["code"] for i in ITEMS}
    packages = {p[0]: p[1] for p in PACKAGES}
    every = [
        "nutrition_guidance",
        "glucose_check",
        "diabetic_foot",
        "cognitive_screening",
        "rehab_fall",
        "home_safety",
        "mental_health",
        "medication_guidance",
        *got,
    ]
    assert [c for c in every if c not in items and c not in packages] == []
    assert {k: packages[k] for k in PACKAGE_ITEM} == PACKAGE_ITEM
