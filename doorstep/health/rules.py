"""Proactive care rules: pure functions over plain data (no Django; ADR 0027).

Each rule looks at an elder's ``Facts`` (readings, assessment results, lines in the body,
what is already planned or booked) and returns a ``Proposal`` or ``None``: what staff
should consider doing, why (in English and Chinese, with the numbers), the data behind it
(each reading or result with its date) and the actions accepting it takes (a one-off
visit, or a recurring intervention on the elder's care plan). ``evaluate`` runs them all.

Thresholds and their sources:

* ``bp_high``: at least 3 blood-pressure readings above 160/100 mmHg (systolic > 160 or
  diastolic > 100, i.e. grade 2 hypertension or worse, 中国高血压防治指南 2018) in the last
  7 days -> an extra blood-pressure check and a doctor's review.
* ``braden_low``: latest Braden (within 180 days) <= 12 (high risk) -> pressure-injury
  prevention visits (turning and skin care, three times a week), unless already planned.
* ``line_due``: a line in place whose last maintenance (or insertion) is at least its
  maintenance interval ago (PICC: 7 days) -> a maintenance visit, unless one is booked.
* ``barthel_drop``: the latest Barthel is at least 20 points below the one before it
  (within 365 days) -> a reassessment visit.
* ``glucose_low``: any glucose below 3.9 mmol/L (hypoglycaemia, ADA level 1) in the last
  7 days -> glucose checks three times a week for two weeks and a medication review.
* ``weight_loss``: the latest weight is more than 5 % below the highest weight in the
  30 days before it (MNA / GLIM criterion) -> nutrition guidance.
* ``morse_high``: latest Morse Fall Scale (within 180 days) >= 51 (high risk) -> weekly
  fall-prevention training and a home safety assessment, unless already planned.
* ``spo2_low``: at least 2 oxygen saturations below 90 % in the last 7 days -> a doctor's
  review.
* ``gds_depression``: latest GDS-15 (within 180 days) >= 5 (likely depression) -> mental
  health support.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ASSESSMENT_MAX_AGE_DAYS = 180
BP_SYSTOLIC_LIMIT = Decimal(160)
BP_DIASTOLIC_LIMIT = Decimal(100)
BP_COUNT = 3
BRADEN_HIGH_RISK = 12
BARTHEL_DROP = 20
GLUCOSE_LOW = Decimal("3.9")
WEIGHT_LOSS_PCT = Decimal(5)
MORSE_HIGH = 51
SPO2_LOW = Decimal(90)
SPO2_COUNT = 2
GDS_DEPRESSION = 5
RECENT = dt.timedelta(days=7)

#: Which catalogue item maintains each kind of line (kinds not listed: no rule).
LINE_ITEMS: dict[str, str] = {
    "picc": "picc_maintenance",
    "central_line": "port_maintenance",
    "urinary_catheter": "urinary_catheter",
    "stoma": "stoma_care",
    "nasogastric_tube": "ng_tube",
    "tracheostomy": "tracheostomy_care",
}
LINE_NAMES: dict[str, tuple[str, str]] = {
    "picc": ("PICC line", "PICC 导管"),
    "central_line": ("central venous line", "中心静脉导管"),
    "urinary_catheter": ("urinary catheter", "导尿管"),
    "stoma": ("stoma", "造口"),
    "nasogastric_tube": ("nasogastric tube", "胃管"),
    "tracheostomy": ("tracheostomy", "气管切开套管"),
}


@dataclass(frozen=True)
class Reading:
    id: int
    kind: str
    value: Decimal
    at: dt.datetime
    value2: Decimal | None = None
    context: str = ""


@dataclass(frozen=True)
class Score:
    id: int
    instrument: str
    score: int
    band: str
    at: dt.datetime


@dataclass(frozen=True)
class Line:
    id: int
    kind: str
    inserted_on: dt.date
    maintenance_days: int
    last_maintained_on: dt.date | None = None


@dataclass(frozen=True)
class Facts:
    now: dt.datetime
    today: dt.date
    readings: tuple[Reading, ...] = ()
    scores: tuple[Score, ...] = ()
    lines: tuple[Line, ...] = ()
    #: Item codes with an active intervention on an open plan.
    planned_items: frozenset[str] = frozenset()
    #: Item codes with an open (not finished, not cancelled) visit from today on.
    booked_items: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Action:
    """``once``: one visit (the next day); ``recurring``: an intervention on the plan with
    ``frequency`` (``frequency.Frequency.as_dict``) for ``days`` days (``None``: open)."""

    item_code: str
    kind: str = "once"
    frequency: dict[str, Any] | None = None
    days: int | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_code": self.item_code,
            "kind": self.kind,
            "frequency": self.frequency,
            "days": self.days,
            "note": self.note,
        }


@dataclass(frozen=True)
class Proposal:
    rule: str
    key: str
    reason_en: str
    reason_zh: str
    evidence: tuple[dict[str, Any], ...]
    actions: tuple[Action, ...] = field(default=())


def _three_a_week() -> dict[str, Any]:
    return {"frequency": "weekly", "weekdays": [1, 3, 5], "interval_days": None}


def _weekly(day: int) -> dict[str, Any]:
    return {"frequency": "weekly", "weekdays": [day], "interval_days": None}


def _n(value: Decimal) -> str:
    """A reading as people write it: no trailing zeros (152, 3.5)."""
    text = format(value.normalize(), "f")
    return text


def _reading(r: Reading, unit: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "type": "observation",
        "id": r.id,
        "kind": r.kind,
        "at": r.at.isoformat(),
        "value": _n(r.value),
        "unit": unit,
    }
    if r.value2 is not None:
        row["value2"] = _n(r.value2)
    if r.context:
        row["context"] = r.context
    return row


def _score(s: Score) -> dict[str, Any]:
    return {
        "type": "assessment",
        "id": s.id,
        "instrument": s.instrument,
        "at": s.at.isoformat(),
        "score": s.score,
        "band": s.band,
    }


def _recent(facts: Facts, kind: str) -> list[Reading]:
    """Readings of ``kind`` from the last 7 days, oldest first."""
    since = facts.now - RECENT
    return sorted(
        (r for r in facts.readings if r.kind == kind and since <= r.at <= facts.now),
        key=lambda r: (r.at, r.id),
    )


def _latest(facts: Facts, instrument: str, max_age_days: int) -> Score | None:
    since = facts.now - dt.timedelta(days=max_age_days)
    rows = [s for s in facts.scores if s.instrument == instrument and since <= s.at <= facts.now]
    return max(rows, key=lambda s: (s.at, s.id)) if rows else None


# --- the rules --------------------------------------------------------------------------


def bp_high(facts: Facts) -> Proposal | None:
    high = [
        r
        for r in _recent(facts, "blood_pressure")
        if r.value > BP_SYSTOLIC_LIMIT or (r.value2 is not None and r.value2 > BP_DIASTOLIC_LIMIT)
    ]
    if len(high) < BP_COUNT:
        return None
    top = max(high, key=lambda r: (r.value, r.value2 or 0))
    peak = f"{_n(top.value)}/{_n(top.value2 or Decimal(0))}"
    return Proposal(
        rule="bp_high",
        key="bp_high",
        reason_en=(
            f"{len(high)} blood-pressure readings above 160/100 mmHg in the last 7 days "
            f"(highest {peak}): an extra blood-pressure check and a doctor's review."
        ),
        reason_zh=(
            f"近 7 天内 {len(high)} 次血压高于 160/100 mmHg（最高 {peak}）："
            "建议加测一次血压并请医生评估。"
        ),
        evidence=tuple(_reading(r, "mm[Hg]") for r in high),
        actions=(
            Action("bp_check", note="Extra blood-pressure check / 加测血压"),
            Action("chronic_followup", note="Doctor review of blood pressure / 医生评估血压"),
        ),
    )


def braden_low(facts: Facts) -> Proposal | None:
    latest = _latest(facts, "braden", ASSESSMENT_MAX_AGE_DAYS)
    if latest is None or latest.score > BRADEN_HIGH_RISK:
        return None
    if facts.planned_items & {"turning_care", "pressure_injury"}:
        return None
    return Proposal(
        rule="braden_low",
        key="braden_low",
        reason_en=(
            f"Braden score {latest.score} (12 or less: high pressure-injury risk): "
            "pressure-injury prevention visits three times a week."
        ),
        reason_zh=(
            f"Braden 评分 {latest.score}（≤12 为压力性损伤高危）：建议每周三次预防性翻身与皮肤护理。"
        ),
        evidence=(_score(latest),),
        actions=(
            Action(
                "turning_care",
                kind="recurring",
                frequency=_three_a_week(),
                note="Pressure-injury prevention / 压力性损伤预防",
            ),
        ),
    )


def line_due(facts: Facts) -> list[Proposal]:
    out = []
    for line in sorted(facts.lines, key=lambda x: x.id):
        item = LINE_ITEMS.get(line.kind)
        if item is None or item in facts.booked_items:
            continue
        base = line.last_maintained_on or line.inserted_on
        days = (facts.today - base).days
        if days < line.maintenance_days:
            continue
        en, zh = LINE_NAMES[line.kind]
        what = "maintained" if line.last_maintained_on else "inserted"
        what_zh = "上次维护" if line.last_maintained_on else "置管"
        out.append(
            Proposal(
                rule="line_due",
                key=f"line_due:{line.id}",
                reason_en=(
                    f"The {en} was last {what} {days} days ago, on {base.isoformat()} "
                    f"(due every {line.maintenance_days} days): a maintenance visit."
                ),
                reason_zh=(
                    f"{zh}{what_zh}于 {base.isoformat()}，已 {days} 天"
                    f"（每 {line.maintenance_days} 天维护一次）：建议上门维护。"
                ),
                evidence=(
                    {
                        "type": "line",
                        "id": line.id,
                        "kind": line.kind,
                        "inserted_on": line.inserted_on.isoformat(),
                        "last_maintained_on": (
                            line.last_maintained_on.isoformat() if line.last_maintained_on else None
                        ),
                        "maintenance_days": line.maintenance_days,
                        "days_since": days,
                    },
                ),
                actions=(Action(item, note=f"{en} maintenance / {zh}维护"),),
            )
        )
    return out


def barthel_drop(facts: Facts) -> Proposal | None:
    since = facts.now - dt.timedelta(days=365)
    rows = sorted(
        (s for s in facts.scores if s.instrument == "barthel" and since <= s.at <= facts.now),
        key=lambda s: (s.at, s.id),
    )
    if len(rows) < 2:
        return None
    before, latest = rows[-2], rows[-1]
    drop = before.score - latest.score
    if drop < BARTHEL_DROP:
        return None
    return Proposal(
        rule="barthel_drop",
        key="barthel_drop",
        reason_en=(
            f"Barthel index fell by {drop} points, from {before.score} to {latest.score}: "
            "a reassessment visit (daily living, falls, pressure injury)."
        ),
        reason_zh=(
            f"Barthel 指数下降 {drop} 分（{before.score} → {latest.score}）："
            "建议上门复评（日常生活能力、跌倒与压力性损伤风险）。"
        ),
        evidence=(_score(before), _score(latest)),
        actions=(Action("chronic_followup", note="Reassessment: Barthel, Morse, Braden / 复评"),),
    )


def glucose_low(facts: Facts) -> Proposal | None:
    low = [r for r in _recent(facts, "glucose") if r.value < GLUCOSE_LOW]
    if not low:
        return None
    lowest = min(low, key=lambda r: (r.value, r.at))
    return Proposal(
        rule="glucose_low",
        key="glucose_low",
        reason_en=(
            f"{len(low)} blood glucose reading(s) below 3.9 mmol/L in the last 7 days "
            f"(lowest {_n(lowest.value)}): glucose checks three times a week for two weeks "
            "and a medication review."
        ),
        reason_zh=(
            f"近 7 天内 {len(low)} 次血糖低于 3.9 mmol/L（最低 {_n(lowest.value)}）："
            "建议两周内每周三次血糖监测并进行用药指导。"
        ),
        evidence=tuple(_reading(r, "mmol/L") for r in low),
        actions=(
            Action(
                "glucose_check",
                kind="recurring",
                frequency=_three_a_week(),
                days=14,
                note="Low glucose follow-up / 低血糖随访",
            ),
            Action("medication_guidance", note="Medication review / 用药指导"),
        ),
    )


def weight_loss(facts: Facts) -> Proposal | None:
    weights = sorted(
        (r for r in facts.readings if r.kind == "weight" and r.at <= facts.now),
        key=lambda r: (r.at, r.id),
    )
    if len(weights) < 2:
        return None
    latest = weights[-1]
    window = [r for r in weights[:-1] if latest.at - dt.timedelta(days=30) <= r.at < latest.at]
    if not window:
        return None
    ref = max(window, key=lambda r: (r.value, r.at))
    pct = (ref.value - latest.value) * 100 / ref.value
    if pct <= WEIGHT_LOSS_PCT:
        return None
    shown = _n(pct.quantize(Decimal("0.1")))
    return Proposal(
        rule="weight_loss",
        key="weight_loss",
        reason_en=(
            f"Weight fell {shown} % within 30 days, from {_n(ref.value)} kg to "
            f"{_n(latest.value)} kg (more than 5 %): nutrition guidance."
        ),
        reason_zh=(
            f"30 天内体重下降 {shown}%（{_n(ref.value)} kg → {_n(latest.value)} kg，超过 5%）："
            "建议营养膳食指导。"
        ),
        evidence=(_reading(ref, "kg"), _reading(latest, "kg")),
        actions=(Action("nutrition_guidance", note="Weight loss / 体重下降"),),
    )


def morse_high(facts: Facts) -> Proposal | None:
    latest = _latest(facts, "morse", ASSESSMENT_MAX_AGE_DAYS)
    if latest is None or latest.score < MORSE_HIGH or "rehab_fall" in facts.planned_items:
        return None
    return Proposal(
        rule="morse_high",
        key="morse_high",
        reason_en=(
            f"Morse Fall Scale {latest.score} (51 or more: high fall risk): weekly "
            "fall-prevention training and a home safety assessment."
        ),
        reason_zh=(
            f"Morse 跌倒评分 {latest.score}（≥51 为高风险）：建议每周防跌倒训练并做居家安全评估。"
        ),
        evidence=(_score(latest),),
        actions=(
            Action(
                "rehab_fall",
                kind="recurring",
                frequency=_weekly(2),
                note="Fall prevention / 防跌倒",
            ),
            Action("home_safety", note="Home safety assessment / 居家安全评估"),
        ),
    )


def spo2_low(facts: Facts) -> Proposal | None:
    low = [r for r in _recent(facts, "spo2") if r.value < SPO2_LOW]
    if len(low) < SPO2_COUNT:
        return None
    return Proposal(
        rule="spo2_low",
        key="spo2_low",
        reason_en=(
            f"{len(low)} oxygen saturation readings below 90 % in the last 7 days "
            f"(lowest {_n(min(r.value for r in low))} %): a doctor's review."
        ),
        reason_zh=(
            f"近 7 天内 {len(low)} 次血氧饱和度低于 90%"
            f"（最低 {_n(min(r.value for r in low))}%）：建议医生上门评估。"
        ),
        evidence=tuple(_reading(r, "%") for r in low),
        actions=(Action("chronic_followup", note="Low oxygen saturation / 血氧偏低"),),
    )


def gds_depression(facts: Facts) -> Proposal | None:
    latest = _latest(facts, "gds15", ASSESSMENT_MAX_AGE_DAYS)
    if latest is None or latest.score < GDS_DEPRESSION or "mental_health" in facts.planned_items:
        return None
    return Proposal(
        rule="gds_depression",
        key="gds_depression",
        reason_en=(
            f"Geriatric Depression Scale {latest.score} of 15 (5 or more suggests "
            "depression): mental health support."
        ),
        reason_zh=f"老年抑郁量表 {latest.score}/15 分（≥5 分提示抑郁）：建议心理疏导。",
        evidence=(_score(latest),),
        actions=(Action("mental_health", note="Low mood / 情绪低落"),),
    )


SINGLE: tuple[Callable[[Facts], Proposal | None], ...] = (
    bp_high,
    braden_low,
    barthel_drop,
    glucose_low,
    weight_loss,
    morse_high,
    spo2_low,
    gds_depression,
)
RULES: tuple[str, ...] = (
    "bp_high",
    "braden_low",
    "line_due",
    "barthel_drop",
    "glucose_low",
    "weight_loss",
    "morse_high",
    "spo2_low",
    "gds_depression",
)


def evaluate(facts: Facts) -> list[Proposal]:
    """Every rule's proposals for these facts, in the order of ``RULES``."""
    found: list[Proposal] = []
    for rule in SINGLE:
        proposal = rule(facts)
        if proposal is not None:
            found.append(proposal)
    found.extend(line_due(facts))
    order = {name: i for i, name in enumerate(RULES)}
    return sorted(found, key=lambda p: (order[p.rule], p.key))


def items_of(proposals: Iterable[Proposal]) -> set[str]:
    return {a.item_code for p in proposals for a in p.actions}
