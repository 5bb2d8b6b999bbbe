"""The long-term-care disability level 0-5, derived from Barthel and cognition (ADR 0026).

The national LTC disability assessment standard (国家医保局、民政部《长期护理失能等级评估
标准（试行）》, 医保办发〔2021〕37号) grades three abilities (daily living, cognition,
perception and communication) and combines them in a table into six levels: 0 basically
normal, 1 mild, 2 moderate, 3 severe I, 4 severe II, 5 severe III. Doorstep does not run
the standard's own forms; it derives a *suggested* level with the same combination method:

* daily living from the Barthel Index: 100 intact, 65-95 mild, 45-60 moderate, 0-40 severe
  (the standard's daily-living bands, on the same 0-100 scale);
* cognition from the latest MMSE (its band) or, without one, AD8 (0-1 intact, 2+ mild;
  AD8 cannot grade further); without either, cognition counts as intact and the result
  carries the flag ``cognition_not_assessed``;
* perception and communication are not assessed (flag ``perception_not_assessed``).

The official grade stays the one on ``people.InsuranceEnrollment.ltc_disability_level``
(set from the insurer's assessment); the suggestion shows where they differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import InvalidAnswers

ADL_BANDS = ((100, "intact"), (65, "mild"), (45, "moderate"), (0, "severe"))
COGNITION_FROM_MMSE = {"normal": "intact", "mild": "mild", "moderate": "moderate"}
COGNITION_FROM_AD8 = {"normal": "intact", "impairment_likely": "mild"}
GRADES = ("intact", "mild", "moderate", "severe")

#: rows: daily living; columns: cognition (intact, mild, moderate, severe).
TABLE: dict[str, tuple[int, int, int, int]] = {
    "intact": (0, 0, 1, 1),
    "mild": (1, 1, 1, 2),
    "moderate": (2, 2, 2, 3),
    "severe": (3, 3, 4, 5),
}

LEVELS: dict[int, tuple[str, str]] = {
    0: ("Basically normal", "基本正常"),
    1: ("Mild disability", "轻度失能"),
    2: ("Moderate disability", "中度失能"),
    3: ("Severe disability, grade I", "重度失能一级"),
    4: ("Severe disability, grade II", "重度失能二级"),
    5: ("Severe disability, grade III", "重度失能三级"),
}


@dataclass(frozen=True)
class LtcLevel:
    level: int
    adl: str
    cognition: str
    label_en: str
    label_zh: str
    flags: tuple[str, ...]


def adl_grade(barthel_score: int) -> str:
    if not 0 <= barthel_score <= 100 or barthel_score % 5:
        raise InvalidAnswers("assessment_answer_invalid", "barthel")
    return next(grade for low, grade in ADL_BANDS if barthel_score >= low)


def cognition_grade(instrument: str | None, band: str | None) -> str:
    """The cognition grade from an MMSE or AD8 band; ``intact`` when neither exists."""
    if instrument is None:
        return "intact"
    table = {"mmse": COGNITION_FROM_MMSE, "ad8": COGNITION_FROM_AD8}.get(instrument)
    if table is None:
        raise InvalidAnswers("assessment_answer_invalid", instrument)
    return table.get(band or "", "severe")


def derive(
    *,
    barthel_score: int,
    cognition_instrument: str | None = None,
    cognition_band: str | None = None,
) -> LtcLevel:
    adl = adl_grade(barthel_score)
    cognition = cognition_grade(cognition_instrument, cognition_band)
    level = TABLE[adl][GRADES.index(cognition)]
    flags = ["perception_not_assessed"]
    if cognition_instrument is None:
        flags.insert(0, "cognition_not_assessed")
    en, zh = LEVELS[level]
    return LtcLevel(
        level=level, adl=adl, cognition=cognition, label_en=en, label_zh=zh, flags=tuple(flags)
    )
