"""Un-assign (assigned -> awaiting_dispatch): the institution's dispatcher takes a visit
back before the provider sets off, with a reason; the provider is told; too late, another
institution, no reason or the wrong role change nothing (issue 4, ADR 0013/0019)."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.core.errors import Forbidden
from doorstep.core.models import AuditEvent
from doorstep.notifications.models import Notification
from doorstep.orders import errors, services
from doorstep.orders.models import Visit, VisitEvent

from .conftest import assigned, dispatchable, fresh

pytestmark = pytest.mark.django_db


def _state(visit: Visit) -> tuple[Any, ...]:
    row = fresh(visit)
    return (
        row.status,
        row.provider_id,
        row.assigned_at,
        VisitEvent.objects.filter(visit=visit).count(),
        AuditEvent.objects.filter(action="visit.unassigned").count(),
        Notification.objects.filter(kind="orders.visit_unassigned").count(),
    )


def test_dispatcher_takes_an_assigned_visit_back(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Given a visit assigned to the nurse, when the dispatcher un-assigns it with a
    reason, then it awaits dispatch without a provider, the timeline and the audit log say
    who, from, to and why, the nurse is told, and it can be assigned again."""
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    dispatcher = Actor.of(personas.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        out = services.unassign_provider(
            actor=dispatcher, visit=visit, reason="  The nurse is needed at a fall.  "
        )
    row = fresh(out)
    assert (row.status, row.provider_id, row.assigned_at, row.pool_published_at) == (
        "awaiting_dispatch",
        None,
        None,
        None,
    )
    event = VisitEvent.objects.filter(visit=visit).order_by("-id").first()
    assert event is not None
    assert (event.from_status, event.to_status, event.actor_id, event.reason) == (
        "assigned",
        "awaiting_dispatch",
        personas.dispatcher.pk,
        "The nurse is needed at a fall.",
    )
    assert event.details == {
        "provider": providers.nurse.pk,
        "second_providers": [],
        "via": "unassign",
    }
    audit = AuditEvent.objects.get(action="visit.unassigned")
    assert (audit.object_type, audit.object_id, audit.actor_id) == (
        "visit",
        str(visit.pk),
        personas.dispatcher.pk,
    )
    assert sorted(audit.changed_fields) == [
        "assigned_at",
        "pool_published_at",
        "provider",
        "status",
    ]
    assert audit.details == {
        "from": "assigned",
        "to": "awaiting_dispatch",
        "order": visit.order_id,
    }
    told = Notification.objects.get(kind="orders.visit_unassigned")
    assert (told.recipient_id, told.body_en, told.link) == (
        personas.nurse.pk,
        "The nurse is needed at a fall.",
        f"/visits/{visit.pk}",
    )
    again = services.assign_provider(actor=dispatcher, visit=row, provider=providers.caregiver)
    assert (again.status, again.provider_id) == ("assigned", providers.caregiver.pk)


def test_unassign_over_the_api(
    api_as: Any, personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    r = api_as(personas.dispatcher).post(
        f"/api/v1/visits/{visit.pk}/unassign", {"reason": "Swap with the caregiver."}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["id"], body["status"], body["provider_id"]) == (
        visit.pk,
        "awaiting_dispatch",
        None,
    )
    assert body["timeline"][-1]["reason"] == "Swap with the caregiver."


def test_en_route_is_too_late_409_and_nothing_changes(
    api_as: Any, personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    services.start_travel(actor=Actor.of(personas.nurse), visit=visit)
    before = _state(visit)
    assert before[:2] == ("en_route", providers.nurse.pk)
    r = api_as(personas.dispatcher, lang="zh-hans").post(
        f"/api/v1/visits/{visit.pk}/unassign", {"reason": "Too late?"}
    )
    assert r.status_code == 409, r.content
    assert r.json()["code"] == "unassign_not_allowed"
    assert r.json()["details"] == {"from": "en_route"}
    assert r.json()["message"] == "只有服务人员尚未出发的已指派上门可以收回。"
    assert _state(visit) == before


def test_a_visit_not_assigned_cannot_be_unassigned(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any
) -> None:
    visit = dispatchable(personas, world, elder_a, catalog.companion)
    before = _state(visit)
    with pytest.raises(errors.NotUnassignable):
        services.unassign_provider(
            actor=Actor.of(personas.dispatcher), visit=visit, reason="Nothing to take back."
        )
    assert _state(visit) == before


def test_reason_is_required_and_nothing_changes(
    api_as: Any, personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    before = _state(visit)
    r = api_as(personas.dispatcher).post(f"/api/v1/visits/{visit.pk}/unassign", {"reason": "  "})
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "reason_required"
    assert _state(visit) == before


def test_other_institution_gets_404_and_others_403_without_change(
    api_as: Any, personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any
) -> None:
    """A second institution's admin cannot see the visit (404); the assigned nurse and the
    elder see it but may not take it back (403); nothing changes."""
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    before = _state(visit)
    url = f"/api/v1/visits/{visit.pk}/unassign"
    assert api_as(personas.other_admin).post(url, {"reason": "x"}).status_code == 404
    assert api_as(personas.nurse).post(url, {"reason": "x"}).status_code == 403
    assert api_as(personas.elder).post(url, {"reason": "x"}).status_code == 403
    with pytest.raises(Forbidden):
        services.unassign_provider(actor=Actor.of(personas.other_admin), visit=visit, reason="x")
    assert _state(visit) == before
