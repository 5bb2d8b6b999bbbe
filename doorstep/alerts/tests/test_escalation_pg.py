"""Two escalation runs at once take each due step exactly once (PostgreSQL, real threads)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from doorstep.accounts.policy import Actor
from doorstep.alerts import services
from doorstep.alerts.models import Alert, AlertEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_runs_escalate_each_alert_once(elder_a: Any, personas: Any) -> None:
    elder = Actor.of(personas.elder)
    for i in range(12):
        services.press_sos(actor=elder, idempotency_key=f"press-{i:04d}")
    # operator told at once (no family); make every alert due for its next step
    Alert.objects.update(next_escalation_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    barrier = threading.Barrier(2)
    moved: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            moved.append(services.escalate_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(moved) == 12
    per_alert = [
        AlertEvent.objects.filter(alert=a, kind="escalated", step="responder").count()
        for a in Alert.objects.all()
    ]
    assert per_alert == [1] * 12
