"""Objects of the health app for the access matrix (ADR 0026): on 王秀英's record, an
observation, a condition, a medication and a PICC line, each entered by institution A's
reviewer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.health import services


def build(*, personas: Any, elder: Any) -> dict[str, int]:
    reviewer = Actor.of(personas.reviewer)
    observation = services.record_observation(
        actor=reviewer,
        elder=elder,
        kind="blood_pressure",
        value=148,
        value2=92,
        source="visit",
        measured_at=clock.now() - dt.timedelta(days=1),
    )
    condition = services.add_condition(actor=reviewer, elder=elder, code="I10")
    medication = services.add_medication(
        actor=reviewer,
        elder=elder,
        name="氨氯地平 amlodipine",
        dose=5,
        dose_unit="mg",
        route="oral",
        frequency="qd",
        times=["08:00"],
        start_date=clock.today() - dt.timedelta(days=30),
    )
    line = services.add_line(
        actor=reviewer,
        elder=elder,
        kind="picc",
        site="右上臂贵要静脉",
        inserted_on=clock.today() - dt.timedelta(days=10),
    )
    return {
        "observation_id": observation.pk,
        "condition_id": condition.pk,
        "medication_id": medication.pk,
        "line_id": line.pk,
    }
