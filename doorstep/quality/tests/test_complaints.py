"""Complaints: filing, deadlines, handling by the quality officer, escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.core.errors import Forbidden, NotFound
from doorstep.core.models import AuditEvent
from doorstep.quality import selectors, services, tasks
from doorstep.quality.errors import (
    DescriptionRequired,
    IllegalTransition,
    InvalidChoice,
    OutcomeRequired,
)
from doorstep.quality.models import Complaint, QualityReview

from .conftest import NOW, SHANGHAI, actor, link_family, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(frozen: Any, world: Any, elder_a: Any, staff: Any) -> Any:
    return make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)


def file(user: Any, visit: Any, category: str = "punctuality", **kw: Any) -> Complaint:
    return services.file_complaint(
        actor=actor(user),
        order=visit.order,
        visit=visit,
        category=category,
        description=kw.pop("description", "护士迟到一个小时"),
        **kw,
    )


def test_elder_files_with_a_three_working_day_deadline(
    visit: Any, personas: Any, staff: Any
) -> None:
    c = file(personas.elder, visit)
    assert (c.status, c.institution_id, c.provider_id, c.on_behalf) == (
        "open",
        visit.order.institution_id,
        staff.nurse.pk,
        False,
    )
    # filed Monday 10:00 -> due Thursday 10:00
    assert c.deadline == dt.datetime(2026, 6, 18, 10, 0, tzinfo=SHANGHAI)
    assert QualityReview.objects.count() == 0


def test_safety_complaint_is_due_in_24_hours_and_opens_a_review(visit: Any, personas: Any) -> None:
    link_family(personas, visit.order.elder)
    c = file(personas.family, visit, "safety", description="护士未戴手套处理伤口")
    assert c.deadline == NOW + dt.timedelta(hours=24)
    review = QualityReview.objects.get()
    assert (review.trigger, review.complaint_id, review.provider_id) == (
        "complaint",
        c.pk,
        visit.provider_id,
    )


def test_operator_files_on_behalf(visit: Any, personas: Any) -> None:
    assert file(personas.operator, visit).on_behalf is True


def test_strangers_and_bad_input(visit: Any, personas: Any, officers: Any) -> None:
    for user in (
        personas.nurse,
        personas.other_admin,
        officers.qo_b,
        personas.family,
        personas.nobody,
    ):
        with pytest.raises(NotFound):
            file(user, visit)
    with pytest.raises(InvalidChoice):
        file(personas.elder, visit, "rudeness")
    with pytest.raises(DescriptionRequired):
        file(personas.elder, visit, description="   ")
    assert Complaint.objects.count() == 0


def test_quality_officer_takes_and_resolves(
    visit: Any, personas: Any, officers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c = file(personas.elder, visit)
    with pytest.raises(Forbidden):
        services.take_complaint(actor=actor(personas.dispatcher), complaint=c)
    c = services.take_complaint(actor=actor(officers.qo_a), complaint=c)
    assert (c.status, c.handled_by_id) == ("in_progress", officers.qo_a.pk)
    with pytest.raises(IllegalTransition):
        services.take_complaint(actor=actor(officers.qo_a), complaint=c)
    with pytest.raises(OutcomeRequired):
        services.resolve_complaint(actor=actor(officers.qo_a), complaint=c, outcome="")
    with django_capture_on_commit_callbacks(execute=True):
        c = services.resolve_complaint(
            actor=actor(officers.qo_a), complaint=c, outcome="已致歉并培训"
        )
    assert (c.status, c.outcome, c.resolved_at) == ("resolved", "已致歉并培训", NOW)
    note = personas.elder.notifications.get(kind="quality.complaint.closed")
    assert note.body_zh == "处理结果：已致歉并培训"
    with pytest.raises(IllegalTransition):
        services.resolve_complaint(
            actor=actor(officers.qo_a), complaint=c, outcome="again", upheld=False
        )
    assert Complaint.objects.get().status == "resolved"


def test_other_institution_cannot_handle(visit: Any, personas: Any, officers: Any) -> None:
    c = file(personas.elder, visit)
    with pytest.raises(Forbidden):
        services.take_complaint(actor=actor(officers.qo_b), complaint=c)
    assert selectors.complaints_visible_to(actor(officers.qo_b)).count() == 0
    assert selectors.complaints_visible_to(actor(officers.qo_a)).get() == c


def test_overdue_complaints_are_escalated_by_the_task(
    frozen: Any, visit: Any, personas: Any, officers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    normal = file(personas.elder, visit)  # due Thursday 10:00
    safety = file(personas.elder, visit, "safety")  # due Tuesday 10:00
    done = file(personas.elder, visit, "billing")
    services.resolve_complaint(actor=actor(officers.qo_a), complaint=done, outcome="已退款")
    frozen.at = NOW + dt.timedelta(hours=23, minutes=59)
    assert list(selectors.overdue_complaints()) == []
    assert tasks.escalate_overdue_complaints() == {"escalated": 0}
    frozen.at = NOW + dt.timedelta(hours=24, minutes=1)
    assert list(selectors.overdue_complaints()) == [safety]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.escalate_overdue_complaints() == {"escalated": 1}
    safety.refresh_from_db()
    normal.refresh_from_db()
    assert (safety.status, safety.escalated_at, normal.status) == ("escalated", frozen.at, "open")
    assert AuditEvent.objects.filter(action="complaint.escalate", object_id=str(safety.pk)).exists()
    assert officers.qo_a.notifications.filter(kind="quality.complaint.escalated").count() == 1
    assert personas.inst_admin.notifications.filter(kind="quality.complaint.escalated").count() == 1
    # escalated is still handled
    safety = services.take_complaint(actor=actor(officers.qo_a), complaint=safety)
    assert safety.status == "in_progress"
    frozen.at = dt.datetime(2026, 6, 18, 10, 1, tzinfo=SHANGHAI)
    assert tasks.escalate_overdue_complaints() == {"escalated": 2}  # normal + taken safety
    assert tasks.escalate_overdue_complaints() == {"escalated": 0}


def test_api_complaints(visit: Any, api_as: Any, personas: Any, officers: Any) -> None:
    r = api_as(personas.elder).post(
        "/api/v1/complaints",
        {"visit_id": visit.pk, "category": "attitude", "description": "态度不好"},
    )
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert (r.json()["order_id"], r.json()["overdue"], r.json()["category_label"]) == (
        visit.order_id,
        False,
        "Attitude",
    )
    assert [c["id"] for c in api_as(officers.qo_a).get("/api/v1/complaints").json()["items"]] == [
        cid
    ]
    assert api_as(officers.qo_b).get("/api/v1/complaints").json()["items"] == []
    assert api_as(officers.qo_b).get(f"/api/v1/complaints/{cid}").status_code == 404
    assert api_as(officers.qo_b).post(f"/api/v1/complaints/{cid}/take").status_code == 404
    took = api_as(officers.qo_a).post(f"/api/v1/complaints/{cid}/take")
    assert (took.status_code, took.json()["status"]) == (200, "in_progress")
    done = api_as(officers.qo_a).post(
        f"/api/v1/complaints/{cid}/resolve", {"outcome": "投诉不成立", "upheld": False}
    )
    assert (done.status_code, done.json()["status"]) == (200, "rejected")
    again = api_as(officers.qo_a, lang="zh-hans").post(f"/api/v1/complaints/{cid}/take")
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")
    assert api_as(personas.elder).get(f"/api/v1/complaints/{cid}").json()["outcome"] == "投诉不成立"
    missing = api_as(personas.elder).post(
        "/api/v1/complaints", {"category": "other", "description": "x"}
    )
    assert missing.status_code == 404
    assert Complaint.objects.count() == 1


def test_api_overdue_filter(
    frozen: Any, visit: Any, api_as: Any, personas: Any, officers: Any
) -> None:
    safety = file(personas.elder, visit, "safety")
    file(personas.elder, visit)
    frozen.at = NOW + dt.timedelta(hours=30)
    rows = api_as(officers.qo_a).get("/api/v1/complaints", {"overdue": "true"}).json()["items"]
    assert [(c["id"], c["overdue"]) for c in rows] == [(safety.pk, True)]


def test_list_query_count_does_not_grow_with_rows(
    visit: Any, api_as: Any, personas: Any, officers: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(officers.qo_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/complaints").status_code == 200
            assert client.get("/api/v1/quality-reviews").status_code == 200
        return len(ctx.captured_queries)

    file(personas.elder, visit, "safety")
    queries()  # warm-up: the first request of a token also records its use
    one = queries()
    for _ in range(5):
        file(personas.elder, visit, "safety")
    assert queries() == one
