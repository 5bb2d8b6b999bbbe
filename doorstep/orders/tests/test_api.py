"""The orders API end to end: book -> assess -> pay -> pool -> EVV -> record -> co-sign,
the timeline for the elder and family, isolation between institutions, errors in
Chinese."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from doorstep.core.models import AuditEvent
from doorstep.orders.models import Order, Visit, VisitEvent

from .conftest import GOOD_VALUES, HOME, NEAR_500M, assessment_of, at

pytestmark = pytest.mark.django_db


def book(api: Any, elder: Any, world: Any, item: Any, hours: float = 2) -> Any:
    return api.post(
        "/api/v1/orders",
        {
            "elder_id": elder.pk,
            "institution_id": world.inst_a.pk,
            "item_id": item.pk,
            "window_start": at(hours).isoformat(),
            "need_text": "换药",
        },
    )


def test_the_whole_loop_over_http(
    api_as: Any,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
    family_link: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    family, reviewer = api_as(personas.family), api_as(personas.reviewer)
    dispatcher, nurse = api_as(personas.dispatcher), api_as(personas.nurse)
    r = book(family, elder_a, world, catalog.dressing)
    assert r.status_code == 201, r.content
    order = r.json()
    assert (order["status"], order["channel"], order["payment_mode"]) == ("open", "app", "prepay")
    visit_id = order["visits"][0]["id"]
    assert order["visits"][0]["status"] == "awaiting_assessment"
    queue = reviewer.get("/api/v1/assessments", {"decision": "pending"}).json()["items"]
    assert len(queue) == 1
    r = reviewer.post(
        f"/api/v1/assessments/{queue[0]['id']}/decide",
        {"decision": "accepted", "notes": "OK", "risk_flags": ["infection_risk"]},
    )
    assert r.status_code == 200, r.content
    r = api_as(personas.elder).post(
        f"/api/v1/orders/{order['id']}/payments", {"method": "card", "receipt_no": "C-1"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["amount_fen"] == order["total_fen"]
    assert dispatcher.post(f"/api/v1/visits/{visit_id}/publish").status_code == 200
    pool = nurse.get("/api/v1/visits/pool").json()["items"]
    assert [p["visit_id"] for p in pool] == [visit_id]
    assert "infection_risk" in pool[0]["risk_flags"]
    assert "address" not in pool[0]
    assert "elder_id" not in pool[0]
    assert nurse.get(f"/api/v1/visits/{visit_id}").status_code == 404  # not yet hers
    r = nurse.post(f"/api/v1/visits/{visit_id}/accept")
    assert r.status_code == 200, r.content
    assert r.json()["address"] == "尹江路 12 弄 3 号 502 室"
    assert nurse.post(f"/api/v1/visits/{visit_id}/start-travel", {}).status_code == 200
    frozen.now = at(2)
    r = nurse.post(
        f"/api/v1/visits/{visit_id}/check-in", {"lat": NEAR_500M[0], "lng": NEAR_500M[1]}
    )
    assert r.status_code == 200, r.content
    assert r.json()["checks"][0]["flagged"] is True
    assert nurse.post(f"/api/v1/visits/{visit_id}/start").status_code == 200
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0" + b"1" * 64).decode()
    r = nurse.post(
        f"/api/v1/visits/{visit_id}/photos",
        {"key": "wound_photo", "content_type": "image/jpeg", "data_base64": jpeg},
    )
    assert r.status_code == 201, r.content
    r = nurse.post(f"/api/v1/visits/{visit_id}/check-out", {"lat": HOME[0], "lng": HOME[1]})
    assert (r.status_code, r.json()["code"]) == (422, "record_incomplete")
    r = nurse.post(f"/api/v1/visits/{visit_id}/record", {"values": GOOD_VALUES, "notes": "ok"})
    assert r.status_code == 200, r.content
    r = nurse.post(f"/api/v1/visits/{visit_id}/check-out", {"lat": HOME[0], "lng": HOME[1]})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "completed"
    r = family.post(f"/api/v1/visits/{visit_id}/co-sign", {"method": "app"})
    assert r.status_code == 201, r.content
    assert r.json()["cosigned_by"] == [personas.family.pk]
    # the timeline, as the elder and the family see it
    for who in (personas.elder, personas.family):
        detail = api_as(who).get(f"/api/v1/orders/{order['id']}").json()
        assert detail["status"] == "completed"
        steps = [e["to_status"] for e in detail["timeline"]]
        assert steps == [
            "requested",
            "awaiting_assessment",
            "accepted",
            "awaiting_payment",
            "awaiting_dispatch",
            "awaiting_dispatch",
            "assigned",
            "en_route",
            "arrived",
            "in_service",
            "completed",
        ]
        arrived = next(e for e in detail["timeline"] if e["to_status"] == "arrived")
        assert arrived["actor_id"] == personas.nurse.pk
    # the record appears in the elder's record, for the elder, the family and staff
    for who in (personas.elder, personas.family, personas.reviewer):
        page = api_as(who).get(f"/api/v1/elders/{elder_a.pk}/service-records").json()
        assert page["count"] == 1
        record = page["items"][0]
        assert (record["visit_id"], record["notes"]) == (visit_id, "ok")
        assert record["values"]["systolic"]["value"] == 132
        assert record["values"]["systolic"]["unit"] == "mm[Hg]"
        assert record["values"]["systolic"]["loinc"] == "8480-6"
    hidden = api_as(personas.other_admin).get(f"/api/v1/elders/{elder_a.pk}/service-records")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")


def test_institution_b_cannot_see_or_change_a_orders(
    api_as: Any,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    order = book(api_as(personas.elder), elder_a, world, catalog.companion).json()
    visit_id = order["visits"][0]["id"]
    other = api_as(personas.other_admin)
    assert other.get("/api/v1/orders").json()["items"] == []
    assert other.get("/api/v1/visits").json()["items"] == []
    before = (VisitEvent.objects.count(), AuditEvent.objects.count())
    for method, path, body in (
        ("get", f"/api/v1/orders/{order['id']}", None),
        ("post", f"/api/v1/orders/{order['id']}/cancel", {"reason": "x"}),
        ("post", f"/api/v1/orders/{order['id']}/payments", {"method": "cash"}),
        ("get", f"/api/v1/visits/{visit_id}", None),
        ("post", f"/api/v1/visits/{visit_id}/publish", None),
        ("post", f"/api/v1/visits/{visit_id}/assign", {"provider_id": providers.other_nurse.pk}),
        (
            "post",
            f"/api/v1/visits/{visit_id}/reschedule",
            {"window_start": at(30).isoformat(), "reason": "x"},
        ),
    ):
        r = getattr(other, method)(path, body) if body is not None else getattr(other, method)(path)
        assert (path, r.status_code, r.json()["code"]) == (path, 404, "not_found")
    assert (VisitEvent.objects.count(), AuditEvent.objects.count()) == before
    assert Visit.objects.get(pk=visit_id).status == "awaiting_payment"
    # A's dispatcher cannot assign B's nurse either: 404
    api_as(personas.elder).post(f"/api/v1/orders/{order['id']}/payments", {"method": "card"})
    r = api_as(personas.dispatcher).post(
        f"/api/v1/visits/{visit_id}/assign", {"provider_id": providers.other_nurse.pk}
    )
    assert r.status_code == 404


def test_illegal_transition_message_in_chinese(
    api_as: Any,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    order = book(api_as(personas.elder), elder_a, world, catalog.companion).json()
    visit_id = order["visits"][0]["id"]
    before = VisitEvent.objects.count()
    r = api_as(personas.dispatcher, lang="zh-hans").post(f"/api/v1/visits/{visit_id}/publish")
    assert r.status_code == 409
    assert r.json()["code"] == "illegal_transition"
    assert r.json()["message"] == "当前状态下不允许此操作。"
    assert r.json()["details"] == {"from": "awaiting_payment", "to": "pool"}
    assert VisitEvent.objects.count() == before


def test_assignment_refusal_reasons_over_http(
    api_as: Any,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    elder = api_as(personas.elder)
    order = book(elder, elder_a, world, catalog.dressing).json()
    visit_id = order["visits"][0]["id"]
    a = assessment_of(Order.objects.get(pk=order["id"]).visits.get())
    api_as(personas.reviewer).post(f"/api/v1/assessments/{a.pk}/decide", {"decision": "accepted"})
    elder.post(f"/api/v1/orders/{order['id']}/payments", {"method": "card"})
    r = api_as(personas.dispatcher, lang="zh-hans").post(
        f"/api/v1/visits/{visit_id}/assign", {"provider_id": providers.caregiver.pk}
    )
    assert r.status_code == 409
    assert r.json()["code"] == "provider_not_eligible"
    codes = [x["code"] for x in r.json()["details"]["reasons"]]
    assert codes[:2] == ["wrong_provider_kind", "licence_missing"]
    r = api_as(personas.dispatcher).post(
        f"/api/v1/visits/{visit_id}/assign", {"provider_id": providers.nurse.pk}
    )
    assert r.status_code == 200
    assert r.json()["provider_id"] == providers.nurse.pk
    mine = api_as(personas.nurse).get("/api/v1/visits", {"mine": True}).json()["items"]
    assert [v["id"] for v in mine] == [visit_id]


def test_staff_reads_are_audited_patient_reads_are_not(
    api_as: Any, personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    order = book(api_as(personas.elder), elder_a, world, catalog.companion).json()
    visit_id = order["visits"][0]["id"]
    reads = AuditEvent.objects.filter(action="read")
    before = reads.count()
    assert api_as(personas.elder).get(f"/api/v1/orders/{order['id']}").status_code == 200
    assert reads.count() == before
    assert api_as(personas.dispatcher).get(f"/api/v1/orders/{order['id']}").status_code == 200
    assert api_as(personas.dispatcher).get(f"/api/v1/visits/{visit_id}").status_code == 200
    rows = list(reads.order_by("id").values_list("object_type", "object_id", "actor_id"))[before:]
    assert rows == [
        ("order", str(order["id"]), personas.dispatcher.pk),
        ("visit", str(visit_id), personas.dispatcher.pk),
    ]


def test_list_pages_do_not_grow_queries_with_rows(
    api_as: Any, personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    elder, dispatcher = api_as(personas.elder), api_as(personas.dispatcher)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert dispatcher.get(path).status_code == 200
        return len(ctx.captured_queries)

    book(elder, elder_a, world, catalog.companion, hours=2)
    queries("/api/v1/orders")  # warm-up: the first request of a token records its use
    few = (queries("/api/v1/orders"), queries("/api/v1/visits"))
    for hours in (5, 8, 11, 14):
        book(elder, elder_a, world, catalog.companion, hours=hours)
    many = (queries("/api/v1/orders"), queries("/api/v1/visits"))
    assert many == few


@pytest.mark.parametrize("who", ["elder", "family", "operator", "dispatcher", "inst_admin"])
def test_the_placed_order_answer_is_what_the_booker_reads_back(
    who: str,
    api_as: Any,
    personas: Any,
    elder_a: Any,
    world: Any,
    catalog: Any,
    family_link: Any,
    frozen: Any,
) -> None:
    """The 201 body is rendered without a second lookup: it must equal the order as the
    same person reads it (anyone who may book for the elder may see the order)."""
    api = api_as(getattr(personas, who))
    placed = book(api, elder_a, world, catalog.companion)
    assert placed.status_code == 201, placed.content
    again = api.get(f"/api/v1/orders/{placed.json()['id']}")
    assert again.status_code == 200
    assert _instants(again.json()) == _instants(placed.json())


def _instants(value: Any) -> Any:
    """JSON with every ISO datetime string turned into the instant it names (the body
    built in memory says +08:00 where the database read says Z)."""
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
        return dt.datetime.fromisoformat(value)
    return value
