"""Plan acceptance through the orders services (issue 4 item 9, ADR 0019): on PostgreSQL
with real transactions, two people accepting one plan at once (one wins, every visit is
assigned once); and the platform admin's platform-wide plan, accepted over the API."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from doorstep.accounts.policy import Actor
from doorstep.core.audit import AuditEvent
from doorstep.core.errors import ApplicationError
from doorstep.dispatch import services
from doorstep.dispatch.enums import RunStatus
from doorstep.dispatch.models import PlanRun
from doorstep.dispatch.tests.plan_scene import DAY, City, stops_by_provider
from doorstep.orders.models import Visit, VisitEvent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_acceptances_on_postgres_assign_each_visit_once(
    city: City, personas: Any
) -> None:
    """Given a finished plan on PostgreSQL, when the dispatcher and the institution admin
    accept it at the same moment (real threads, real connections), then exactly one
    acceptance wins, the other gets 409 ``plan_not_decidable``, each of the four visits
    is assigned exactly once through ``assign_provider`` (one ``assigned`` event each,
    by the winner) and the plan's acceptance is audited once."""
    run = services.start_plan(
        actor=city.dispatcher, institution=city.nurse.institution, day=DAY, time_limit=1, seed=1
    )
    run.refresh_from_db()
    assert run.status == RunStatus.DONE  # the job ran after the start's commit
    expected = stops_by_provider(run.result)
    assert expected == {
        city.nurse.pk: [city.pk("v1"), city.pk("v2")],
        city.caregiver.pk: [city.pk("v3"), city.pk("v4")],
    }
    actors = [Actor.of(personas.dispatcher), Actor.of(personas.inst_admin)]
    barrier = threading.Barrier(len(actors))
    outcomes: dict[int, str] = {}

    def accept(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.accept_plan(actor=actors[i], run=PlanRun.objects.get(pk=run.pk))
            outcomes[i] = "accepted"
        except ApplicationError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(actors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["accepted", "plan_not_decidable"]
    winner = actors[next(i for i, o in outcomes.items() if o == "accepted")]
    run.refresh_from_db()
    assert (run.status, run.decided_by_id) == (RunStatus.ACCEPTED, winner.user_id)
    assert run.outcome["counts"] == {"assigned": 4}
    got = {v.pk: (v.status, v.provider_id) for v in Visit.objects.filter(pk__in=city.pks())}
    assert got == {
        city.pk("v1"): ("assigned", city.nurse.pk),
        city.pk("v2"): ("assigned", city.nurse.pk),
        city.pk("v3"): ("assigned", city.caregiver.pk),
        city.pk("v4"): ("assigned", city.caregiver.pk),
    }
    events = VisitEvent.objects.filter(visit_id__in=city.pks(), to_status="assigned")
    assert sorted(events.values_list("visit_id", flat=True)) == sorted(city.pks())
    assert set(events.values_list("actor_id", "details__via")) == {(winner.user_id, "dispatcher")}
    assert AuditEvent.objects.filter(action="plan_run.accepted").count() == 1


@pytest.mark.django_db
def test_platform_admin_plans_the_whole_platform_and_accepts_over_the_api(
    city: City, personas: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The platform admin plans every institution (``institution_id`` empty) and accepts:
    the visits are assigned through the orders services on the admin's behalf; an
    institution's dispatcher cannot see or accept the platform plan (404)."""
    admin = api_as(personas.platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(
            "/api/v1/dispatch/plans",
            {"institution_id": None, "day": DAY.isoformat(), "time_limit": 1, "seed": 1},
        )
    assert r.status_code == 202, r.content
    body = admin.get(f"/api/v1/dispatch/plans/{r.json()['id']}").json()
    assert (body["institution_id"], body["status"]) == (None, "done")
    assert stops_by_provider(body["result"]) == {
        city.nurse.pk: [city.pk("v1"), city.pk("v2")],
        city.caregiver.pk: [city.pk("v3"), city.pk("v4")],
    }
    dispatcher = api_as(personas.dispatcher)
    assert dispatcher.get(f"/api/v1/dispatch/plans/{body['id']}").status_code == 404
    assert dispatcher.post(f"/api/v1/dispatch/plans/{body['id']}/accept").status_code == 404
    assert set(Visit.objects.filter(pk__in=city.pks()).values_list("status", flat=True)) == {
        "awaiting_dispatch"
    }
    r = admin.post(f"/api/v1/dispatch/plans/{body['id']}/accept")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["outcome"]["counts"]) == ("accepted", {"assigned": 4})
    events = VisitEvent.objects.filter(visit_id__in=city.pks(), to_status="assigned")
    assert set(events.values_list("actor_id", "details__via")) == {
        (personas.platform_admin.pk, "dispatcher")
    }
    assert dict(Visit.objects.filter(pk__in=city.pks()).values_list("pk", "provider_id")) == {
        city.pk("v1"): city.nurse.pk,
        city.pk("v2"): city.nurse.pk,
        city.pk("v3"): city.caregiver.pk,
        city.pk("v4"): city.caregiver.pk,
    }
