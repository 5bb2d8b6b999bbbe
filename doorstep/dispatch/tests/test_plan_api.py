"""The day-planning API (/api/v1/dispatch/, ADR 0019): start, poll, accept, discard,
re-plan, shifts; errors with stable codes in the request language, no side effects,
another institution's runs answer 404."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.core.models import AuditEvent
from doorstep.dispatch.models import PlanRun, Shift
from doorstep.dispatch.tests.plan_scene import City, stops_by_provider
from doorstep.orders.models import Visit

pytestmark = pytest.mark.django_db

BASE = "/api/v1/dispatch"


def _start(client: Any, city: City, capture: Any, **body: Any) -> Any:
    payload = {
        "institution_id": city.nurse.institution_id,
        "day": "2026-06-16",
        "time_limit": 1,
        "seed": 1,
    }
    with capture(execute=True):
        return client.post(f"{BASE}/plans", {**payload, **body})


def test_start_poll_accept(
    city: City, personas: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_as(personas.dispatcher)
    r = _start(client, city, django_capture_on_commit_callbacks)
    assert r.status_code == 202, r.content
    run_id = r.json()["id"]
    brief = client.get(f"{BASE}/plans/{run_id}", {"include_result": "false"}).json()
    assert (brief["status"], brief["progress"], brief["result"]) == ("done", 100, {})
    polled = client.get(f"{BASE}/plans/{run_id}").json()
    assert (polled["status"], polled["progress"]) == ("done", 100)
    assert stops_by_provider(polled["result"]) == {
        city.nurse.pk: [city.pk("v1"), city.pk("v2")],
        city.caregiver.pk: [city.pk("v3"), city.pk("v4")],
    }
    listed = client.get(f"{BASE}/plans", {"day": "2026-06-16"}).json()
    assert [x["id"] for x in listed["items"]] == [run_id]
    r = client.post(f"{BASE}/plans/{run_id}/accept")
    assert r.status_code == 200, r.content
    assert r.json()["outcome"]["counts"] == {"assigned": 4}
    assert Visit.objects.get(pk=city.pk("v4")).provider_id == city.caregiver.pk
    again = client.post(f"{BASE}/plans/{run_id}/accept")
    assert (again.status_code, again.json()["code"]) == (409, "plan_not_decidable")


def test_discard_then_replan_is_refused(
    city: City, personas: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_as(personas.inst_admin)
    run_id = _start(client, city, django_capture_on_commit_callbacks).json()["id"]
    r = client.post(f"{BASE}/plans/{run_id}/discard")
    assert (r.status_code, r.json()["status"]) == (200, "discarded")
    assert set(Visit.objects.filter(pk__in=city.pks()).values_list("status", flat=True)) == {
        "awaiting_dispatch"
    }
    r = client.post(
        f"{BASE}/plans/{run_id}/replan",
        {"kind": "visit_overrun", "visit_id": city.pk("v1"), "minutes": 30},
    )
    assert (r.status_code, r.json()["code"]) == (409, "replan_needs_plan")


def test_replan_over_the_api(
    city: City, personas: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_as(personas.dispatcher)
    run_id = _start(client, city, django_capture_on_commit_callbacks).json()["id"]
    client.post(f"{BASE}/plans/{run_id}/accept")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"{BASE}/plans/{run_id}/replan",
            {
                "kind": "provider_sick",
                "provider_id": city.caregiver.pk,
                "at": "2026-06-16T12:00:00+08:00",
            },
        )
    assert r.status_code == 202, r.content
    new = client.get(f"{BASE}/plans/{r.json()['id']}").json()
    assert new["based_on_id"] == run_id
    assert [(c["visit_id"], c["kind"]) for c in new["result"]["changes"]] == [
        (city.pk("v4"), "moved")
    ]


def test_another_institution_gets_404_and_changes_nothing(
    city: City, personas: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run_id = _start(api_as(personas.dispatcher), city, django_capture_on_commit_callbacks).json()[
        "id"
    ]
    other = api_as(personas.other_admin)
    audits = AuditEvent.objects.count()
    for method, path, body in (
        ("get", f"{BASE}/plans/{run_id}", None),
        ("post", f"{BASE}/plans/{run_id}/accept", None),
        ("post", f"{BASE}/plans/{run_id}/discard", None),
        (
            "post",
            f"{BASE}/plans/{run_id}/replan",
            {"kind": "visit_overrun", "visit_id": city.pk("v1"), "minutes": 10},
        ),
        (
            "put",
            f"{BASE}/providers/{city.nurse.pk}/shifts/2026-06-16",
            {"start": "09:00", "end": "17:00"},
        ),
    ):
        r = getattr(other, method)(path, body) if body else getattr(other, method)(path)
        assert (path, r.status_code, r.json()["code"]) == (path, 404, "not_found")
    assert other.get(f"{BASE}/plans").json() == {"items": []}
    assert PlanRun.objects.get(pk=run_id).status == "done"
    assert (AuditEvent.objects.count(), Shift.objects.count()) == (audits, 0)
    assert set(Visit.objects.filter(pk__in=city.pks()).values_list("provider_id", flat=True)) == {
        None
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"time_limit": 0}, "invalid_time_limit"),
        ({"time_limit": 601}, "invalid_time_limit"),
        ({"day": "2026-06-14"}, "invalid_plan_day"),
        ({"day": "not-a-day"}, "validation_error"),
    ],
)
def test_bad_plan_input_is_refused_without_side_effects(
    city: City,
    personas: Any,
    api_as: Any,
    django_capture_on_commit_callbacks: Any,
    body: dict[str, Any],
    code: str,
) -> None:
    client = api_as(personas.dispatcher)
    audits = AuditEvent.objects.count()
    r = _start(client, city, django_capture_on_commit_callbacks, **body)
    assert (r.status_code, r.json()["code"]) == (422, code)
    assert (PlanRun.objects.count(), AuditEvent.objects.count()) == (0, audits)


def test_errors_speak_the_request_language(
    city: City, personas: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    r = _start(
        api_as(personas.dispatcher, lang="zh-hans"),
        city,
        django_capture_on_commit_callbacks,
        time_limit=0,
    )
    assert r.json() == {
        "code": "invalid_time_limit",
        "message": "时间上限必须在 1 到 600 秒之间。",
        "details": {"field": "time_limit", "max": 600},
    }


def test_bad_replan_events_are_refused(
    city: City, personas: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_as(personas.dispatcher)
    run_id = _start(client, city, django_capture_on_commit_callbacks).json()["id"]
    runs = PlanRun.objects.count()
    other_nurse = personas.other_nurse.provider.pk
    for body, code in (
        ({"kind": "provider_sick", "provider_id": other_nurse, "at": "2026-06-16T12:00:00+08:00"},
         "invalid_replan_event"),
        ({"kind": "provider_sick", "provider_id": city.nurse.pk}, "invalid_replan_event"),
        ({"kind": "visit_overrun", "visit_id": city.pk("v1"), "minutes": 0},
         "invalid_replan_event"),
        ({"kind": "holiday"}, "validation_error"),
    ):  # fmt: skip
        r = client.post(f"{BASE}/plans/{run_id}/replan", body)
        assert (r.status_code, r.json()["code"]) == (422, code), body
    assert PlanRun.objects.count() == runs


def test_shifts_set_and_listed(city: City, personas: Any, api_as: Any) -> None:
    admin = api_as(personas.inst_admin)
    path = f"{BASE}/providers/{city.nurse.pk}/shifts/2026-06-16"
    body = {
        "start": "09:00",
        "end": "15:00",
        "break_earliest": "11:30",
        "break_latest": "12:30",
        "break_minutes": 30,
    }
    r = admin.put(path, body)
    assert r.status_code == 200, r.json()
    assert (r.json()["start"], r.json()["end"], r.json()["break_minutes"]) == (
        "09:00:00",
        "15:00:00",
        30,
    )
    r = admin.put(path, {**body, "end": "14:00"})  # replaced, not duplicated
    assert r.status_code == 200
    assert Shift.objects.get().end.isoformat() == "14:00:00"
    bad = admin.put(path, {"start": "09:00", "end": "08:00"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_shift")
    bad = admin.put(path, {**body, "break_earliest": "07:00"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_shift")
    assert Shift.objects.get().end.isoformat() == "14:00:00"
    mine = api_as(personas.nurse).get(f"{BASE}/shifts", {"day": "2026-06-16"}).json()
    assert [s["provider_id"] for s in mine["items"]] == [city.nurse.pk]
    assert mine["default"] == {
        "start": "08:00:00",
        "end": "18:00:00",
        "break_earliest": "11:30:00",
        "break_latest": "13:00:00",
        "break_minutes": 30,
    }
    assert api_as(personas.caregiver).get(f"{BASE}/shifts").json()["items"] == []
    nurse_put = api_as(personas.nurse).put(path, body)
    assert nurse_put.status_code == 404
