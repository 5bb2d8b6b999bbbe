"""Health record API (ADR 0026): summary, observations, conditions, allergies,
medications, lines and devices, standard assessments; the instrument catalogue and the
ICD-10 reference list.

Every route looks the elder up through ``access`` (404 when the caller may not see the
record, 403 when they see it but may not make the change) and every read by someone other
than the elder is audited. Labels come in English and Chinese (``*_en`` / ``*_zh``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from doorstep.core.api import ERRORS, actor_of

from . import access, selectors, services
from .errors import OBSERVATION_MESSAGES, InvalidObservationValue
from .instruments import INSTRUMENTS, LTC_LEVEL, ltc
from .models import (
    Allergy,
    AssessmentResult,
    BodyLine,
    Condition,
    Disability,
    Medication,
    Observation,
)
from .observations import KINDS

router = Router(tags=["health"])

MAX_LIMIT = 500


# --- schemas ------------------------------------------------------------------------


class ConditionIn(Schema):
    code: str = Field(..., examples=["I10"], description="ICD-10 code from the reference list.")
    onset_date: dt.date | None = Field(None, examples=["2015-03-01"])
    note: str = Field("", examples=["Controlled with medication."])


class ConditionOut(Schema):
    id: int
    code: str
    name_en: str
    name_zh: str
    onset_date: dt.date | None
    note: str
    status: str
    recorded_at: dt.datetime


class AllergyIn(Schema):
    substance: str = Field(..., examples=["青霉素"])
    category: str = Field(..., examples=["drug"], description="drug, food, environment, other.")
    severity: str = Field(..., examples=["severe"], description="mild, moderate, severe.")
    reaction: str = Field("", examples=["皮疹"])


class AllergyOut(Schema):
    id: int
    substance: str
    category: str
    severity: str
    reaction: str
    status: str


class MedicationIn(Schema):
    name: str = Field(..., examples=["氨氯地平 amlodipine"])
    dose: Decimal = Field(..., examples=[5], description="Amount per administration.")
    dose_unit: str = Field(..., examples=["mg"], description="mg, ug, g, mL, [iU], {tbl}...")
    route: str = Field(..., examples=["oral"])
    frequency: str = Field(..., examples=["qd"], description="qd, bid, tid, qid, qn, qw, prn.")
    times: list[str] = Field(default_factory=list, examples=[["08:00"]])
    start_date: dt.date = Field(..., examples=["2026-01-01"])
    end_date: dt.date | None = None
    instructions: str = Field("", examples=["饭后服用"])
    prescriber: str = Field("", examples=["社区医生"])


class MedicationOut(Schema):
    id: int
    name: str
    dose: float
    dose_unit: str
    route: str
    frequency: str
    times: list[str]
    start_date: dt.date
    end_date: dt.date | None
    instructions: str
    status: str


class StopIn(Schema):
    reason: str = Field("", examples=["Blood pressure controlled; changed by the doctor."])


class DisabilityOut(Schema):
    id: int
    kind: str
    grade: int | None
    status: str


class LineIn(Schema):
    kind: str = Field(..., examples=["picc"])
    site: str = Field(..., examples=["右上臂贵要静脉"])
    inserted_on: dt.date = Field(..., examples=["2026-05-20"])
    inserted_at: str = Field("", examples=["宁波市第一医院"])
    maintenance_days: int | None = Field(None, examples=[7], description="Default per kind.")
    last_maintained_on: dt.date | None = None


class LineOut(Schema):
    id: int
    kind: str
    site: str
    inserted_on: dt.date
    inserted_at: str
    maintenance_days: int
    last_maintained_on: dt.date | None
    maintenance_due_on: dt.date | None
    status: str
    removed_on: dt.date | None


class LineDateIn(Schema):
    on: dt.date = Field(..., examples=["2026-06-01"])
    reason: str = ""


class ObservationIn(Schema):
    kind: str = Field(..., examples=["blood_pressure"])
    value: Decimal = Field(..., examples=[142], description="Blood pressure: systolic.")
    value2: Decimal | None = Field(None, examples=[88], description="Blood pressure: diastolic.")
    context: str = Field("", examples=["fasting"], description="Glucose: fasting, ...")
    source: str = Field(..., examples=["self_reported"])
    measured_at: dt.datetime = Field(..., examples=["2026-06-01T08:05:00+08:00"])
    visit_id: int | None = None


class ObservationOut(Schema):
    id: int
    kind: str
    loinc: str
    unit: str
    value: float
    value2: float | None
    components: list[dict[str, Any]]
    context: str
    source: str
    measured_at: dt.datetime
    visit_id: int | None
    status: str


class ObservationPage(Schema):
    count: int
    items: list[ObservationOut]


class ObservationFilter(Schema):
    kind: str | None = Field(None, examples=["glucose"])
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class AssessmentIn(Schema):
    instrument: str = Field(..., examples=["barthel"], description="See GET /health/instruments.")
    answers: dict[str, Any] = Field(default_factory=dict, examples=[{"feeding": 10}])
    assessed_at: dt.datetime | None = None
    visit_id: int | None = None


class AssessmentOut(Schema):
    id: int
    instrument: str
    version: str
    score: int
    max_score: int
    band: str
    label_en: str
    label_zh: str
    answers: dict[str, Any]
    points: dict[str, int]
    derived_from: dict[str, int]
    assessed_at: dt.datetime
    status: str


class AssessmentFilter(Schema):
    instrument: str | None = Field(None, examples=["barthel"])


class LtcOut(Schema):
    suggested_level: int | None
    suggested_label_en: str
    suggested_label_zh: str
    enrolled_level: int | None


class SummaryOut(Schema):
    elder_id: int
    conditions: list[ConditionOut]
    allergies: list[AllergyOut]
    medications: list[MedicationOut]
    disabilities: list[DisabilityOut]
    lines: list[LineOut]
    latest_observations: list[ObservationOut]
    latest_assessments: list[AssessmentOut]
    documents: int
    ltc: LtcOut


class OptionOut(Schema):
    value: Any
    points: int
    label_en: str
    label_zh: str


class ItemOut(Schema):
    key: str
    label_en: str
    label_zh: str
    group: str
    options: list[OptionOut]


class BandOut(Schema):
    code: str
    low: int
    high: int
    label_en: str
    label_zh: str


class InstrumentOut(Schema):
    code: str
    name_en: str
    name_zh: str
    version: str
    source: str
    min_score: int
    max_score: int
    items: list[ItemOut]
    bands: list[BandOut]
    context: dict[str, list[Any]]


class ConditionCodeOut(Schema):
    code: str
    name_en: str
    name_zh: str
    group: str


class CodeFilter(Schema):
    q: str = Field("", examples=["糖尿病"])


# --- rendering ----------------------------------------------------------------------


def _condition(c: Condition) -> ConditionOut:
    return ConditionOut(
        id=c.pk,
        code=c.code.code,
        name_en=c.code.name_en,
        name_zh=c.code.name_zh,
        onset_date=c.onset_date,
        note=c.note,
        status=c.status,
        recorded_at=c.recorded_at,
    )


def _allergy(a: Allergy) -> AllergyOut:
    return AllergyOut(
        id=a.pk,
        substance=a.substance,
        category=a.category,
        severity=a.severity,
        reaction=a.reaction,
        status=a.status,
    )


def _medication(m: Medication) -> MedicationOut:
    return MedicationOut(
        id=m.pk,
        name=m.name,
        dose=float(m.dose),
        dose_unit=m.dose_unit,
        route=m.route,
        frequency=m.frequency,
        times=list(m.times),
        start_date=m.start_date,
        end_date=m.end_date,
        instructions=m.instructions,
        status=m.status,
    )


def _disability(d: Disability) -> DisabilityOut:
    return DisabilityOut(id=d.pk, kind=d.kind, grade=d.grade, status=d.status)


def _line(line: BodyLine) -> LineOut:
    base = line.last_maintained_on or line.inserted_on
    due = base + dt.timedelta(days=line.maintenance_days) if line.status == "in_place" else None
    return LineOut(
        id=line.pk,
        kind=line.kind,
        site=line.site,
        inserted_on=line.inserted_on,
        inserted_at=line.inserted_at,
        maintenance_days=line.maintenance_days,
        last_maintained_on=line.last_maintained_on,
        maintenance_due_on=due,
        status=line.status,
        removed_on=line.removed_on,
    )


def _observation(o: Observation) -> ObservationOut:
    spec = KINDS[o.kind]
    components: list[dict[str, Any]] = []
    if o.value2 is not None:
        components = [
            {
                "loinc": "8480-6",
                "label_en": spec.label_en,
                "label_zh": spec.label_zh,
                "value": float(o.value),
            },
            {
                "loinc": spec.loinc2,
                "label_en": spec.label2_en,
                "label_zh": spec.label2_zh,
                "value": float(o.value2),
            },
        ]
    return ObservationOut(
        id=o.pk,
        kind=o.kind,
        loinc=o.loinc,
        unit=o.unit,
        value=float(o.value),
        value2=None if o.value2 is None else float(o.value2),
        components=components,
        context=o.context,
        source=o.source,
        measured_at=o.measured_at,
        visit_id=o.visit_id,
        status=o.status,
    )


def _assessment(r: AssessmentResult) -> AssessmentOut:
    if r.instrument == LTC_LEVEL:
        en, zh = ltc.LEVELS[r.score]
    else:
        band = INSTRUMENTS[r.instrument].band(r.band)
        en, zh = band.label_en, band.label_zh
    return AssessmentOut(
        id=r.pk,
        instrument=r.instrument,
        version=r.version,
        score=r.score,
        max_score=r.max_score,
        band=r.band,
        label_en=en,
        label_zh=zh,
        answers=r.answers,
        points=r.points,
        derived_from=r.derived_from,
        assessed_at=r.assessed_at,
        status=r.status,
    )


def _visit(visit_id: int | None) -> Any:
    if visit_id is None:
        return None
    from doorstep.orders.models import Visit

    visit = Visit.objects.select_related("order").filter(pk=visit_id).first()
    if visit is None:  # same answer as a visit of another elder: no existence oracle
        raise InvalidObservationValue(
            "observation_visit_mismatch",
            OBSERVATION_MESSAGES["observation_visit_mismatch"],
            details={"field": "visit_id"},
        )
    return visit


# --- routes -------------------------------------------------------------------------


@router.get("/elders/{elder_id}/health", response={200: SummaryOut, **ERRORS})
def get_summary(request: HttpRequest, elder_id: int) -> SummaryOut:
    """The record at a glance: active conditions, allergies, medications, disabilities,
    lines in place (with the next maintenance date), the latest reading of each kind, the
    latest result of each instrument, and the suggested vs enrolled LTC level."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, part="summary")
    s = selectors.summary(elder)
    ltc_row = next((r for r in s.latest_assessments if r.instrument == LTC_LEVEL), None)
    level = ltc_row.score if ltc_row else None
    en, zh = ltc.LEVELS[level] if level is not None else ("", "")
    return SummaryOut(
        elder_id=elder.pk,
        conditions=[_condition(c) for c in s.conditions],
        allergies=[_allergy(a) for a in s.allergies],
        medications=[_medication(m) for m in s.medications],
        disabilities=[_disability(d) for d in s.disabilities],
        lines=[_line(line) for line in s.lines],
        latest_observations=[_observation(o) for o in s.latest_observations],
        latest_assessments=[_assessment(r) for r in s.latest_assessments],
        documents=s.documents,
        ltc=LtcOut(
            suggested_level=level,
            suggested_label_en=en,
            suggested_label_zh=zh,
            enrolled_level=s.ltc_enrolled_level,
        ),
    )


@router.get("/elders/{elder_id}/health/observations", response={200: ObservationPage, **ERRORS})
def list_observations(
    request: HttpRequest, elder_id: int, filters: Query[ObservationFilter]
) -> ObservationPage:
    """Readings, newest first; ``since`` inclusive, ``until`` exclusive."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, part="observations")
    qs = selectors.observations(elder, kind=filters.kind, since=filters.since, until=filters.until)
    rows = list(qs[filters.offset : filters.offset + filters.limit])
    return ObservationPage(count=qs.count(), items=[_observation(o) for o in rows])


@router.post("/elders/{elder_id}/health/observations", response={201: ObservationOut, **ERRORS})
def add_observation(
    request: HttpRequest, elder_id: int, payload: ObservationIn
) -> Status[ObservationOut]:
    """Record a reading. 422 codes: ``observation_out_of_range`` (details: low, high),
    ``observation_bp_inverted``, ``observation_value_missing``, ``observation_precision``,
    ``observation_kind_unknown``, ``observation_in_future``; 403
    ``observation_source_not_allowed`` when the elder or family give a non-self source."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="observe")
    row = services.record_observation(
        actor=actor,
        elder=elder,
        kind=payload.kind,
        value=payload.value,
        value2=payload.value2,
        context=payload.context,
        source=payload.source,
        measured_at=payload.measured_at,
        visit=_visit(payload.visit_id),
    )
    return Status(201, _observation(row))


@router.post("/health/observations/{observation_id}/void", response={200: ObservationOut, **ERRORS})
def void_observation(request: HttpRequest, observation_id: int) -> ObservationOut:
    """Mark a reading entered in error (clinical staff, or whoever entered it)."""
    actor = actor_of(request)
    row = access.access_entry(
        actor=actor, model=Observation, entry_id=observation_id, action="observe"
    )
    return _observation(services.void_observation(actor=actor, observation=row))


@router.post("/elders/{elder_id}/health/conditions", response={201: ConditionOut, **ERRORS})
def add_condition(
    request: HttpRequest, elder_id: int, payload: ConditionIn
) -> Status[ConditionOut]:
    """Add an ICD-10 coded condition (community doctors, reviewers). 422
    ``condition_code_unknown``; 409 ``condition_already_active``."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="diagnose")
    row = services.add_condition(
        actor=actor,
        elder=elder,
        code=payload.code,
        onset_date=payload.onset_date,
        note=payload.note,
    )
    return Status(201, _condition(row))


@router.post("/health/conditions/{condition_id}/resolve", response={200: ConditionOut, **ERRORS})
def resolve_condition(request: HttpRequest, condition_id: int) -> ConditionOut:
    actor = actor_of(request)
    row = access.access_entry(
        actor=actor, model=Condition, entry_id=condition_id, action="diagnose"
    )
    return _condition(services.resolve_condition(actor=actor, condition=row))


@router.post("/elders/{elder_id}/health/allergies", response={201: AllergyOut, **ERRORS})
def add_allergy(request: HttpRequest, elder_id: int, payload: AllergyIn) -> Status[AllergyOut]:
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="change")
    row = services.add_allergy(
        actor=actor,
        elder=elder,
        substance=payload.substance,
        category=payload.category,
        severity=payload.severity,
        reaction=payload.reaction,
    )
    return Status(201, _allergy(row))


@router.post("/elders/{elder_id}/health/medications", response={201: MedicationOut, **ERRORS})
def add_medication(
    request: HttpRequest, elder_id: int, payload: MedicationIn
) -> Status[MedicationOut]:
    """Add a medication with its schedule; ``times`` must match the frequency (qd: one
    time of day, bid: two, ...; prn: any). 422 ``health_entry_invalid`` (details.field)."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="change")
    row = services.add_medication(actor=actor, elder=elder, **payload.dict())
    return Status(201, _medication(row))


@router.post("/health/medications/{medication_id}/stop", response={200: MedicationOut, **ERRORS})
def stop_medication(request: HttpRequest, medication_id: int, payload: StopIn) -> MedicationOut:
    actor = actor_of(request)
    row = access.access_entry(
        actor=actor, model=Medication, entry_id=medication_id, action="change"
    )
    return _medication(services.stop_medication(actor=actor, medication=row, reason=payload.reason))


@router.post("/elders/{elder_id}/health/lines", response={201: LineOut, **ERRORS})
def add_line(request: HttpRequest, elder_id: int, payload: LineIn) -> Status[LineOut]:
    """Record a line or device in place: picc, central_line, urinary_catheter, stoma,
    nasogastric_tube, tracheostomy, gastrostomy."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="change")
    row = services.add_line(actor=actor, elder=elder, **payload.dict())
    return Status(201, _line(row))


@router.post("/health/lines/{line_id}/maintenance", response={200: LineOut, **ERRORS})
def maintain_line(request: HttpRequest, line_id: int, payload: LineDateIn) -> LineOut:
    actor = actor_of(request)
    row = access.access_entry(actor=actor, model=BodyLine, entry_id=line_id, action="change")
    return _line(services.record_line_maintenance(actor=actor, line=row, on=payload.on))


@router.post("/health/lines/{line_id}/remove", response={200: LineOut, **ERRORS})
def remove_line(request: HttpRequest, line_id: int, payload: LineDateIn) -> LineOut:
    actor = actor_of(request)
    row = access.access_entry(actor=actor, model=BodyLine, entry_id=line_id, action="change")
    return _line(services.remove_line(actor=actor, line=row, on=payload.on, reason=payload.reason))


@router.get("/elders/{elder_id}/health/assessments", response={200: list[AssessmentOut], **ERRORS})
def list_assessments(
    request: HttpRequest, elder_id: int, filters: Query[AssessmentFilter]
) -> list[AssessmentOut]:
    """Assessment history, newest first (voided ones included, marked)."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, part="assessments")
    return [_assessment(r) for r in selectors.assessments(elder, instrument=filters.instrument)]


@router.post("/elders/{elder_id}/health/assessments", response={201: AssessmentOut, **ERRORS})
def submit_assessment(
    request: HttpRequest, elder_id: int, payload: AssessmentIn
) -> Status[AssessmentOut]:
    """Submit answers; the score and its interpretation are computed. ``ltc_level`` takes
    no answers: it is derived from the latest Barthel and MMSE/AD8 (409
    ``ltc_needs_barthel``). 422: ``assessment_instrument_unknown``,
    ``assessment_answer_missing``, ``assessment_answer_unknown``,
    ``assessment_answer_invalid`` (details.item, details.allowed),
    ``assessment_answers_conflict``."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="assess")
    row = services.submit_assessment(
        actor=actor,
        elder=elder,
        instrument=payload.instrument,
        answers=payload.answers,
        assessed_at=payload.assessed_at,
        visit=_visit(payload.visit_id),
    )
    return Status(201, _assessment(row))


@router.get("/health/instruments", response={200: list[InstrumentOut], **ERRORS})
def list_instruments(request: HttpRequest) -> list[InstrumentOut]:
    """The assessment instruments: items, options with points, interpretation bands."""
    actor_of(request)
    return [
        InstrumentOut(
            code=i.code,
            name_en=i.name_en,
            name_zh=i.name_zh,
            version=i.version,
            source=i.source,
            min_score=i.min_score,
            max_score=i.max_score,
            items=[
                ItemOut(
                    key=item.key,
                    label_en=item.label_en,
                    label_zh=item.label_zh,
                    group=item.group,
                    options=[
                        OptionOut(
                            value=o.value, points=o.points, label_en=o.label_en, label_zh=o.label_zh
                        )
                        for o in item.options
                    ],
                )
                for item in i.items
            ],
            bands=[
                BandOut(
                    code=b.code, low=b.low, high=b.high, label_en=b.label_en, label_zh=b.label_zh
                )
                for b in i.bands
            ],
            context={k: list(v) for k, v in i.context.items()},
        )
        for i in INSTRUMENTS.values()
    ]


@router.get("/health/condition-codes", response={200: list[ConditionCodeOut], **ERRORS})
def list_condition_codes(
    request: HttpRequest, filters: Query[CodeFilter]
) -> list[ConditionCodeOut]:
    """The ICD-10 reference list; ``q`` matches a code prefix or part of a name."""
    actor_of(request)
    return [
        ConditionCodeOut(code=c.code, name_en=c.name_en, name_zh=c.name_zh, group=c.group)
        for c in selectors.condition_codes(filters.q)
    ]
