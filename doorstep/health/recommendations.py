"""Personal recommendations: catalogue items and packages suggested from an elder's
conditions, assessments and history, each with its reason (pure; ADR 0027).

``recommend(profile)`` maps plain data to suggestions with the seeded catalogue's codes
(``catalog/data.py``): e.g. type 2 diabetes with fasting glucose rising -> nutrition
guidance; hypertension -> the monthly blood-pressure package; a PICC line -> the PICC
maintenance package; Morse >= 51 -> fall-prevention training. Items already on the care
plan (or the item of a package on it) are left out; each code appears once, with the
first reason that suggested it. Which of them the elder's institution offers where they
live is the catalogue's business: the caller keeps the codes that exist and are active.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

GLUCOSE_RISE = Decimal("0.5")
POLYPHARMACY = 5

#: Package code -> its item (``catalog/data.py`` PACKAGES), to skip what is planned.
PACKAGE_ITEM: dict[str, str] = {
    "bp_monthly": "bp_check",
    "picc_4w": "picc_maintenance",
    "stoma_4": "stoma_care",
    "stroke_rehab_12": "rehab_stroke",
    "bathing_4": "bathing_help",
    "meal_30": "meal_delivery",
    "insulin_7": "injection_sc",
}


@dataclass(frozen=True)
class Latest:
    score: int
    band: str
    at: dt.datetime


@dataclass(frozen=True)
class Profile:
    #: Active ICD-10 codes, e.g. {"I10", "E11.9"}.
    conditions: frozenset[str] = frozenset()
    #: Latest valid result per instrument.
    scores: dict[str, Latest] = field(default_factory=dict)
    #: Fasting glucose readings (mmol/L), oldest first.
    fasting_glucose: tuple[Decimal, ...] = ()
    #: Kinds of lines in place ("picc", "stoma", ...).
    lines: frozenset[str] = frozenset()
    active_medications: int = 0
    #: Item codes with a completed visit in the last year -> how many.
    history: dict[str, int] = field(default_factory=dict)
    #: Item codes on the elder's open care plans.
    planned: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Recommendation:
    code: str
    kind: str  # "item" | "package"
    reason_en: str
    reason_zh: str
    basis: tuple[str, ...] = ()


def _has(conditions: frozenset[str], *prefixes: str) -> bool:
    return any(c.startswith(p) for c in conditions for p in prefixes)


def _mean(values: tuple[Decimal, ...]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def glucose_rise(readings: tuple[Decimal, ...]) -> Decimal | None:
    """Mean of the latest three fasting readings minus the mean of the three before
    (``None`` with fewer than six readings)."""
    if len(readings) < 6:
        return None
    return (_mean(readings[-3:]) - _mean(readings[-6:-3])).quantize(Decimal("0.1"))


def recommend(p: Profile) -> list[Recommendation]:
    out: list[Recommendation] = []

    def add(code: str, en: str, zh: str, *basis: str, kind: str = "item") -> None:
        item = PACKAGE_ITEM.get(code, code)
        if item in p.planned or any(r.code == code for r in out):
            return
        out.append(Recommendation(code, kind, en, zh, tuple(basis)))

    diabetic = _has(p.conditions, "E10", "E11", "E14")
    rise = glucose_rise(p.fasting_glucose)
    if diabetic and rise is not None and rise >= GLUCOSE_RISE:
        add(
            "nutrition_guidance",
            f"Diabetes with fasting glucose rising by {rise} mmol/L over the last readings: "
            "nutrition guidance.",
            f"糖尿病且空腹血糖近期上升 {rise} mmol/L：建议营养膳食指导。",
            "condition:E11",
            "observation:glucose",
        )
    if diabetic:
        add(
            "glucose_check",
            "Diabetes: regular blood glucose checks at home.",
            "糖尿病：建议定期上门血糖监测。",
            "condition:E11",
        )
        if not p.history.get("diabetic_foot"):
            add(
                "diabetic_foot",
                "Diabetes and no foot check in the last year: diabetic foot care.",
                "糖尿病且一年内未做足部护理：建议糖尿病足检查与护理。",
                "condition:E11",
                "history:diabetic_foot",
            )
    if _has(p.conditions, "I10", "I11", "I12", "I13", "I15"):
        add(
            "bp_monthly",
            "Hypertension: a month of weekly blood-pressure checks.",
            "高血压：建议血压监测月度套餐（每周一次）。",
            "condition:I10",
            kind="package",
        )
    if _has(p.conditions, "J44"):
        add(
            "copd_care",
            "COPD: home care with oxygen saturation checks.",
            "慢阻肺：建议居家护理与血氧监测。",
            "condition:J44",
        )
        add(
            "rehab_breathing",
            "COPD: breathing exercises.",
            "慢阻肺：建议呼吸功能训练。",
            "condition:J44",
        )
    if _has(p.conditions, "I69", "I63"):
        add(
            "stroke_rehab_12",
            "After a stroke: a course of 12 rehabilitation visits.",
            "脑卒中后：建议卒中康复 12 次套餐。",
            "condition:I69",
            kind="package",
        )
    if _has(p.conditions, "I50"):
        add(
            "heart_failure_care",
            "Heart failure: home monitoring of weight, blood pressure and pulse.",
            "心力衰竭：建议居家监护体重、血压与心率。",
            "condition:I50",
        )
    if _has(p.conditions, "G20"):
        add(
            "rehab_limb",
            "Parkinson's disease: limb mobility exercise.",
            "帕金森病：建议肢体功能训练。",
            "condition:G20",
        )
    ad8 = p.scores.get("ad8")
    mmse = p.scores.get("mmse")
    dementia = _has(p.conditions, "F00", "F01", "F02", "F03", "G30")
    if (ad8 is not None and ad8.score >= 2) and mmse is None:
        add(
            "cognitive_screening",
            f"AD8 screening {ad8.score} (2 or more) without an MMSE: cognitive screening.",
            f"AD8 筛查 {ad8.score} 分（≥2）且未做 MMSE：建议认知功能筛查。",
            "assessment:ad8",
        )
    if dementia or (mmse is not None and mmse.band in ("moderate", "severe")):
        add(
            "caregiver_training",
            "Dementia: care training for the family.",
            "认知障碍：建议家属照护培训。",
            "condition:F03" if dementia else "assessment:mmse",
        )
    morse = p.scores.get("morse")
    if morse is not None and morse.score >= 51:
        add(
            "rehab_fall",
            f"Morse Fall Scale {morse.score} (high risk): fall-prevention training.",
            f"Morse 跌倒评分 {morse.score}（高风险）：建议防跌倒训练。",
            "assessment:morse",
        )
        add(
            "home_safety",
            f"Morse Fall Scale {morse.score} (high risk): a home safety assessment.",
            f"Morse 跌倒评分 {morse.score}（高风险）：建议居家安全评估。",
            "assessment:morse",
        )
    elif _has(p.conditions, "M81") and morse is not None and morse.score >= 25:
        add(
            "home_safety",
            f"Osteoporosis and Morse {morse.score} (fall risk): a home safety assessment.",
            f"骨质疏松且 Morse {morse.score} 分（有跌倒风险）：建议居家安全评估。",
            "condition:M81",
            "assessment:morse",
        )
    barthel = p.scores.get("barthel")
    if barthel is not None and barthel.score <= 60:
        add(
            "bathing_4",
            f"Barthel {barthel.score} (moderate or severe dependency): help with bathing.",
            f"Barthel {barthel.score} 分（中重度依赖）：建议助浴套餐。",
            "assessment:barthel",
            kind="package",
        )
        add(
            "caregiver_training",
            f"Barthel {barthel.score}: care training for the family.",
            f"Barthel {barthel.score} 分：建议家属照护培训。",
            "assessment:barthel",
        )
    mna = p.scores.get("mna_sf")
    if mna is not None and mna.score <= 11:
        add(
            "nutrition_guidance",
            f"MNA-SF {mna.score} (risk of malnutrition): nutrition guidance.",
            f"MNA-SF {mna.score} 分（营养不良风险）：建议营养膳食指导。",
            "assessment:mna_sf",
        )
        if mna.score <= 7:
            add(
                "meal_30",
                f"MNA-SF {mna.score} (malnourished): a month of delivered meals.",
                f"MNA-SF {mna.score} 分（营养不良）：建议助餐 30 天。",
                "assessment:mna_sf",
                kind="package",
            )
    gds = p.scores.get("gds15")
    if gds is not None and gds.score >= 5:
        add(
            "mental_health",
            f"GDS-15 {gds.score} (likely depression): mental health support.",
            f"老年抑郁量表 {gds.score} 分（提示抑郁）：建议心理疏导。",
            "assessment:gds15",
        )
    if "picc" in p.lines:
        add(
            "picc_4w",
            "PICC line in place: four weeks of weekly maintenance.",
            "带 PICC 导管：建议 PICC 维护 4 周套餐。",
            "line:picc",
            kind="package",
        )
    if "stoma" in p.lines:
        add(
            "stoma_4",
            "Stoma: four weekly stoma care visits.",
            "造口：建议造口护理 4 次套餐。",
            "line:stoma",
            kind="package",
        )
    if p.active_medications >= POLYPHARMACY:
        add(
            "medication_guidance",
            f"{p.active_medications} medications taken: a medication review.",
            f"正在服用 {p.active_medications} 种药物：建议用药指导。",
            "medications",
        )
    return out
