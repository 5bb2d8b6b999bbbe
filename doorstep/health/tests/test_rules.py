"""The proactive rules, hand-checked at their boundaries (pure: no database; ADR 0027).

Now is Monday 15 June 2026, 08:00 (UTC+8). Each test states the data, works the
threshold out by hand in its docstring and checks the proposal, its evidence and actions.
Also the frequency arithmetic the care plans use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from doorstep.health import frequency, rules
from doorstep.health.rules import Facts, Line, Reading, Score

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=TZ)
TODAY = NOW.date()


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def facts(**kw: object) -> Facts:
    return Facts(now=NOW, today=TODAY, **kw)  # type: ignore[arg-type]


def bp(i: int, sys: int, dia: int, days: float) -> Reading:
    return Reading(i, "blood_pressure", D(sys), ago(days), value2=D(dia))


# --- blood pressure -------------------------------------------------------------------


def test_bp_three_readings_above_160_100_in_7_days() -> None:
    """161/90 (systolic over), 150/101 (diastolic over), 172/104: three readings above
    160/100 within the week -> extra BP check and doctor review; highest 172/104."""
    got = rules.bp_high(facts(readings=(bp(1, 161, 90, 1), bp(2, 150, 101, 3), bp(3, 172, 104, 6))))
    assert got is not None
    assert (got.rule, got.key) == ("bp_high", "bp_high")
    assert [a.item_code for a in got.actions] == ["bp_check", "chronic_followup"]
    assert [e["id"] for e in got.evidence] == [3, 2, 1]  # oldest first
    assert got.evidence[0] == {
        "type": "observation",
        "id": 3,
        "kind": "blood_pressure",
        "at": ago(6).isoformat(),
        "value": "172",
        "unit": "mm[Hg]",
        "value2": "104",
    }
    assert "highest 172/104" in got.reason_en
    assert "最高 172/104" in got.reason_zh


def test_bp_boundaries() -> None:
    """160/100 exactly is not above; a reading 7 days + 1 minute old is outside the
    week; two high readings are not three."""
    at_limit = (bp(1, 161, 90, 1), bp(2, 165, 95, 2), bp(3, 160, 100, 3))
    assert rules.bp_high(facts(readings=at_limit)) is None
    too_old = (bp(1, 161, 90, 1), bp(2, 165, 95, 2), bp(3, 170, 105, 7 + 1 / 1440))
    assert rules.bp_high(facts(readings=too_old)) is None
    edge = (bp(1, 161, 90, 1), bp(2, 165, 95, 2), bp(3, 170, 105, 7))
    assert rules.bp_high(facts(readings=edge)) is not None


# --- Braden ---------------------------------------------------------------------------


def braden(score: int, days: float = 10) -> Score:
    return Score(7, "braden", score, "high" if score <= 12 else "moderate", ago(days))


def test_braden_12_proposes_prevention_visits_13_does_not() -> None:
    got = rules.braden_low(facts(scores=(braden(12),)))
    assert got is not None
    assert got.actions[0].item_code == "turning_care"
    assert got.actions[0].kind == "recurring"
    assert got.actions[0].frequency == {
        "frequency": "weekly",
        "weekdays": [1, 3, 5],
        "interval_days": None,
    }
    assert got.evidence == (
        {
            "type": "assessment",
            "id": 7,
            "instrument": "braden",
            "at": ago(10).isoformat(),
            "score": 12,
            "band": "high",
        },
    )
    assert rules.braden_low(facts(scores=(braden(13),))) is None


def test_braden_uses_the_latest_recent_result_and_respects_the_plan() -> None:
    """Latest is 16 (an older 10 does not count); a result 181 days old is stale; prevention
    already on the plan: nothing to propose."""
    newer = Score(8, "braden", 16, "mild", ago(2))
    assert rules.braden_low(facts(scores=(braden(10, 30), newer))) is None
    assert rules.braden_low(facts(scores=(braden(10, 181),))) is None
    planned = facts(scores=(braden(10),), planned_items=frozenset({"turning_care"}))
    assert rules.braden_low(planned) is None


# --- lines ----------------------------------------------------------------------------


def test_picc_without_maintenance_for_7_days_gets_a_maintenance_visit() -> None:
    """Maintained 8 June: 7 days ago on 15 June = due (interval 7); 9 June (6 days): not."""
    due = Line(12, "picc", dt.date(2026, 5, 20), 7, last_maintained_on=dt.date(2026, 6, 8))
    got = rules.line_due(facts(lines=(due,)))
    assert [(p.key, p.actions[0].item_code) for p in got] == [("line_due:12", "picc_maintenance")]
    assert got[0].evidence[0]["days_since"] == 7
    assert "2026-06-08" in got[0].reason_en
    assert "PICC 导管" in got[0].reason_zh
    fresh = Line(12, "picc", dt.date(2026, 5, 20), 7, last_maintained_on=dt.date(2026, 6, 9))
    assert rules.line_due(facts(lines=(fresh,))) == []


def test_line_counts_from_insertion_and_skips_when_a_visit_is_booked() -> None:
    never = Line(3, "urinary_catheter", dt.date(2026, 5, 18), 28)  # 28 days since insertion
    assert [p.key for p in rules.line_due(facts(lines=(never,)))] == ["line_due:3"]
    booked = facts(lines=(never,), booked_items=frozenset({"urinary_catheter"}))
    assert rules.line_due(booked) == []
    peg = Line(4, "gastrostomy", dt.date(2026, 1, 1), 30)  # no catalogue item: no rule
    assert rules.line_due(facts(lines=(peg,))) == []


# --- Barthel --------------------------------------------------------------------------


def barthel(i: int, score: int, days: float) -> Score:
    return Score(i, "barthel", score, "x", ago(days))


def test_barthel_falling_by_20_proposes_a_reassessment_15_does_not() -> None:
    got = rules.barthel_drop(facts(scores=(barthel(1, 75, 90), barthel(2, 55, 3))))
    assert got is not None
    assert got.actions[0].item_code == "chronic_followup"
    assert [e["score"] for e in got.evidence] == [75, 55]
    assert "fell by 20 points, from 75 to 55" in got.reason_en
    assert rules.barthel_drop(facts(scores=(barthel(1, 75, 90), barthel(2, 60, 3)))) is None
    # compared with the result just before, not the best ever: 95 -> 80 -> 65 is two 15s
    steps = (barthel(1, 95, 200), barthel(2, 80, 100), barthel(3, 65, 3))
    assert rules.barthel_drop(facts(scores=steps)) is None
    assert rules.barthel_drop(facts(scores=(barthel(1, 60, 3),))) is None


# --- glucose, weight, SpO2 ------------------------------------------------------------


def test_glucose_below_3_9_in_the_last_week() -> None:
    low = Reading(5, "glucose", D("3.8"), ago(2), context="fasting")
    got = rules.glucose_low(facts(readings=(low,)))
    assert got is not None
    assert [(a.item_code, a.kind, a.days) for a in got.actions] == [
        ("glucose_check", "recurring", 14),
        ("medication_guidance", "once", None),
    ]
    assert "lowest 3.8" in got.reason_en
    at_limit = Reading(5, "glucose", D("3.9"), ago(2))
    assert rules.glucose_low(facts(readings=(at_limit,))) is None
    old = Reading(5, "glucose", D("2.9"), ago(8))
    assert rules.glucose_low(facts(readings=(old,))) is None


def test_weight_loss_more_than_5_percent_in_30_days() -> None:
    """Highest in the 30 days before the latest: 60.0 kg; latest 56.9: loss 3.1 / 60 =
    5.17 % > 5 -> nutrition guidance. Latest 57.0: exactly 5 % -> nothing."""

    def w(i: int, kg: str, days: float) -> Reading:
        return Reading(i, "weight", D(kg), ago(days))

    got = rules.weight_loss(facts(readings=(w(1, "59.0", 40), w(2, "60.0", 25), w(3, "56.9", 1))))
    assert got is not None
    assert "5.2 %" in got.reason_en
    assert "60 kg to 56.9 kg" in got.reason_en
    assert [e["id"] for e in got.evidence] == [2, 3]
    assert rules.weight_loss(facts(readings=(w(2, "60.0", 25), w(3, "57.0", 1)))) is None
    # the 60 kg reading is 31 days before the latest: outside the window
    assert rules.weight_loss(facts(readings=(w(2, "60.0", 32), w(3, "56.0", 1)))) is None


def test_spo2_two_readings_below_90() -> None:
    one = (Reading(1, "spo2", D(89), ago(1)), Reading(2, "spo2", D(90), ago(2)))
    assert rules.spo2_low(facts(readings=one)) is None
    two = (Reading(1, "spo2", D(89), ago(1)), Reading(2, "spo2", D(87), ago(2)))
    got = rules.spo2_low(facts(readings=two))
    assert got is not None
    assert "lowest 87 %" in got.reason_en


# --- Morse, GDS -----------------------------------------------------------------------


def test_morse_51_is_high_risk_50_is_not() -> None:
    got = rules.morse_high(facts(scores=(Score(1, "morse", 51, "high", ago(5)),)))
    assert got is not None
    assert [(a.item_code, a.kind) for a in got.actions] == [
        ("rehab_fall", "recurring"),
        ("home_safety", "once"),
    ]
    assert rules.morse_high(facts(scores=(Score(1, "morse", 50, "low", ago(5)),))) is None


def test_gds_5_suggests_depression_4_does_not() -> None:
    assert rules.gds_depression(facts(scores=(Score(1, "gds15", 5, "mild", ago(5)),)))
    assert rules.gds_depression(facts(scores=(Score(1, "gds15", 4, "normal", ago(5)),))) is None


def test_evaluate_runs_every_rule_in_order() -> None:
    data = facts(
        readings=(bp(1, 170, 90, 1), bp(2, 170, 90, 2), bp(3, 170, 90, 3)),
        scores=(braden(11), Score(9, "morse", 60, "high", ago(1))),
        lines=(Line(12, "picc", dt.date(2026, 5, 1), 7),),
    )
    assert [p.key for p in rules.evaluate(data)] == [
        "bp_high",
        "braden_low",
        "line_due:12",
        "morse_high",
    ]
    assert rules.evaluate(facts()) == []


# --- frequency ------------------------------------------------------------------------


def test_frequency_dates() -> None:
    mon, sun = dt.date(2026, 6, 15), dt.date(2026, 6, 28)
    weekly = frequency.check("weekly", [5, 1, 3])
    assert weekly.weekdays == (1, 3, 5)
    days = frequency.dates(weekly, anchor=mon, start=mon, end=sun)
    assert [d.day for d in days] == [15, 17, 19, 22, 24, 26]
    every3 = frequency.check("every_n_days", interval=3)
    assert [
        d.day for d in frequency.dates(every3, anchor=mon, start=dt.date(2026, 6, 20), end=sun)
    ] == [
        21,
        24,
        27,
    ]
    daily = frequency.check("daily")
    assert len(list(frequency.dates(daily, anchor=mon, start=mon, end=sun))) == 14
    assert frequency.describe(weekly) == ("Mon, Wed, Fri", "每周一、三、五")


@pytest.mark.parametrize(
    ("kind", "weekdays", "interval", "field"),
    [
        ("monthly", (), None, "frequency"),
        ("weekly", (), None, "weekdays"),
        ("weekly", (8,), None, "weekdays"),
        ("weekly", (True,), None, "weekdays"),
        ("daily", (1,), None, "weekdays"),
        ("daily", (), 2, "interval_days"),
        ("every_n_days", (), 1, "interval_days"),
        ("every_n_days", (), 91, "interval_days"),
    ],
)
def test_frequency_refuses(
    kind: str, weekdays: tuple[int, ...], interval: int | None, field: str
) -> None:
    with pytest.raises(frequency.InvalidFrequency) as err:
        frequency.check(kind, weekdays, interval)
    assert err.value.field == field


def test_every_item_the_rules_propose_is_in_the_seeded_catalogue() -> None:
    from doorstep.catalog.data import ITEMS

    named = {
        "bp_check",
        "chronic_followup",
        "turning_care",
        "glucose_check",
        "medication_guidance",
        "nutrition_guidance",
        "rehab_fall",
        "home_safety",
        "mental_health",
        *rules.LINE_ITEMS.values(),
    }
    assert named - {i["code"] for i in ITEMS} == set()
