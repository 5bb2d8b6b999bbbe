"""Reads of the health record. Callers look the elder up through ``access`` first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from doorstep.core import clock
from doorstep.people.enums import InsuranceScheme
from doorstep.people.models import Elder, InsuranceEnrollment

from .enums import (
    ActiveStatus,
    ConditionStatus,
    EntryStatus,
    Instrument,
    LineStatus,
    MedicationStatus,
    ObservationKind,
)
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


@dataclass
class Summary:
    conditions: list[Condition]
    allergies: list[Allergy]
    medications: list[Medication]
    disabilities: list[Disability]
    lines: list[BodyLine]
    latest_observations: list[Observation]
    latest_assessments: list[AssessmentResult]
    documents: int
    ltc_enrolled_level: int | None


def latest_observations(elder: Elder) -> list[Observation]:
    """The latest valid reading of each kind (one indexed query per kind)."""
    rows = []
    for kind in ObservationKind.values:
        row = (
            Observation.objects.filter(elder=elder, kind=kind, status=EntryStatus.FINAL)
            .order_by("-measured_at", "-id")
            .first()
        )
        if row is not None:
            rows.append(row)
    return rows


def latest_assessments(elder: Elder) -> list[AssessmentResult]:
    """The latest valid result of each instrument."""
    rows = []
    for instrument in Instrument.values:
        row = (
            AssessmentResult.objects.filter(
                elder=elder, instrument=instrument, status=EntryStatus.FINAL
            )
            .order_by("-assessed_at", "-id")
            .first()
        )
        if row is not None:
            rows.append(row)
    return rows


def enrolled_ltc_level(elder: Elder, on: dt.date | None = None) -> int | None:
    """The official LTC disability level of the elder's LTC enrollment in force, if any."""
    day = on or clock.today()
    row = (
        InsuranceEnrollment.objects.filter(
            elder=elder,
            scheme=InsuranceScheme.LONG_TERM_CARE,
            is_active=True,
            valid_from__lte=day,
            ltc_disability_level__isnull=False,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from", "-id")
        .first()
    )
    return None if row is None else row.ltc_disability_level


def summary(elder: Elder) -> Summary:
    return Summary(
        conditions=list(
            Condition.objects.filter(elder=elder, status=ConditionStatus.ACTIVE).select_related(
                "code"
            )
        ),
        allergies=list(Allergy.objects.filter(elder=elder, status=ActiveStatus.ACTIVE)),
        medications=list(Medication.objects.filter(elder=elder, status=MedicationStatus.ACTIVE)),
        disabilities=list(Disability.objects.filter(elder=elder, status=ActiveStatus.ACTIVE)),
        lines=list(BodyLine.objects.filter(elder=elder, status=LineStatus.IN_PLACE)),
        latest_observations=latest_observations(elder),
        latest_assessments=latest_assessments(elder),
        documents=Document.objects.filter(elder=elder, status=EntryStatus.FINAL).count(),
        ltc_enrolled_level=enrolled_ltc_level(elder),
    )


def observations(
    elder: Elder,
    *,
    kind: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    include_voided: bool = False,
) -> QuerySet[Observation]:
    qs = Observation.objects.filter(elder=elder)
    if kind:
        qs = qs.filter(kind=kind)
    if since is not None:
        qs = qs.filter(measured_at__gte=since)
    if until is not None:
        qs = qs.filter(measured_at__lt=until)
    if not include_voided:
        qs = qs.filter(status=EntryStatus.FINAL)
    return qs.order_by("-measured_at", "-id")


def assessments(elder: Elder, *, instrument: str | None = None) -> QuerySet[AssessmentResult]:
    qs = AssessmentResult.objects.filter(elder=elder)
    if instrument:
        qs = qs.filter(instrument=instrument)
    return qs.order_by("-assessed_at", "-id")


def condition_codes(query: str = "") -> QuerySet[ConditionCode]:
    qs = ConditionCode.objects.filter(is_active=True)
    text = query.strip()
    if text:
        qs = qs.filter(
            Q(code__istartswith=text) | Q(name_en__icontains=text) | Q(name_zh__icontains=text)
        )
    return qs.order_by("code")
