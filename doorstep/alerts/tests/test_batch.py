"""``evaluate_readings`` (the consumer's batch path) raises exactly what ``evaluate_reading``
raises when called for each reading in turn: thresholds with an elder's overrides, the
personal baseline from the last 30 readings (the batch's own earlier readings included), an
elder with a short history, blood pressure's two measures, and readings that arrive late
(older than rows already stored: their histories are read by a second query)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from doorstep.alerts import services
from doorstep.alerts.models import Alert, Threshold
from doorstep.health.models import Observation

from .conftest import NOW, FrozenClock

pytestmark = pytest.mark.django_db


def _observe(
    elder: Any, kind: str, value: float, at: dt.datetime, value2: float | None = None
) -> int:
    spec = {"heart_rate": ("8867-4", "/min"), "blood_pressure": ("85354-9", "mm[Hg]")}[kind]
    return Observation.objects.create(
        elder=elder, kind=kind, loinc=spec[0], unit=spec[1], value=Decimal(str(value)),
        value2=None if value2 is None else Decimal(str(value2)), source="device",
        measured_at=at, recorded_at=NOW,
    ).pk  # fmt: skip


def _alerts() -> list[tuple[Any, ...]]:
    return sorted(
        Alert.objects.values_list("elder_id", "kind", "severity", "fold_key", "count", "details")
        .order_by("id")
        .values_list("elder_id", "kind", "severity", "count", "details"),
        key=repr,
    )


def _both_ways(readings: list[services.ReadingIn]) -> tuple[list[Any], list[Any]]:
    """What the batch raises and what one-by-one raises, each from the same starting state."""

    class Undo(Exception):
        pass

    out = []
    for batch in (True, False):
        try:
            with transaction.atomic():
                if batch:
                    services.evaluate_readings(readings)
                else:
                    for r in readings:
                        services.evaluate_reading(
                            elder_id=r.elder_id, kind=r.kind, values=r.values, at=r.at,
                            device_id=r.device_id, observation_id=r.observation_id,
                        )  # fmt: skip
                out.append(_alerts())
                raise Undo
        except Undo:
            pass
    return out[0], out[1]


def test_batch_raises_what_one_by_one_raises(
    frozen: FrozenClock, elder_a: Any, elder_b: Any, personas: Any
) -> None:
    rng = random.Random(7)
    start = NOW - dt.timedelta(days=2)
    # 王秀英: 40 calm heart rates and 35 blood pressures; elder B: only 12 heart rates.
    for i in range(40):
        _observe(
            elder_a, "heart_rate", rng.choice([70, 71, 72, 73, 74]), start + dt.timedelta(minutes=i)
        )
    for i in range(35):
        _observe(elder_a, "blood_pressure", 128 + i % 3, start + dt.timedelta(minutes=i), 80)
    for i in range(12):
        _observe(elder_b, "heart_rate", 80 + i % 2, start + dt.timedelta(minutes=i))
    # elder B's own threshold: 100/min is already a warning for her
    Threshold.objects.create(
        elder=elder_b, measure="heart_rate", warning_high=Decimal("100"),
        set_by=personas.platform_admin, set_at=NOW,
    )  # fmt: skip
    t = NOW - dt.timedelta(minutes=30)
    readings: list[services.ReadingIn] = []

    def add(
        elder: Any,
        kind: str,
        values: dict[str, Any],
        at: dt.datetime,
        v: float,
        v2: float | None = None,
    ) -> None:
        pk = _observe(elder, kind, v, at, v2)  # stored before the rules run, as in ingest
        readings.append(services.ReadingIn(elder.pk, kind, values, at, 9, pk))

    add(elder_a, "heart_rate", {"value": 72}, t, 72)  # calm
    add(elder_a, "heart_rate", {"value": 96}, t + dt.timedelta(seconds=5), 96)  # baseline
    add(elder_a, "heart_rate", {"value": 95}, t + dt.timedelta(seconds=10), 95)  # folds
    add(elder_a, "blood_pressure", {"systolic": 129, "diastolic": 80}, t, 129, 80)
    add(
        elder_a,
        "blood_pressure",
        {"systolic": 150, "diastolic": 80},
        t + dt.timedelta(seconds=9),
        150,
        80,
    )
    add(
        elder_a,
        "blood_pressure",
        {"systolic": 182, "diastolic": 95},
        t + dt.timedelta(seconds=20),
        182,
        95,
    )
    add(elder_b, "heart_rate", {"value": 101}, t, 101)  # her own threshold
    add(elder_b, "heart_rate", {"value": 96}, t + dt.timedelta(seconds=3), 96)  # short history
    # late: measured before most of her stored history (out of order)
    add(elder_a, "heart_rate", {"value": 99}, start + dt.timedelta(minutes=12, seconds=30), 99)
    add(elder_a, "heart_rate", {"value": 74}, start + dt.timedelta(minutes=25, seconds=30), 74)
    for i in range(6):  # more of the same pair than any other: widens the window
        add(elder_a, "heart_rate", {"value": 70 + i}, t + dt.timedelta(seconds=30 + i), 70 + i)
    add(elder_a, "heart_rate", {"value": "x"}, t + dt.timedelta(seconds=50), 0)  # no measure

    batch, one_by_one = _both_ways(readings)
    assert batch == one_by_one
    kinds = sorted((a[1], a[2]) for a in batch)
    assert ("baseline", "warning") in kinds
    assert ("threshold", "critical") in kinds
    assert ("threshold", "warning") in kinds
    assert len(batch) >= 4


def test_a_failing_batch_falls_back_to_one_reading_at_a_time(
    frozen: FrozenClock, elder_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer's receiver: when the batch evaluation raises, each reading is evaluated
    alone (its own savepoint), so the critical reading still raises its alert."""
    from types import SimpleNamespace

    from doorstep.devices.signals import StoredMessage, device_events

    def broken(readings: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "evaluate_readings", broken)
    device = SimpleNamespace(pk=5, elder_id=elder_a.pk, type="bp_monitor")
    device_events.send(
        sender=None,
        messages=[
            StoredMessage(device, None, None, "blood_pressure", {"systolic": 186, "diastolic": 112}, NOW, 1),
            StoredMessage(device, None, None, "blood_pressure", {"systolic": 120, "diastolic": 80}, NOW, 2),
        ],
    )  # fmt: skip
    assert list(Alert.objects.values_list("kind", "severity", "count")) == [
        ("threshold", "critical", 1)
    ]
