"""Hand-checked scoring examples for every instrument, from the published scoring tables,
and the bounds of every item (pure: no database)."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.health.instruments import INSTRUMENTS, InvalidAnswers, ltc
from doorstep.health.instruments.base import Instrument


def best(form: Instrument, **overrides: Any) -> dict[str, Any]:
    """Every item at its highest-scoring option (one of each alternative group)."""
    answers: dict[str, Any] = {}
    seen: set[str] = set()
    for item in form.items:
        if item.group:
            if item.group in seen:
                continue
            seen.add(item.group)
        answers[item.key] = max(item.options, key=lambda o: o.points).value
    for key in form.context:
        answers[key] = form.context[key][-1]
    answers.update(overrides)
    return answers


def code_of(form: Instrument, answers: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(InvalidAnswers) as info:
        form.score(answers)
    return info.value.code, info.value.item


# --- every item's bounds -----------------------------------------------------------

ALL_ITEMS = [(code, item.key) for code, form in INSTRUMENTS.items() for item in form.items]


@pytest.mark.parametrize(("code", "key"), ALL_ITEMS)
def test_every_option_of_every_item_scores_its_points(code: str, key: str) -> None:
    form = INSTRUMENTS[code]
    item = next(i for i in form.items if i.key == key)
    base = best(form)
    if item.group:  # answer this alternative instead of the other one of its group
        base = {
            k: v
            for k, v in base.items()
            if not any(i.key == k and i.group == item.group for i in form.items)
        }
    top = form.score({**base, key: max(item.options, key=lambda o: o.points).value}).score
    for option in item.options:
        result = form.score({**base, key: option.value})
        assert result.points[key] == option.points
        assert result.score == top - max(o.points for o in item.options) + option.points
        assert form.min_score <= result.score <= form.max_score


@pytest.mark.parametrize(("code", "key"), ALL_ITEMS)
def test_an_answer_outside_the_options_is_refused(code: str, key: str) -> None:
    form = INSTRUMENTS[code]
    item = next(i for i in form.items if i.key == key)
    for bad in (max(o.points for o in item.options) + 1, -1, "maybe", True, None, 2.5):
        if any(o.value == bad and type(o.value) is type(bad) for o in item.options):
            continue
        answers = {**best(form), key: bad}
        if item.group:
            answers = {
                k: v
                for k, v in answers.items()
                if k == key or not any(i.key == k and i.group == item.group for i in form.items)
            }
        expected_item = item.group if (bad is None and item.group) else key
        expected = "assessment_answer_missing" if bad is None else "assessment_answer_invalid"
        assert code_of(form, answers) == (expected, expected_item)


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_a_missing_or_unknown_item_is_refused(code: str) -> None:
    form = INSTRUMENTS[code]
    answers = best(form)
    first = next(i for i in form.items if not i.group)
    del answers[first.key]
    assert code_of(form, answers) == ("assessment_answer_missing", first.key)
    assert code_of(form, {**best(form), "zz_extra": 1}) == ("assessment_answer_unknown", "zz_extra")
    assert code_of(form, [1, 2]) == ("assessment_answers_invalid", "")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_bands_cover_the_whole_range_without_gaps(code: str) -> None:
    form = INSTRUMENTS[code]
    if form.interpret is not None:
        return  # MMSE: interpreted with the education cut-off (tested below)
    covered = sorted(s for b in form.bands for s in range(b.low, b.high + 1))
    assert covered == list(range(form.min_score, form.max_score + 1))


# --- Barthel ------------------------------------------------------------------------

BARTHEL = INSTRUMENTS["barthel"]


def test_barthel_worked_example() -> None:
    """feeding 5 + bathing 0 + grooming 5 + dressing 5 + bowels 10 + bladder 5 + toilet 5
    + transfers 10 + mobility 10 + stairs 0 = 55 -> moderate dependency (41-60)."""
    r = BARTHEL.score(
        {
            "feeding": 5,
            "bathing": 0,
            "grooming": 5,
            "dressing": 5,
            "bowels": 10,
            "bladder": 5,
            "toilet": 5,
            "transfers": 10,
            "mobility": 10,
            "stairs": 0,
        }
    )
    assert (r.score, r.max_score, r.band, r.label_en, r.label_zh) == (
        55,
        100,
        "moderate",
        "Moderate dependency",
        "中度依赖",
    )


@pytest.mark.parametrize(
    ("stairs", "mobility", "transfers", "expected"),
    [
        (10, 15, 15, (100, "independent")),  # all at maximum
        (5, 15, 15, (95, "mild")),
        (0, 0, 15, (75, "mild")),
    ],
)
def test_barthel_bands(stairs: int, mobility: int, transfers: int, expected: tuple) -> None:
    r = BARTHEL.score(best(BARTHEL, stairs=stairs, mobility=mobility, transfers=transfers))
    assert (r.score, r.band) == expected


def test_barthel_band_edges() -> None:
    """60 is moderate, 65 mild, 40 severe, 45 moderate (WS/T 431-2013)."""
    assert BARTHEL._band_code(60) == "moderate"
    assert BARTHEL._band_code(65) == "mild"
    assert BARTHEL._band_code(40) == "severe"
    assert BARTHEL._band_code(45) == "moderate"
    zero = {i.key: 0 for i in BARTHEL.items}
    assert (BARTHEL.score(zero).score, BARTHEL.score(zero).band) == (0, "severe")


def test_barthel_points_are_ints_not_strings_or_bools() -> None:
    assert code_of(BARTHEL, best(BARTHEL, feeding="10")) == ("assessment_answer_invalid", "feeding")
    assert code_of(BARTHEL, best(BARTHEL, bathing=True)) == ("assessment_answer_invalid", "bathing")


# --- Morse --------------------------------------------------------------------------

MORSE = INSTRUMENTS["morse"]


def _morse(**kw: str) -> Any:
    answers = {
        "history_of_falling": "no",
        "secondary_diagnosis": "no",
        "ambulatory_aid": "none",
        "iv_therapy": "no",
        "gait": "normal",
        "mental_status": "oriented",
    }
    return MORSE.score({**answers, **kw})


def test_morse_examples() -> None:
    """fall 25 + diagnosis 15 + cane 15 + weak gait 10 = 65 -> high (>= 51);
    diagnosis 15 + weak gait 10 = 25 -> low (25-50); IV 20 -> 20, no risk;
    fall 25 + diagnosis 15 + weak gait 10 = 50 -> low; maximum 125."""
    r = _morse(
        history_of_falling="yes",
        secondary_diagnosis="yes",
        ambulatory_aid="crutches_cane_walker",
        gait="weak",
    )
    assert (r.score, r.band, r.label_zh) == (65, "high", "高度跌倒风险")
    assert (_morse(secondary_diagnosis="yes", gait="weak").score,) == (25,)
    assert _morse(secondary_diagnosis="yes", gait="weak").band == "low"
    assert (_morse(iv_therapy="yes").score, _morse(iv_therapy="yes").band) == (20, "no_risk")
    r = _morse(history_of_falling="yes", secondary_diagnosis="yes", gait="weak")
    assert (r.score, r.band) == (50, "low")
    assert MORSE.max_score == 125


# --- Braden -------------------------------------------------------------------------

BRADEN = INSTRUMENTS["braden"]
BRADEN_KEYS = (
    "sensory_perception",
    "moisture",
    "activity",
    "mobility",
    "nutrition",
    "friction_shear",
)


@pytest.mark.parametrize(
    ("values", "score", "band"),
    [
        ((4, 4, 4, 4, 4, 3), 23, "no_risk"),
        ((3, 3, 3, 3, 3, 3), 18, "mild"),
        ((3, 3, 2, 2, 3, 2), 15, "mild"),
        ((3, 2, 2, 2, 3, 2), 14, "moderate"),
        ((2, 2, 2, 2, 2, 2), 12, "high"),
        ((2, 2, 2, 1, 2, 1), 10, "high"),
        ((2, 1, 1, 2, 2, 1), 9, "very_high"),
        ((1, 1, 1, 1, 1, 1), 6, "very_high"),
    ],
)
def test_braden_examples(values: tuple[int, ...], score: int, band: str) -> None:
    r = BRADEN.score(dict(zip(BRADEN_KEYS, values, strict=True)))
    assert (r.score, r.band) == (score, band)


def test_braden_friction_has_no_four() -> None:
    answers = dict(zip(BRADEN_KEYS, (4, 4, 4, 4, 4, 4), strict=True))
    assert code_of(BRADEN, answers) == ("assessment_answer_invalid", "friction_shear")


# --- AD8, MMSE, MNA-SF, GDS-15 ----------------------------------------------------------

AD8 = INSTRUMENTS["ad8"]


def test_ad8_two_changes_mean_likely_impairment() -> None:
    answers = {i.key: "no" for i in AD8.items}
    assert (AD8.score(answers).score, AD8.score(answers).band) == (0, "normal")
    one = {**answers, "judgment": "yes", "finances": "unknown"}
    assert (AD8.score(one).score, AD8.score(one).band) == (1, "normal")
    two = {**one, "appointments": "yes"}
    assert (AD8.score(two).score, AD8.score(two).band) == (2, "impairment_likely")


MMSE = INSTRUMENTS["mmse"]


def _mmse(total_loss: int, education: str) -> Any:
    """Full marks minus ``total_loss`` points taken from orientation first."""
    answers = best(MMSE, education=education)
    for key in (
        "orientation_time",
        "orientation_place",
        "attention_calculation",
        "recall",
        "registration",
        "three_stage_command",
    ):
        take = min(total_loss, answers[key])
        answers[key] -= take
        total_loss -= take
    return MMSE.score(answers)


@pytest.mark.parametrize(
    ("loss", "education", "score", "band"),
    [
        (0, "secondary_or_higher", 30, "normal"),
        (5, "secondary_or_higher", 25, "normal"),  # above the cut-off 24
        (6, "secondary_or_higher", 24, "mild"),  # at the cut-off: impaired, 21-26 mild
        (6, "primary", 24, "normal"),  # primary school cut-off is 20
        (10, "primary", 20, "moderate"),  # impaired, 10-20 moderate
        (12, "illiterate", 18, "normal"),  # no schooling: cut-off 17
        (13, "illiterate", 17, "moderate"),
        (21, "illiterate", 9, "severe"),
    ],
)
def test_mmse_education_cutoffs(loss: int, education: str, score: int, band: str) -> None:
    r = _mmse(loss, education)
    assert (r.score, r.band) == (score, band)


def test_mmse_needs_the_education_level() -> None:
    answers = best(MMSE)
    del answers["education"]
    assert code_of(MMSE, answers) == ("assessment_answer_invalid", "education")
    assert code_of(MMSE, best(MMSE, education="phd")) == ("assessment_answer_invalid", "education")


MNA = INSTRUMENTS["mna_sf"]
MNA_BASE = {
    "food_intake": "none",
    "weight_loss": "none",
    "mobility": "goes_out",
    "stress_or_acute_disease": "no",
    "neuropsychological": "none",
}


def test_mna_sf_examples() -> None:
    """2+3+2+2+2 + BMI>=23 (3) = 14 normal; the same with calf >= 31 cm (3) = 14;
    moderate intake 1 + 1-3 kg 2 + no going out 1 + no stress 2 + mild dementia 1 +
    BMI 19-21 (1) = 8 at risk; with weight loss unknown (1) instead: 7 malnourished."""
    assert MNA.score({**MNA_BASE, "bmi": "23_or_more"}).score == 14
    r = MNA.score({**MNA_BASE, "calf_circumference": "31cm_or_more"})
    assert (r.score, r.band) == (14, "normal")
    at_risk = {
        "food_intake": "moderate",
        "weight_loss": "1_to_3kg",
        "mobility": "no_going_out",
        "stress_or_acute_disease": "no",
        "neuropsychological": "mild_dementia",
        "bmi": "19_to_21",
    }
    assert (MNA.score(at_risk).score, MNA.score(at_risk).band) == (8, "at_risk")
    worse = {**at_risk, "weight_loss": "unknown"}
    assert (MNA.score(worse).score, MNA.score(worse).band) == (7, "malnourished")


def test_mna_sf_takes_bmi_or_calf_not_both() -> None:
    both = {**MNA_BASE, "bmi": "23_or_more", "calf_circumference": "under_31cm"}
    assert code_of(MNA, both) == ("assessment_answers_conflict", "calf_circumference")
    assert code_of(MNA, MNA_BASE) == ("assessment_answer_missing", "f_body")
    assert MNA.max_score == 14


GDS = INSTRUMENTS["gds15"]
REVERSED = {"q1_satisfied", "q5_good_spirits", "q7_happy", "q11_wonderful_alive", "q13_energy"}


def test_gds15_scoring_direction() -> None:
    """Non-depressive answers ("yes" to 1, 5, 7, 11, 13, "no" to the rest) score 0;
    answering "no" to everything scores the five reversed items: 5 -> mild."""
    calm = {i.key: ("yes" if i.key in REVERSED else "no") for i in GDS.items}
    assert (GDS.score(calm).score, GDS.score(calm).band) == (0, "normal")
    all_no = {i.key: "no" for i in GDS.items}
    assert (GDS.score(all_no).score, GDS.score(all_no).band) == (5, "mild")
    worst = {i.key: ("no" if i.key in REVERSED else "yes") for i in GDS.items}
    r = GDS.score(worst)
    assert (r.score, r.band, r.label_en) == (15, "severe", "Severe depression")
    nine = {
        **all_no,
        "q2_dropped_activities": "yes",
        "q3_life_empty": "yes",
        "q4_bored": "yes",
        "q8_helpless": "yes",
    }
    assert (GDS.score(nine).score, GDS.score(nine).band) == (9, "moderate")


# --- the long-term-care level ---------------------------------------------------------


@pytest.mark.parametrize(
    ("barthel", "instrument", "band", "level"),
    [
        (100, None, None, 0),  # intact, cognition not assessed
        (100, "mmse", "moderate", 1),
        (95, "ad8", "normal", 1),  # mild ADL
        (65, "mmse", "severe", 2),
        (60, "ad8", "impairment_likely", 2),  # moderate ADL x mild cognition
        (45, "mmse", "severe", 3),
        (40, "mmse", "normal", 3),  # severe ADL
        (20, "mmse", "moderate", 4),
        (0, "mmse", "severe", 5),
    ],
)
def test_ltc_level_table(
    barthel: int, instrument: str | None, band: str | None, level: int
) -> None:
    r = ltc.derive(barthel_score=barthel, cognition_instrument=instrument, cognition_band=band)
    assert r.level == level
    assert (r.label_en, r.label_zh) == ltc.LEVELS[level]
    assert ("cognition_not_assessed" in r.flags) == (instrument is None)


def test_ltc_level_refuses_an_impossible_barthel() -> None:
    for bad in (101, -5, 57):
        with pytest.raises(InvalidAnswers):
            ltc.adl_grade(bad)
