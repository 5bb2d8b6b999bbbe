"""Health-record invariants for ``manage.py check_invariants`` (ADR 0026)."""

from __future__ import annotations

from collections.abc import Iterator

from doorstep.demo.invariants import invariant

from .enums import EntryStatus, LineStatus
from .instruments import INSTRUMENTS, InvalidAnswers
from .models import AssessmentResult, BodyLine, Observation
from .observations import KINDS, InvalidObservation, check


@invariant("health_observations_coded_and_plausible")
def observations_coded_and_plausible() -> Iterator[str]:
    """Every valid reading carries its kind's LOINC code and UCUM unit and a plausible
    value (blood pressure: a diastolic below the systolic)."""
    rows = Observation.objects.filter(status=EntryStatus.FINAL).values_list(
        "pk", "kind", "loinc", "unit", "value", "value2"
    )
    for pk, kind, loinc, unit, value, value2 in rows.iterator(chunk_size=5000):
        spec = KINDS.get(kind)
        if spec is None or (loinc, unit) != (spec.loinc, spec.unit):
            yield f"observation {pk} ({kind}) has code {loinc!r} and unit {unit!r}"
            continue
        try:
            check(kind, value.normalize(), None if value2 is None else value2.normalize())
        except InvalidObservation as exc:
            yield f"observation {pk} ({kind}) fails {exc.code}"


@invariant("health_assessments_score_their_answers")
def assessments_score_their_answers() -> Iterator[str]:
    """Every valid assessment's stored score and band are what its answers score to."""
    rows = AssessmentResult.objects.filter(
        status=EntryStatus.FINAL, instrument__in=sorted(INSTRUMENTS)
    ).values_list("pk", "instrument", "answers", "score", "band")
    for pk, instrument, answers, score, band in rows.iterator(chunk_size=5000):
        try:
            result = INSTRUMENTS[instrument].score(answers)
        except InvalidAnswers as exc:
            yield f"assessment result {pk} ({instrument}) has invalid answers: {exc.code}"
            continue
        if (result.score, result.band) != (score, band):
            yield f"assessment result {pk} ({instrument}) stores {score}/{band}, scores {result.score}/{result.band}"


@invariant("health_lines_dated_consistently")
def lines_dated_consistently() -> Iterator[str]:
    """A line in place has no removal date; a removed one has one; maintenance is not
    before insertion."""
    for line in BodyLine.objects.exclude(status=LineStatus.ENTERED_IN_ERROR).iterator():
        if (line.status == LineStatus.IN_PLACE) == (line.removed_on is not None):
            yield f"line {line.pk} is {line.status} with removal date {line.removed_on}"
        if line.last_maintained_on and line.last_maintained_on < line.inserted_on:
            yield f"line {line.pk} was maintained before it was inserted"
