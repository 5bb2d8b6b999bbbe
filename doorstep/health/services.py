"""Writes of the health record: one function per state change (ADR 0026).

Each checks the actor's right through ``access`` (404 when the record is not visible, 403
when it is but the action is not theirs), validates, writes inside ``transaction.atomic``
(locking the row it changes) and records an audit row naming the changed fields and the
elder, never the clinical values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from doorstep.accounts.policy import Actor
from doorstep.core import audit, bulk, clock
from doorstep.people.access import audit_institution
from doorstep.people.models import Elder

from . import access, observations
from .enums import (
    DOSES_PER_DAY,
    MAINTENANCE_DAYS,
    ActiveStatus,
    AllergyCategory,
    ConditionStatus,
    DisabilityKind,
    DocumentKind,
    EntryStatus,
    GlucoseContext,
    LineKind,
    LineStatus,
    MedicationFrequency,
    MedicationRoute,
    MedicationStatus,
    ObservationSource,
    Severity,
)
from .errors import (
    ANSWER_MESSAGES,
    OBSERVATION_MESSAGES,
    ConditionAlreadyActive,
    InvalidAnswer,
    InvalidDocument,
    InvalidEntry,
    InvalidObservationValue,
    LtcNeedsBarthel,
    NotActive,
    SourceNotAllowed,
    UnknownConditionCode,
)
from .instruments import INSTRUMENTS, LTC_LEVEL, InvalidAnswers, ltc
from .models import (
    Allergy,
    AssessmentResult,
    BodyLine,
    Condition,
    ConditionCode,
    Disability,
    Document,
    Medication,
    Observation,
)

#: A reading may carry a clock a little ahead of the server's (devices, phones).
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
DOSE_UNITS = frozenset({"mg", "ug", "g", "mL", "[iU]", "{tbl}", "{cap}", "{puff}", "{drop}"})
MAX_DOSE = Decimal("100000")
DOCUMENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# --- helpers ----------------------------------------------------------------------


def _audit(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    elder: Elder,
    fields: Iterable[str] = (),
    **details: Any,
) -> None:
    audit.record(
        actor=actor.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        institution_id=audit_institution(actor),
        changed_fields=fields,
        details={"elder_id": elder.pk, **details},
    )


def _invalid(field: str, **details: Any) -> InvalidEntry:
    return InvalidEntry(details={"field": field, **details})


def _text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str:
    clean = " ".join((value or "").split())
    if len(clean) > max_length or (required and not clean):
        raise _invalid(field, max_length=max_length)
    return clean


def _choice(value: str, choices: Iterable[str], field: str) -> str:
    if value not in set(choices):
        raise _invalid(field)
    return value


def _not_future(day: dt.date | None, field: str) -> None:
    if day is not None and day > clock.today():
        raise _invalid(field)


def _lock(model: type, entry_id: int) -> Any:
    return model.objects.select_for_update().get(pk=entry_id)  # type: ignore[attr-defined]


# --- observations -----------------------------------------------------------------


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidObservationValue(
            message=OBSERVATION_MESSAGES["observation_value_invalid"], details={"field": field}
        ) from exc
    return number


def _observation_error(exc: observations.InvalidObservation) -> InvalidObservationValue:
    details: dict[str, Any] = {"field": exc.field}
    if exc.low is not None:
        details.update(low=str(exc.low), high=str(exc.high))
    return InvalidObservationValue(exc.code, OBSERVATION_MESSAGES[exc.code], details=details)


@transaction.atomic
def record_observation(
    *,
    actor: Actor,
    elder: Elder,
    kind: str,
    value: Any,
    value2: Any = None,
    context: str = "",
    source: str,
    measured_at: dt.datetime,
    visit: Any = None,
) -> Observation:
    """Record one reading. Clinical staff record any source; the elder and their family
    only self-reported readings (403 ``observation_source_not_allowed`` otherwise)."""
    access.require(actor, elder, "observe")
    _choice(source, ObservationSource.values, "source")
    if source != ObservationSource.SELF_REPORTED and not access.is_staff_for(
        actor, elder, "observe"
    ):
        raise SourceNotAllowed(details={"field": "source"})
    try:
        first, second = observations.check(
            kind, _decimal(value, "value"), None if value2 is None else _decimal(value2, "value2")
        )
    except observations.InvalidObservation as exc:
        raise _observation_error(exc) from exc
    if context and (kind != "glucose" or context not in GlucoseContext.values):
        raise _observation_error(
            observations.InvalidObservation("observation_context_invalid", "context")
        )
    if measured_at > clock.now() + FUTURE_TOLERANCE:
        raise _observation_error(
            observations.InvalidObservation("observation_in_future", "measured_at")
        )
    if measured_at.date() < elder.birth_date:
        raise _observation_error(
            observations.InvalidObservation("observation_before_birth", "measured_at")
        )
    if visit is not None and visit.order.elder_id != elder.pk:
        raise _observation_error(
            observations.InvalidObservation("observation_visit_mismatch", "visit_id")
        )
    spec = observations.KINDS[kind]
    row = Observation.objects.create(
        elder=elder,
        kind=kind,
        loinc=spec.loinc,
        unit=spec.unit,
        value=first,
        value2=second,
        context=context,
        source=source,
        measured_at=measured_at,
        visit=visit,
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    _audit(actor, "create", "observation", row.pk, elder, ["kind", "value", "source"], kind=kind)
    return row


class DeviceReading(NamedTuple):
    """A reading from a registered home device (``record_device_readings``)."""

    elder_id: int
    kind: str
    value: Decimal
    value2: Decimal | None
    context: str
    measured_at: dt.datetime


@transaction.atomic
def record_device_readings(*, readings: Sequence[DeviceReading]) -> list[int]:
    """Record readings of registered home devices in one write (source ``device``); returns
    the new observations' ids, in the readings' order.

    No actor: the device's registration to the elder is the authority, and the devices app
    keeps the ingestion log (device, seq, time received) instead of one audit row per
    reading. Each reading is checked as in ``record_observation``; a bad one raises
    ``InvalidObservationValue`` and nothing is stored. No model instances are built: this
    is the device ingestion's hot path (ADR 0034).
    """
    rows: list[tuple[Any, ...]] = []
    recorded_at = clock.now()
    latest = recorded_at + FUTURE_TOLERANCE
    kinds = observations.KINDS
    glucose_contexts = GlucoseContext.values
    source, final = ObservationSource.DEVICE.value, EntryStatus.FINAL.value
    for r in readings:
        try:
            first, second = observations.check(r.kind, r.value, r.value2)
        except observations.InvalidObservation as exc:
            raise _observation_error(exc) from exc
        if r.context and (r.kind != "glucose" or r.context not in glucose_contexts):
            raise _observation_error(
                observations.InvalidObservation("observation_context_invalid", "context")
            )
        if r.measured_at > latest:
            raise _observation_error(
                observations.InvalidObservation("observation_in_future", "measured_at")
            )
        spec = kinds[r.kind]
        rows.append(
            (
                r.elder_id,
                recorded_at,
                r.kind,
                spec.loinc,
                spec.unit,
                first,
                second,
                r.context,
                source,
                r.measured_at,
                final,
            )
        )
    return _insert_observations(rows)


_DEVICE_COLUMNS = (
    "elder_id",
    "recorded_at",
    "kind",
    "loinc",
    "unit",
    "value",
    "value2",
    "context",
    "source",
    "measured_at",
    "status",
)


def _insert_observations(rows: list[tuple[Any, ...]]) -> list[int]:
    """Write device readings (tuples in ``_DEVICE_COLUMNS`` order); their ids in order. On
    PostgreSQL the ids are taken from the sequence first and the rows written with ``COPY``
    (``core.bulk``, ADR 0034); elsewhere ``bulk_create``."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = Observation.objects.bulk_create(
            [Observation(**dict(zip(_DEVICE_COLUMNS, row, strict=True))) for row in rows]
        )
        return [row.pk for row in created]
    ids = bulk.allocate_ids(Observation, len(rows))
    bulk.copy_rows(
        Observation,
        ("id", *_DEVICE_COLUMNS),
        [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
    )
    return ids


@transaction.atomic
def void_observation(*, actor: Actor, observation: Observation) -> Observation:
    """Mark a reading as entered in error (staff, or whoever entered it)."""
    row = _lock(Observation, observation.pk)
    if row.recorded_by_id != actor.user_id:
        access.require(actor, row.elder, "change")
    else:
        access.require(actor, row.elder, "observe")
    if row.status != EntryStatus.FINAL:
        raise NotActive()
    row.status, row.voided_at, row.voided_by = EntryStatus.ENTERED_IN_ERROR, clock.now(), actor.user
    row.save(update_fields=["status", "voided_at", "voided_by"])
    _audit(actor, "void", "observation", row.pk, row.elder, ["status"])
    return row


# --- conditions -------------------------------------------------------------------


@transaction.atomic
def add_condition(
    *,
    actor: Actor,
    elder: Elder,
    code: str,
    onset_date: dt.date | None = None,
    note: str = "",
) -> Condition:
    """Add an ICD-10 coded condition (community doctors and reviewers)."""
    access.require(actor, elder, "diagnose")
    ref = ConditionCode.objects.filter(code=(code or "").strip().upper(), is_active=True).first()
    if ref is None:
        raise UnknownConditionCode(details={"field": "code"})
    _not_future(onset_date, "onset_date")
    if onset_date is not None and onset_date < elder.birth_date:
        raise _invalid("onset_date")
    clean = _text(note, "note", max_length=256)
    if Condition.objects.filter(elder=elder, code=ref, status=ConditionStatus.ACTIVE).exists():
        raise ConditionAlreadyActive(details={"field": "code"})
    try:
        with transaction.atomic():
            row = Condition.objects.create(
                elder=elder,
                code=ref,
                onset_date=onset_date,
                note=clean,
                recorded_by=actor.user,
                recorded_at=clock.now(),
            )
    except IntegrityError as exc:  # a concurrent add of the same code won
        raise ConditionAlreadyActive(details={"field": "code"}) from exc
    _audit(actor, "create", "condition", row.pk, elder, ["code", "onset_date", "note"])
    return row


@transaction.atomic
def resolve_condition(*, actor: Actor, condition: Condition) -> Condition:
    row = _lock(Condition, condition.pk)
    access.require(actor, row.elder, "diagnose")
    if row.status != ConditionStatus.ACTIVE:
        raise NotActive()
    row.status, row.ended_at, row.ended_by = ConditionStatus.RESOLVED, clock.now(), actor.user
    row.save(update_fields=["status", "ended_at", "ended_by"])
    _audit(actor, "resolve", "condition", row.pk, row.elder, ["status"])
    return row


# --- allergies and disabilities -----------------------------------------------------


@transaction.atomic
def add_allergy(
    *,
    actor: Actor,
    elder: Elder,
    substance: str,
    category: str,
    severity: str,
    reaction: str = "",
) -> Allergy:
    access.require(actor, elder, "change")
    row = Allergy.objects.create(
        elder=elder,
        substance=_text(substance, "substance", max_length=64, required=True),
        category=_choice(category, AllergyCategory.values, "category"),
        severity=_choice(severity, Severity.values, "severity"),
        reaction=_text(reaction, "reaction", max_length=128),
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    _audit(actor, "create", "allergy", row.pk, elder, ["substance", "category", "severity"])
    return row


@transaction.atomic
def deactivate_allergy(*, actor: Actor, allergy: Allergy) -> Allergy:
    row = _lock(Allergy, allergy.pk)
    access.require(actor, row.elder, "change")
    if row.status != ActiveStatus.ACTIVE:
        raise NotActive()
    row.status = ActiveStatus.INACTIVE
    row.save(update_fields=["status"])
    _audit(actor, "deactivate", "allergy", row.pk, row.elder, ["status"])
    return row


@transaction.atomic
def add_disability(
    *, actor: Actor, elder: Elder, kind: str, grade: int | None = None, note: str = ""
) -> Disability:
    access.require(actor, elder, "change")
    if grade is not None and not 1 <= grade <= 4:
        raise _invalid("grade")
    row = Disability.objects.create(
        elder=elder,
        kind=_choice(kind, DisabilityKind.values, "kind"),
        grade=grade,
        note=_text(note, "note", max_length=256),
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    _audit(actor, "create", "disability", row.pk, elder, ["kind", "grade"])
    return row


@transaction.atomic
def deactivate_disability(*, actor: Actor, disability: Disability) -> Disability:
    row = _lock(Disability, disability.pk)
    access.require(actor, row.elder, "change")
    if row.status != ActiveStatus.ACTIVE:
        raise NotActive()
    row.status = ActiveStatus.INACTIVE
    row.save(update_fields=["status"])
    _audit(actor, "deactivate", "disability", row.pk, row.elder, ["status"])
    return row


# --- medications ------------------------------------------------------------------


def _times(frequency: str, times: Iterable[str]) -> list[str]:
    out = [str(t) for t in times]
    if any(not TIME_OF_DAY.match(t) for t in out) or len(set(out)) != len(out):
        raise _invalid("times")
    expected = DOSES_PER_DAY[frequency]
    if expected is not None and len(out) != expected:
        raise _invalid("times", expected=expected)
    return sorted(out)


@transaction.atomic
def add_medication(
    *,
    actor: Actor,
    elder: Elder,
    name: str,
    dose: Any,
    dose_unit: str,
    route: str,
    frequency: str,
    times: Iterable[str] = (),
    start_date: dt.date,
    end_date: dt.date | None = None,
    instructions: str = "",
    prescriber: str = "",
) -> Medication:
    """Add a medication with its schedule: ``frequency`` and as many ``times`` of day
    (local ``HH:MM``) as it needs (once a day: one; as needed: any)."""
    access.require(actor, elder, "change")
    clean_name = _text(name, "name", max_length=64, required=True)
    try:
        amount = Decimal(str(dose))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid("dose") from exc
    if not amount.is_finite() or not Decimal(0) < amount <= MAX_DOSE:
        raise _invalid("dose")
    if amount.as_tuple().exponent < -3:  # type: ignore[operator]
        raise _invalid("dose")
    _choice(dose_unit, DOSE_UNITS, "dose_unit")
    _choice(route, MedicationRoute.values, "route")
    _choice(frequency, MedicationFrequency.values, "frequency")
    schedule = _times(frequency, times)
    if end_date is not None and end_date < start_date:
        raise _invalid("end_date")
    row = Medication.objects.create(
        elder=elder,
        name=clean_name,
        dose=amount,
        dose_unit=dose_unit,
        route=route,
        frequency=frequency,
        times=schedule,
        start_date=start_date,
        end_date=end_date,
        instructions=_text(instructions, "instructions", max_length=256),
        prescriber=_text(prescriber, "prescriber", max_length=64),
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    _audit(
        actor,
        "create",
        "medication",
        row.pk,
        elder,
        ["name", "dose", "dose_unit", "route", "frequency", "times", "start_date"],
    )
    return row


@transaction.atomic
def stop_medication(*, actor: Actor, medication: Medication, reason: str = "") -> Medication:
    row = _lock(Medication, medication.pk)
    access.require(actor, row.elder, "change")
    if row.status != MedicationStatus.ACTIVE:
        raise NotActive()
    row.status, row.stopped_at, row.stopped_by = MedicationStatus.STOPPED, clock.now(), actor.user
    row.stop_reason = _text(reason, "reason", max_length=256)
    row.save(update_fields=["status", "stopped_at", "stopped_by", "stop_reason"])
    _audit(actor, "stop", "medication", row.pk, row.elder, ["status", "stop_reason"])
    return row


# --- lines and devices in the body --------------------------------------------------


@transaction.atomic
def add_line(
    *,
    actor: Actor,
    elder: Elder,
    kind: str,
    site: str,
    inserted_on: dt.date,
    inserted_at: str = "",
    maintenance_days: int | None = None,
    last_maintained_on: dt.date | None = None,
) -> BodyLine:
    """Record a line or device in place (PICC, catheter, stoma, tubes, tracheostomy);
    the maintenance interval defaults to the kind's (``enums.MAINTENANCE_DAYS``)."""
    access.require(actor, elder, "change")
    _choice(kind, LineKind.values, "kind")
    _not_future(inserted_on, "inserted_on")
    if inserted_on < elder.birth_date:
        raise _invalid("inserted_on")
    interval = MAINTENANCE_DAYS[kind] if maintenance_days is None else maintenance_days
    if not 1 <= interval <= 365:
        raise _invalid("maintenance_days")
    _not_future(last_maintained_on, "last_maintained_on")
    if last_maintained_on is not None and last_maintained_on < inserted_on:
        raise _invalid("last_maintained_on")
    row = BodyLine.objects.create(
        elder=elder,
        kind=kind,
        site=_text(site, "site", max_length=64, required=True),
        inserted_on=inserted_on,
        inserted_at=_text(inserted_at, "inserted_at", max_length=128),
        maintenance_days=interval,
        last_maintained_on=last_maintained_on,
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    _audit(actor, "create", "body_line", row.pk, elder, ["kind", "site", "inserted_on"])
    return row


@transaction.atomic
def record_line_maintenance(*, actor: Actor, line: BodyLine, on: dt.date) -> BodyLine:
    row = _lock(BodyLine, line.pk)
    access.require(actor, row.elder, "change")
    if row.status != LineStatus.IN_PLACE:
        raise NotActive()
    _not_future(on, "on")
    if on < row.inserted_on or (row.last_maintained_on and on < row.last_maintained_on):
        raise _invalid("on")
    row.last_maintained_on = on
    row.save(update_fields=["last_maintained_on"])
    _audit(actor, "maintain", "body_line", row.pk, row.elder, ["last_maintained_on"])
    return row


@transaction.atomic
def remove_line(*, actor: Actor, line: BodyLine, on: dt.date, reason: str = "") -> BodyLine:
    row = _lock(BodyLine, line.pk)
    access.require(actor, row.elder, "change")
    if row.status != LineStatus.IN_PLACE:
        raise NotActive()
    _not_future(on, "on")
    if on < row.inserted_on:
        raise _invalid("on")
    row.status, row.removed_on, row.removed_by = LineStatus.REMOVED, on, actor.user
    row.removal_reason = _text(reason, "reason", max_length=256)
    row.save(update_fields=["status", "removed_on", "removed_by", "removal_reason"])
    _audit(actor, "remove", "body_line", row.pk, row.elder, ["status", "removed_on"])
    return row


# --- documents --------------------------------------------------------------------


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return ""


@transaction.atomic
def add_document(
    *,
    actor: Actor,
    elder: Elder,
    kind: str,
    title: str,
    content: bytes,
    content_type: str,
    issued_on: dt.date | None = None,
    issuer: str = "",
) -> Document:
    """Store a document (PDF, JPEG or PNG up to 10 MB; the bytes must match the type)."""
    access.require(actor, elder, "change")
    _choice(kind, DocumentKind.values, "kind")
    if (
        content_type not in DOCUMENT_TYPES
        or not content
        or len(content) > MAX_DOCUMENT_BYTES
        or _sniff(content) != content_type
    ):
        raise InvalidDocument(details={"field": "file"})
    _not_future(issued_on, "issued_on")
    digest = hashlib.sha256(content).hexdigest()
    row = Document(
        elder=elder,
        kind=kind,
        title=_text(title, "title", max_length=128, required=True),
        issued_on=issued_on,
        issuer=_text(issuer, "issuer", max_length=128),
        content_type=content_type,
        size_bytes=len(content),
        sha256=digest,
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    row.file.save(f"{digest[:24]}", ContentFile(content), save=False)
    row.save()
    _audit(actor, "create", "health_document", row.pk, elder, ["kind", "title", "file"])
    return row


@transaction.atomic
def void_document(*, actor: Actor, document: Document) -> Document:
    row = _lock(Document, document.pk)
    access.require(actor, row.elder, "change")
    if row.status != EntryStatus.FINAL:
        raise NotActive()
    row.status, row.voided_at, row.voided_by = EntryStatus.ENTERED_IN_ERROR, clock.now(), actor.user
    row.save(update_fields=["status", "voided_at", "voided_by"])
    _audit(actor, "void", "health_document", row.pk, row.elder, ["status"])
    return row


# --- assessments ------------------------------------------------------------------


def _answer_error(exc: InvalidAnswers) -> InvalidAnswer:
    details: dict[str, Any] = {"item": exc.item}
    if exc.allowed:
        details["allowed"] = exc.allowed
    return InvalidAnswer(exc.code, ANSWER_MESSAGES[exc.code], details=details)


def _assessed_at(elder: Elder, at: dt.datetime | None) -> dt.datetime:
    when = at or clock.now()
    if when > clock.now() + FUTURE_TOLERANCE or when.date() < elder.birth_date:
        raise _invalid("assessed_at")
    return when


@transaction.atomic
def submit_assessment(
    *,
    actor: Actor,
    elder: Elder,
    instrument: str,
    answers: Mapping[str, Any],
    assessed_at: dt.datetime | None = None,
    visit: Any = None,
) -> AssessmentResult:
    """Score ``answers`` with the instrument (``instruments.INSTRUMENTS``) and store the
    result; a bad answer is 422 with its ``code`` and the ``item``, nothing stored."""
    access.require(actor, elder, "assess")
    if instrument == LTC_LEVEL:
        return derive_ltc_level(actor=actor, elder=elder, assessed_at=assessed_at)
    form = INSTRUMENTS.get(instrument)
    if form is None:
        raise InvalidAnswer(
            "assessment_instrument_unknown",
            ANSWER_MESSAGES["assessment_instrument_unknown"],
            details={"field": "instrument"},
        )
    try:
        result = form.score(answers)
    except InvalidAnswers as exc:
        raise _answer_error(exc) from exc
    when = _assessed_at(elder, assessed_at)
    if visit is not None and visit.order.elder_id != elder.pk:
        raise _invalid("visit_id")
    row = AssessmentResult.objects.create(
        elder=elder,
        instrument=instrument,
        version=form.version,
        answers=dict(answers),
        points=result.points,
        score=result.score,
        max_score=result.max_score,
        band=result.band,
        assessed_at=when,
        visit=visit,
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    _audit(actor, "create", "assessment_result", row.pk, elder, ["answers"], instrument=instrument)
    return row


def _latest(elder: Elder, *instruments: str) -> AssessmentResult | None:
    return (
        AssessmentResult.objects.filter(
            elder=elder, instrument__in=instruments, status=EntryStatus.FINAL
        )
        .order_by("-assessed_at", "-id")
        .first()
    )


@transaction.atomic
def derive_ltc_level(
    *, actor: Actor, elder: Elder, assessed_at: dt.datetime | None = None
) -> AssessmentResult:
    """Store the suggested long-term-care disability level derived from the latest
    Barthel and the latest MMSE or AD8 (``instruments.ltc``); 409 ``ltc_needs_barthel``
    without a Barthel."""
    access.require(actor, elder, "assess")
    barthel = _latest(elder, "barthel")
    if barthel is None:
        raise LtcNeedsBarthel()
    cognition = _latest(elder, "mmse", "ad8")
    level = ltc.derive(
        barthel_score=barthel.score,
        cognition_instrument=cognition.instrument if cognition else None,
        cognition_band=cognition.band if cognition else None,
    )
    derived = {"barthel": barthel.pk, **({"cognition": cognition.pk} if cognition else {})}
    row = AssessmentResult.objects.create(
        elder=elder,
        instrument=LTC_LEVEL,
        version="2021",
        answers={"adl": level.adl, "cognition": level.cognition, "flags": list(level.flags)},
        points={},
        score=level.level,
        max_score=5,
        band=f"level_{level.level}",
        derived_from=derived,
        assessed_at=_assessed_at(elder, assessed_at),
        recorded_by=actor.user,
        recorded_at=clock.now(),
    )
    _audit(actor, "create", "assessment_result", row.pk, elder, ["score"], instrument=LTC_LEVEL)
    return row


@transaction.atomic
def void_assessment(*, actor: Actor, result: AssessmentResult) -> AssessmentResult:
    row = _lock(AssessmentResult, result.pk)
    access.require(actor, row.elder, "assess")
    if row.status != EntryStatus.FINAL:
        raise NotActive()
    row.status, row.voided_at, row.voided_by = EntryStatus.ENTERED_IN_ERROR, clock.now(), actor.user
    row.save(update_fields=["status", "voided_at", "voided_by"])
    _audit(actor, "void", "assessment_result", row.pk, row.elder, ["status"])
    return row
