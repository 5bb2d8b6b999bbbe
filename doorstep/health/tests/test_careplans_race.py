"""Two generation runs of the same plan at the same moment on PostgreSQL (the daily job and
a nurse pressing "generate"): every day is booked exactly once (ADR 0027).

Real threads and connections; the unique (intervention, day) occurrence row makes the
second run wait for the first's transaction and then find the day booked.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from doorstep.health import careplans
from doorstep.health.models import PlanOccurrence
from doorstep.orders.models import Order
from doorstep.orders.tests import conftest as orders_fixtures

from .conftest import act

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_book_each_day_once(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    nurse = act(personas.nurse)
    plan = careplans.create_plan(actor=nurse, elder=elder_a, title="Daily companionship")
    careplans.add_intervention(
        actor=nurse,
        plan=plan,
        item_code=catalog.companion.code,
        frequency_kind="daily",
        time_from=dt.time(10, 0),
    )
    careplans.activate_plan(actor=nurse, plan=plan)
    barrier = threading.Barrier(2)
    results: list[Any] = []
    lock = threading.Lock()

    def run(job: bool) -> None:
        barrier.wait()
        try:
            if job:
                outcome: Any = careplans.generate_due()
            else:
                outcome = careplans.generate_plan(actor=act(personas.nurse), plan=plan).as_dict()
        except Exception as exc:
            outcome = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not [r for r in results if isinstance(r, str)], results
    booked = sum(r["booked"] for r in results)
    assert booked == 14
    assert Order.objects.filter(elder=elder_a).count() == 14
    assert PlanOccurrence.objects.filter(status="booked").count() == 14
    assert PlanOccurrence.objects.values("date").distinct().count() == 14
