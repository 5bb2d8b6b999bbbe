"""Health records of the demo city's elders (issue 6; ADR 0026).

Runs after the elders exist. Every elder gets one to three chronic conditions drawn from
the ICD-10 reference list (hypertension most often), the usual medication for each, a few
allergies, a PICC line for elders with cancer and for a handful of others, urinary
catheters and stomas where they fit, readings for the past months (blood pressure every
two weeks for hypertensive elders, monthly for the others; glucose every two weeks for
diabetic elders; weight every two months; oxygen saturation monthly with COPD) and a
Barthel and a Braden assessment matching the elder's care level. Assessment answers are
scored by the same pure instruments the services use, so they always agree.

Deterministic: its own ``random.Random`` derived from the seed (the rest of the seed
draws exactly what it drew before), every time an offset from the anchor day.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from doorstep.health.data import load_condition_codes
from doorstep.health.enums import MAINTENANCE_DAYS
from doorstep.health.instruments import INSTRUMENTS
from doorstep.health.models import (
    Allergy,
    AssessmentResult,
    BodyLine,
    Condition,
    ConditionCode,
    Medication,
    Observation,
)
from doorstep.health.observations import KINDS
from doorstep.people.enums import InstitutionLinkStatus
from doorstep.people.models import Elder, ElderInstitutionLink

from .writer import make

if TYPE_CHECKING:
    from .seed import DemoCity

#: (ICD-10 code, weight): how often each condition is drawn.
CONDITION_MIX = [
    ("I10", 60),
    ("E11.9", 25),
    ("I25.1", 14),
    ("M17.9", 14),
    ("M81.9", 12),
    ("H25.9", 10),
    ("E78.5", 10),
    ("J44.9", 8),
    ("I69.3", 7),
    ("I48", 4),
    ("N18.9", 4),
    ("F03", 4),
    ("N40", 4),
    ("G20", 2),
    ("I50.9", 2),
    ("C34.9", 1),
    ("C20", 1),
    ("C50.9", 1),
]
#: The usual medication per condition: name, dose, unit, route, frequency, times.
MEDICATION_FOR: dict[str, tuple[str, str, str, str, str, list[str]]] = {
    "I10": ("氨氯地平 amlodipine", "5", "mg", "oral", "qd", ["08:00"]),
    "E11.9": ("二甲双胍 metformin", "500", "mg", "oral", "bid", ["08:00", "18:00"]),
    "I25.1": ("阿司匹林 aspirin", "100", "mg", "oral", "qd", ["08:00"]),
    "E78.5": ("阿托伐他汀 atorvastatin", "20", "mg", "oral", "qn", ["21:00"]),
    "I69.3": ("阿托伐他汀 atorvastatin", "20", "mg", "oral", "qn", ["21:00"]),
    "M81.9": ("碳酸钙 D3 calcium carbonate/D3", "1", "{tbl}", "oral", "qd", ["12:00"]),
    "J44.9": ("噻托溴铵 tiotropium", "18", "ug", "inhaled", "qd", ["08:00"]),
    "I48": ("利伐沙班 rivaroxaban", "15", "mg", "oral", "qd", ["08:00"]),
    "G20": (
        "多巴丝肼 levodopa/benserazide",
        "125",
        "mg",
        "oral",
        "tid",
        ["07:00", "12:00", "17:00"],
    ),
    "N40": ("坦索罗辛 tamsulosin", "0.2", "mg", "oral", "qn", ["21:00"]),
    "I50.9": ("呋塞米 furosemide", "20", "mg", "oral", "qd", ["08:00"]),
}
CANCER = frozenset({"C34.9", "C20", "C50.9"})
#: Barthel score range by care level (0 independent .. 5 total dependency).
BARTHEL_BY_CARE = {0: (95, 100), 1: (65, 90), 2: (45, 60), 3: (25, 40), 4: (10, 20), 5: (0, 5)}
#: Braden score range by care level (lower = higher pressure-injury risk).
BRADEN_BY_CARE = {0: (20, 23), 1: (18, 22), 2: (15, 19), 3: (13, 16), 4: (10, 13), 5: (7, 11)}


def _answers_for(code: str, target: int, rng: random.Random) -> dict[str, Any]:
    """Answers of ``code`` whose score is ``target`` (from all-best, lowering random items
    one option step at a time; stops at the nearest reachable score at or above)."""
    form = INSTRUMENTS[code]
    options = {i.key: sorted(i.options, key=lambda o: o.points) for i in form.items}
    level = {key: len(opts) - 1 for key, opts in options.items()}
    score = sum(options[k][v].points for k, v in level.items())
    while score > target:
        key = rng.choice([k for k, v in level.items() if v > 0])
        drop = options[key][level[key]].points - options[key][level[key] - 1].points
        if score - drop < target and score - target < drop:
            break
        level[key] -= 1
        score -= drop
    return {k: options[k][v].value for k, v in level.items()}


class HealthSeed:
    def __init__(self, city: DemoCity) -> None:
        self.city = city
        self.rng = random.Random(city.seed * 31 + 6)  # noqa: S311 - synthetic data
        self.anchor = city.anchor
        self.today = city.today

    def _at(self, days_ago: float, hour: int = 8) -> dt.datetime:
        """``days_ago`` days before the anchor day, at ``hour`` and a random minute."""
        minutes = (hour - self.anchor.hour) * 60 + int(self.rng.random() * 60)
        return self.anchor - dt.timedelta(days=days_ago, minutes=-minutes)

    def build(self, months: int) -> None:
        load_condition_codes()
        codes = {c.code: c.pk for c in ConditionCode.objects.all()}
        inst_of = dict(
            ElderInstitutionLink.objects.filter(status=InstitutionLinkStatus.ACTIVE)
            .order_by("id")
            .values_list("elder_id", "institution_id")
        )
        reviewers = {inst: user.pk for inst, user in self.city.reviewers.items()}
        elders = list(Elder.objects.order_by("id").values_list("id", "birth_date", "care_level"))
        chunk = 1000
        for start in range(0, len(elders), chunk):
            part = elders[start : start + chunk]
            rows = self._rows(part, codes, inst_of, reviewers, months)

            def steps(rows: dict[type[models.Model], list[Any]] = rows) -> list[Any]:
                return [self.city._bulk(model, batch) for model, batch in rows.items()]

            self.city.batcher.commit("health", steps)

    def _rows(
        self,
        elders: list[tuple[int, dt.date, int]],
        codes: dict[str, int],
        inst_of: dict[int, int],
        reviewers: dict[int, int],
        months: int,
    ) -> dict[type[models.Model], list[Any]]:
        rng = self.rng
        out: dict[type[models.Model], list[Any]] = {
            Condition: [],
            Medication: [],
            Allergy: [],
            BodyLine: [],
            Observation: [],
            AssessmentResult: [],
        }
        names, weights = zip(*CONDITION_MIX, strict=True)
        days = max(months, 1) * 30
        for elder_id, _birth, care in elders:
            by = reviewers.get(inst_of.get(elder_id, 0))
            base = {"elder_id": elder_id, "recorded_by_id": by}
            recorded = self._at(days + 30)
            chosen: list[str] = []
            for _ in range(rng.choices((1, 2, 3), weights=(45, 35, 20))[0]):
                code = rng.choices(names, weights=weights)[0]
                if code not in chosen:
                    chosen.append(code)
            for code in chosen:
                onset = self.today - dt.timedelta(days=rng.randint(400, 6000))
                out[Condition].append(
                    make(
                        Condition,
                        **base,
                        code_id=codes[code],
                        onset_date=onset,
                        recorded_at=recorded,
                    )
                )
                med = MEDICATION_FOR.get(code)
                if med:
                    name, dose, unit, route, freq, times = med
                    out[Medication].append(
                        make(
                            Medication,
                            **base,
                            name=name,
                            dose=Decimal(dose),
                            dose_unit=unit,
                            route=route,
                            frequency=freq,
                            times=times,
                            recorded_at=recorded,
                            start_date=onset + dt.timedelta(days=30),
                        )
                    )
            if rng.random() < 0.08:
                out[Allergy].append(
                    make(
                        Allergy,
                        **base,
                        substance="青霉素 penicillin",
                        category="drug",
                        severity="severe",
                        reaction="皮疹",
                        recorded_at=recorded,
                    )
                )
            self._lines(out[BodyLine], base, chosen, care)
            self._observations(out[Observation], base, chosen, days)
            for code, ranges in (("barthel", BARTHEL_BY_CARE), ("braden", BRADEN_BY_CARE)):
                low, high = ranges[care]
                answers = _answers_for(code, rng.randint(low, high), rng)
                result = INSTRUMENTS[code].score(answers)
                at = self._at(rng.randint(5, days), hour=10)
                out[AssessmentResult].append(
                    make(
                        AssessmentResult,
                        **base,
                        instrument=code,
                        version=INSTRUMENTS[code].version,
                        answers=answers,
                        points=result.points,
                        score=result.score,
                        max_score=result.max_score,
                        band=result.band,
                        derived_from={},
                        assessed_at=at,
                        recorded_at=at,
                    )
                )
        return out

    def _lines(self, rows: list[Any], base: dict[str, Any], chosen: list[str], care: int) -> None:
        rng = self.rng
        kinds = []
        if CANCER.intersection(chosen) or rng.random() < 0.01:
            kinds.append(("picc", "右上臂贵要静脉 right basilic vein"))
        if "C20" in chosen:
            kinds.append(("stoma", "左下腹 left lower abdomen"))
        if care >= 4 and rng.random() < 0.3:
            kinds.append(("urinary_catheter", "尿道 urethra"))
        for kind, site in kinds:
            inserted = self.today - dt.timedelta(days=rng.randint(7, 90))
            maintained = self.today - dt.timedelta(days=rng.randint(1, 10))
            rows.append(
                make(
                    BodyLine,
                    **base,
                    kind=kind,
                    site=site,
                    inserted_on=inserted,
                    inserted_at="兰州大学第一医院",
                    maintenance_days=MAINTENANCE_DAYS[kind],
                    last_maintained_on=max(maintained, inserted),
                    recorded_at=self._at((self.today - inserted).days, hour=15),
                )
            )

    def _observations(
        self, rows: list[Any], base: dict[str, Any], chosen: list[str], days: int
    ) -> None:
        rng = self.rng
        hypertensive, diabetic = "I10" in chosen, "E11.9" in chosen
        sys_mean = 150 if hypertensive else 128
        plan: list[tuple[str, int]] = [
            ("blood_pressure", 21 if hypertensive else 30),
            ("weight", 90),
        ]
        if diabetic:
            plan.append(("glucose", 21))
        if "J44.9" in chosen:
            plan.append(("spo2", 30))
        weight = Decimal(rng.randint(450, 750)) / 10
        for kind, every in plan:
            spec = KINDS[kind]
            day = float(rng.randint(1, every))
            while day < days:
                value2 = None
                context = ""
                draw = rng.random()
                source = "visit" if draw < 0.5 else ("device" if draw < 0.8 else "self_reported")
                if kind == "blood_pressure":
                    value = Decimal(round(rng.gauss(sys_mean, 12)))
                    value2 = Decimal(round(rng.gauss(85 if hypertensive else 76, 8)))
                    value = min(max(value, Decimal(95)), Decimal(210))
                    value2 = min(max(value2, Decimal(55)), value - 25)
                elif kind == "glucose":
                    value = Decimal(str(round(min(max(rng.gauss(7.6, 1.4), 4.0), 18.0), 1)))
                    context = "fasting"
                elif kind == "spo2":
                    value = Decimal(rng.randint(89, 97))
                else:
                    value = weight + Decimal(rng.randint(-10, 10)) / 10
                measured = self._at(day)
                rows.append(
                    make(
                        Observation,
                        **base,
                        kind=kind,
                        loinc=spec.loinc,
                        unit=spec.unit,
                        value=value,
                        value2=value2,
                        context=context,
                        source=source,
                        measured_at=measured,
                        recorded_at=measured,
                    )
                )
                day += every


def build_health(city: DemoCity, *, months: int) -> None:
    """The seed's health step (after elders): see the module docstring."""
    HealthSeed(city).build(months)


#: Care plans of the first linked elders (ADR 0027): the services they may use, in order,
#: and the weekdays of each intervention (the first two the institution offers there).
CARE_PLAN_ITEMS = (
    ("bp_check", [1, 4]),
    ("glucose_check", [2, 5]),
    ("turning_care", [1, 3, 5]),
    ("picc_maintenance", [3]),
    ("companionship_visit", [6]),
)
CARE_PLANS = 5
PROPOSAL_ELDERS = 30


def build_care_plans(city: DemoCity, *, count: int = CARE_PLANS) -> None:
    """Active care plans for the first ``count`` elders linked to an institution, built and
    booked through the services (so their orders are real orders), and the proactive rules
    run for the first ``PROPOSAL_ELDERS`` linked elders. An elder whose plan the services
    refuse is skipped: the seed never fails on it."""
    from doorstep.core import clock
    from doorstep.health import proposals

    links = list(
        ElderInstitutionLink.objects.filter(status=InstitutionLinkStatus.ACTIVE)
        .select_related("elder__region", "institution")
        .order_by("id")[:PROPOSAL_ELDERS]
    )
    # The seed is deterministic: its orders are placed at the anchor (09:00 today), as the
    # history's are, not at the wall-clock time of the run.
    saved = clock.now, clock.today
    clock.now, clock.today = (lambda: city.anchor), (lambda: city.today)
    try:
        _care_plans(city, links, count)
        for link in links:
            proposals.evaluate_elder(elder=link.elder)
    finally:
        clock.now, clock.today = saved


def _care_plans(city: DemoCity, links: list[Any], count: int) -> None:
    from doorstep.accounts.policy import Actor
    from doorstep.catalog.models import Offering
    from doorstep.core.errors import ApplicationError
    from doorstep.health import careplans

    made = 0
    for link in links:
        if made >= count:
            break
        reviewer = city.reviewers.get(link.institution_id)
        if reviewer is None:
            continue
        path = link.elder.region.path
        offered = {
            code
            for code, region_path in Offering.objects.filter(
                institution_id=link.institution_id, is_active=True, item__is_active=True
            ).values_list("item__code", "region__path")
            if path.startswith(region_path)
        }
        chosen = [(code, days) for code, days in CARE_PLAN_ITEMS if code in offered][:2]
        if not chosen:
            continue
        actor = Actor.of(reviewer)
        try:
            plan = careplans.create_plan(
                actor=actor,
                elder=link.elder,
                title="居家护理计划 Home care plan",
                institution_id=link.institution_id,
            )
            careplans.add_goal(
                actor=actor,
                plan=plan,
                description="稳定慢病指标，安全居家 Stable readings, safe at home",
            )
            for code, days in chosen:
                careplans.add_intervention(
                    actor=actor,
                    plan=plan,
                    item_code=code,
                    frequency_kind="weekly",
                    weekdays=days,
                    time_from=dt.time(9 + made % 6, 0),
                )
            careplans.activate_plan(actor=actor, plan=plan)
            careplans.generate_plan(actor=actor, plan=plan)
        except ApplicationError:
            continue
        made += 1
