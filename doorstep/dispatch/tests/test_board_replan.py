"""The board's re-planning and take-off actions (issue 4 items 3 and 5, ADR 0019):
a sick call or an overrun from the board, the diff (moved visits, to whom, new times) and
who must be told (providers, elders and family) before acceptance, the notices on
acceptance; a visit dragged onto the unassigned list is taken back from its provider
through ``orders.services.unassign_provider`` on acceptance. Refusals change nothing.
The tiny city is in ``plan_scene``."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.core.audit import AuditEvent
from doorstep.dispatch import board, services
from doorstep.dispatch.enums import RunStatus
from doorstep.dispatch.models import PlanRun
from doorstep.dispatch.tests.plan_scene import DAY, City, stops_by_provider
from doorstep.notifications.models import Notification
from doorstep.orders.errors import ReasonRequired
from doorstep.orders.models import Visit, VisitEvent
from doorstep.people import services as people_services

pytestmark = pytest.mark.django_db


def _plan(city: City, capture: Any) -> PlanRun:
    with capture(execute=True):
        run = services.start_plan(
            actor=city.dispatcher, institution=city.nurse.institution, day=DAY, time_limit=1, seed=1
        )
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    return run


def _accepted(city: City, capture: Any) -> PlanRun:
    run = _plan(city, capture)
    with capture(execute=True):
        services.accept_plan(actor=city.dispatcher, run=run)
    run.refresh_from_db()
    return run


@pytest.fixture
def alerts_family(elder_a: Any, personas: Any) -> Any:
    """The family persona is linked to elder 王 and receives alerts."""
    actor = Actor.of(personas.elder)
    link = people_services.link_family(
        actor=actor,
        elder=elder_a,
        user=personas.family,
        relationship="child",
        permissions=["view_record", "receive_alerts"],
    )
    people_services.record_consent(
        actor=actor, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )
    link.refresh_from_db()
    assert (link.status, link.can_receive_alerts) == ("active", True)
    return link


def test_board_sick_call_shows_the_diff_and_who_to_tell_then_notifies(
    city: City,
    personas: Any,
    client: Any,
    alerts_family: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Given the accepted plan on the board, when the dispatcher reports the caregiver sick
    from 12:00, then the new plan shows v4 (13:00) moving from the caregiver to the nurse
    at 13:00, names both providers and the elder (the elder and one family member) to
    tell; accepting notifies the two providers and the elder's two people."""
    run = _accepted(city, django_capture_on_commit_callbacks)
    client.force_login(personas.dispatcher)
    page = client.get(f"/dispatch/board/?day={DAY.isoformat()}").content.decode()
    assert 'data-testid="sick-form"' in page
    assert 'data-testid="overrun-form"' in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/dispatch/board/runs/{run.pk}/replan/",
            {"kind": "provider_sick", "provider": str(city.caregiver.pk), "at": "12:00"},
        )
    assert answer.status_code == 302
    new = PlanRun.objects.exclude(pk=run.pk).get()
    assert (new.status, new.based_on_id, new.event["kind"]) == (
        RunStatus.DONE,
        run.pk,
        "provider_sick",
    )
    assert new.event["at"] == "2026-06-16T12:00:00+08:00"
    names = {p["provider_id"]: p["name"] for p in new.result["providers"]}

    rows = board.change_rows(new.result)
    assert [
        (r["visit_id"], r["kind"], r["from_name"], r["to_name"], r["old_time"], r["new_time"])
        for r in rows
    ] == [
        (
            city.pk("v4"),
            "moved",
            names[city.caregiver.pk],
            names[city.nurse.pk],
            "13:00",
            "13:00",
        )
    ]
    tell = board.who_to_tell(new.result)
    assert tell["provider_ids"] == sorted([city.nurse.pk, city.caregiver.pk])
    assert tell["patients"] == [{"visit_id": city.pk("v4"), "elder": "王**", "recipients": 2}]

    page = client.get(f"/dispatch/board/?day={DAY.isoformat()}").content.decode()
    assert 'data-testid="replan-event"' in page
    assert "is unavailable from 12:00" in page
    assert f'data-testid="change-{city.pk("v4")}"' in page
    assert 'data-testid="who-to-tell"' in page
    assert f'data-testid="tell-patient-{city.pk("v4")}"' in page
    assert "2 people (the elder and family linked for alerts)" in page

    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dispatch/board/runs/{new.pk}/accept/")
    new.refresh_from_db()
    assert new.status == RunStatus.ACCEPTED
    assert new.outcome["notified_patient_visit_ids"] == [city.pk("v4")]
    providers_told = set(
        Notification.objects.filter(kind="dispatch.plan_changed").values_list(
            "recipient_id", flat=True
        )
    )
    assert providers_told == {city.nurse.user_id, city.caregiver.user_id}
    patients = Notification.objects.filter(kind="dispatch.visit_changed").order_by("recipient_id")
    assert [(n.recipient_id, n.link) for n in patients] == sorted(
        [
            (personas.elder.pk, f"/orders/{city.visits['v4'].order_id}"),
            (personas.family.pk, f"/orders/{city.visits['v4'].order_id}"),
        ]
    )
    assert {n.body_en for n in patients} == {
        "Another provider will come for your visit on 2026-06-16, expected at 13:00."
    }
    assert {n.title_zh for n in patients} == {"您 2026-06-16 的上门服务有变动"}
    assert Notification.objects.count() > before
    page = client.get(f"/dispatch/board/?day={DAY.isoformat()}").content.decode()
    assert 'data-testid="told-patients"' in page


def test_board_overrun_and_bad_events_change_nothing(
    city: City, personas: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = _accepted(city, django_capture_on_commit_callbacks)
    client.force_login(personas.dispatcher)
    url = f"/dispatch/board/runs/{run.pk}/replan/"
    for bad in (
        {"kind": "visit_overrun", "visit": str(city.pk("v1")), "minutes": "0"},
        {"kind": "provider_sick", "provider": str(city.caregiver.pk), "at": "nonsense"},
        {"kind": "coffee_break"},
    ):
        answer = client.post(url, bad, follow=True)
        assert answer.status_code == 200
        assert "The re-planning event is not valid." in answer.content.decode()
    assert PlanRun.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"kind": "visit_overrun", "visit": str(city.pk("v1")), "minutes": "40"})
    new = PlanRun.objects.exclude(pk=run.pk).get()
    assert (new.event["kind"], new.event["visit_id"], new.event["minutes"]) == (
        "visit_overrun",
        city.pk("v1"),
        40,
    )
    client.force_login(personas.other_admin)
    assert client.post(url, {"kind": "provider_sick"}).status_code == 404
    assert PlanRun.objects.count() == 2


def test_taken_off_visit_is_unassigned_on_acceptance_with_its_reason(
    city: City, personas: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Given today's assignments (an accepted plan) and a fresh plan, when the dispatcher
    drags v2 onto the unassigned list with a reason, then the plan lists v2 as taken off
    (nothing assigned changes yet); accepting takes v2 back from the nurse through the
    orders service with that reason and tells the nurse."""
    _accepted(city, django_capture_on_commit_callbacks)
    run = _plan(city, django_capture_on_commit_callbacks)
    client.force_login(personas.dispatcher)
    answer = client.post(
        f"/dispatch/board/runs/{run.pk}/take-off/",
        {"visit": f"{city.pk('v2')}:0", "reason": "The elder asked to skip this one."},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Taken off the plan" in html
    assert "taken off by the dispatcher: The elder asked to skip this one." in html
    run.refresh_from_db()
    assert city.pk("v2") not in stops_by_provider(run.result).get(city.nurse.pk, [])
    off = [u for u in run.result["unassigned"] if u["visit_id"] == city.pk("v2")]
    assert [(u["code"], u["reason"]) for u in off] == [
        ("taken_off", "The elder asked to skip this one.")
    ]
    assert [(c["visit_id"], c["kind"]) for c in run.result["changes"]] == [
        (city.pk("v2"), "unplanned")
    ]
    assert AuditEvent.objects.filter(action="plan_run.visit_taken_off").count() == 1
    v2 = Visit.objects.get(pk=city.pk("v2"))
    assert (v2.status, v2.provider_id) == ("assigned", city.nurse.pk)  # not yet

    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.accept_plan(actor=city.dispatcher, run=run)
    assert accepted.outcome["counts"] == {"kept": 3, "released": 1}
    v2.refresh_from_db()
    assert (v2.status, v2.provider_id) == ("awaiting_dispatch", None)
    event = VisitEvent.objects.filter(visit=v2).order_by("-id").first()
    assert event is not None
    assert (event.from_status, event.to_status, event.reason) == (
        "assigned",
        "awaiting_dispatch",
        "The elder asked to skip this one.",
    )
    told = Notification.objects.get(kind="orders.visit_unassigned")
    assert (told.recipient_id, told.body_en) == (
        city.nurse.user_id,
        "The elder asked to skip this one.",
    )


def test_take_off_refusals_change_nothing(
    city: City, personas: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = _plan(city, django_capture_on_commit_callbacks)
    before = run.result
    with pytest.raises(ReasonRequired):
        board.take_visit_off_plan(
            actor=city.dispatcher, run=run, visit_id=city.pk("v1"), reason=" "
        )
    client.force_login(personas.other_admin)
    url = f"/dispatch/board/runs/{run.pk}/take-off/"
    assert client.post(url, {"visit": str(city.pk("v1")), "reason": "x"}).status_code == 404
    run.refresh_from_db()
    assert run.result == before
    out = board.take_visit_off_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v1"), reason="Family visit."
    )
    assert out.taken is True
    again = board.take_visit_off_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v1"), reason="Family visit."
    )
    assert (again.taken, [r["code"] for r in again.refusals]) == (False, ["already_off"])
    # dragged back onto a row, it is planned again and no longer taken off
    moved = board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v1"), provider_id=city.nurse.pk
    )
    assert moved.moved is True
    run.refresh_from_db()
    assert run.result["taken_off"] == []
    assert city.pk("v1") in stops_by_provider(run.result)[city.nurse.pk]
