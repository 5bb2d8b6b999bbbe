"""The /api/v1/providers endpoints through real HTTP calls with bearer tokens.

Institution A: admin_a, reviewer_a, dispatcher_a, nurse_chen, caregiver_zhao.
Institution B: admin_b, nurse_b. regulator_d1 watches district 1 (institution A),
regulator_d2 district 2 (institution B).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.accounts.models import User
from doorstep.workforce.enums import VerificationStatus as V
from doorstep.workforce.models import Certificate, Provider, VerificationEvent

from .helpers import licence, set_status

pytestmark = pytest.mark.django_db


def url(provider: Provider, tail: str = "") -> str:
    return f"/api/v1/providers/{provider.pk}{tail}"


def state(provider: Provider) -> tuple[Any, ...]:
    provider.refresh_from_db()
    return (
        provider.verification_status,
        provider.verified_at,
        provider.rejection_reason,
        provider.title,
        VerificationEvent.objects.filter(provider=provider).count(),
    )


def test_workflow_over_http_and_history(api_as: Any, personas: Any, staff: Any) -> None:
    nurse = staff.nurse
    licence(nurse, expires_on=dt.date(2030, 12, 31))
    assert api_as(personas.nurse).post(url(nurse, "/submit")).json()["verification_status"] == (
        "submitted"
    )
    reviewer = api_as(personas.reviewer)
    assert reviewer.post(url(nurse, "/review")).json()["verification_status"] == "under_review"
    body = reviewer.post(url(nurse, "/verify")).json()
    assert body["verification_status"] == "verified"
    assert body["verified_by_id"] == personas.reviewer.pk

    history = api_as(personas.nurse).get(url(nurse, "/history")).json()
    assert [(h["from_status"], h["to_status"], h["actor_name"], h["reason"]) for h in history] == [
        ("draft", "submitted", "Nurse Chen", ""),
        ("submitted", "under_review", "Reviewer A", ""),
        ("under_review", "verified", "Reviewer A", ""),
    ]


def test_reject_over_http(api_as: Any, personas: Any, staff: Any) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    response = api_as(personas.inst_admin).post(
        url(nurse, "/reject"), {"reason": "Certificate photo unreadable."}
    )
    assert response.status_code == 200
    assert response.json()["verification_status"] == "rejected"
    assert response.json()["rejection_reason"] == "Certificate photo unreadable."
    history = api_as(personas.inst_admin).get(url(nurse, "/history")).json()
    assert [(h["to_status"], h["reason"]) for h in history] == [
        ("rejected", "Certificate photo unreadable.")
    ]


def test_approving_another_institutions_nurse_is_404_and_changes_nothing(
    api_as: Any, personas: Any, staff: Any
) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    before = state(nurse)
    other = api_as(personas.other_admin)
    for tail, data in (
        ("/verify", None),
        ("/reject", {"reason": "no"}),
        ("/review", None),
        ("/submit", None),
    ):
        response = other.post(url(nurse, tail), data)
        assert response.status_code == 404, tail
        assert response.json()["code"] == "not_found"
    assert other.get(url(nurse)).status_code == 404
    assert other.get(url(nurse, "/history")).status_code == 404
    assert other.get(url(nurse, "/certificates")).status_code == 404
    assert other.get(url(nurse, "/eligibility")).status_code == 404
    assert other.patch(url(nurse), {"title": "chief_nurse"}).status_code == 404
    assert other.post(url(nurse, "/certificates"), {"kind": "first_aid"}).status_code == 404
    assert state(nurse) == before
    assert not Certificate.objects.filter(provider=nurse).exists()


def test_regulator_outside_region_gets_404(api_as: Any, personas: Any, staff: Any) -> None:
    assert api_as(personas.regulator).get(url(staff.nurse)).status_code == 200
    assert api_as(personas.other_regulator).get(url(staff.nurse)).status_code == 404
    assert api_as(personas.other_regulator).get(url(staff.other_nurse)).status_code == 200


def test_verify_without_licence_is_422(api_as: Any, personas: Any, staff: Any) -> None:
    Provider.objects.filter(pk=staff.nurse.pk).update(licence_number=None)
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    before = state(nurse)
    response = api_as(personas.inst_admin).post(url(nurse, "/verify"))
    assert response.status_code == 422
    assert response.json()["code"] == "licence_required"
    assert state(nurse) == before


def test_illegal_transition_is_409(api_as: Any, personas: Any, staff: Any) -> None:
    before = state(staff.nurse)
    response = api_as(personas.inst_admin).post(url(staff.nurse, "/verify"))
    assert response.status_code == 409
    assert response.json() == {
        "code": "illegal_transition",
        "message": "This verification step is not allowed from the current status.",
        "details": {"from": "draft", "to": "verified"},
    }
    assert state(staff.nurse) == before


def test_error_message_in_simplified_chinese(api_as: Any, personas: Any, staff: Any) -> None:
    response = api_as(personas.inst_admin, lang="zh-hans").post(url(staff.nurse, "/verify"))
    assert response.status_code == 409
    assert response.json()["message"] == "当前状态下不能执行此审核步骤。"


def test_dispatcher_sees_but_cannot_verify(api_as: Any, personas: Any, staff: Any) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    client = api_as(personas.dispatcher)
    assert client.get(url(nurse)).status_code == 200
    response = client.post(url(nurse, "/verify"))
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert state(nurse)[0] == V.UNDER_REVIEW


def test_list_is_scoped_filtered_and_paginated(api_as: Any, personas: Any, staff: Any) -> None:
    def ids(user: Any, **params: Any) -> list[int]:
        body = api_as(user).get("/api/v1/providers", params or None).json()
        return [p["id"] for p in body["items"]]

    a, b = [staff.nurse.pk, staff.caregiver.pk], [staff.other_nurse.pk]
    assert ids(personas.inst_admin) == a
    assert ids(personas.other_admin) == b
    assert ids(personas.platform_admin) == a + b
    assert ids(personas.regulator) == a
    assert ids(personas.nurse) == [staff.nurse.pk]
    assert ids(personas.elder) == []
    assert ids(personas.platform_admin, kind="caregiver") == [staff.caregiver.pk]
    assert (
        ids(
            personas.platform_admin,
            institution=personas.other_admin.memberships.get().institution_id,
        )
        == b
    )
    assert ids(personas.platform_admin, q="nur-b-0001") == b
    assert ids(personas.platform_admin, q="chen") == [staff.nurse.pk]
    set_status(staff.caregiver, V.SUBMITTED)
    assert ids(personas.inst_admin, status="submitted") == [staff.caregiver.pk]
    page = api_as(personas.platform_admin).get("/api/v1/providers", {"limit": 1, "offset": 1})
    assert page.json()["count"] == 3
    assert [p["id"] for p in page.json()["items"]] == [staff.caregiver.pk]


def test_list_query_count_does_not_grow_with_rows(
    api_as: Any, personas: Any, staff: Any, world: Any
) -> None:
    client = api_as(personas.platform_admin)
    client.get("/api/v1/providers")  # warm caches (token lookup, content types)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/providers")
    for i in range(5):
        user = User.objects.create_user(username=f"extra_nurse_{i}")
        Provider.objects.create(user=user, kind="nurse", institution=world.inst_a)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/api/v1/providers")
    assert response.json()["count"] == 8
    assert len(large.captured_queries) == len(small.captured_queries)


def test_detail_masks_home_for_regulator(api_as: Any, personas: Any, staff: Any) -> None:
    own = api_as(personas.nurse).get(url(staff.nurse)).json()
    assert (own["home_lat"], own["home_lng"]) == (29.861234, 121.54321)
    seen = api_as(personas.regulator).get(url(staff.nurse)).json()
    assert (seen["home_lat"], seen["home_lng"]) == (29.86, 121.54)
    assert own["years_of_practice"] == 11
    assert (own["title"], own["title_rank"]) == ("senior_nurse", 2)


def test_create_update_and_certificates(api_as: Any, personas: Any, world: Any, staff: Any) -> None:
    admin = api_as(personas.inst_admin)
    response = admin.post(
        "/api/v1/providers",
        {
            "user_id": personas.operator.pk,
            "kind": "nurse",
            "institution_id": world.inst_a.pk,
            "licence_number": "NUR-A-0042",
            "title": "supervising_nurse",
            "practice_start_date": "2012-09-01",
            "languages": ["zh"],
            "transport_mode": "bicycle",
        },
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["verification_status"], created["years_of_practice"]) == ("draft", 13)

    duplicate = admin.post(
        "/api/v1/providers",
        {
            "user_id": personas.elder.pk,
            "kind": "nurse",
            "institution_id": world.inst_a.pk,
            "licence_number": "nur-a-0042",
        },
    )
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "licence_taken")
    assert not Provider.objects.filter(user=personas.elder).exists()

    bad_title = admin.post(
        "/api/v1/providers",
        {
            "user_id": personas.elder.pk,
            "kind": "caregiver",
            "institution_id": world.inst_a.pk,
            "title": "chief_nurse",
        },
    )
    assert (bad_title.status_code, bad_title.json()["code"]) == (422, "title_not_allowed")

    patched = admin.patch(f"/api/v1/providers/{created['id']}", {"service_radius_km": 3})
    assert patched.json()["service_radius_km"] == 3.0

    cert = admin.post(
        f"/api/v1/providers/{created['id']}/certificates",
        {
            "kind": "specialist_picc",
            "number": "PICC-7",
            "issued_on": "2024-01-01",
            "expires_on": "2028-12-31",
        },
    )
    assert cert.status_code == 201
    assert (cert.json()["kind"], cert.json()["status"]) == ("specialist_picc", "valid")
    listed = api_as(personas.operator).get(f"/api/v1/providers/{created['id']}/certificates")
    assert [c["number"] for c in listed.json()] == ["PICC-7"]

    backwards = admin.post(
        f"/api/v1/providers/{created['id']}/certificates",
        {"kind": "first_aid", "issued_on": "2024-01-01", "expires_on": "2023-01-01"},
    )
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_dates")
    assert Certificate.objects.filter(provider_id=created["id"]).count() == 1


def test_self_registration_and_no_user_oracle(api_as: Any, personas: Any) -> None:
    me = api_as(personas.family)
    response = me.post("/api/v1/providers", {"user_id": personas.family.pk, "kind": "volunteer"})
    assert response.status_code == 201
    assert response.json()["institution_id"] is None
    for user_id in (personas.elder.pk, 999_999):
        other = me.post("/api/v1/providers", {"user_id": user_id, "kind": "volunteer"})
        assert (other.status_code, other.json()["code"]) == (403, "forbidden")


def test_eligibility_endpoint(api_as: Any, personas: Any, staff: Any, today: dt.date) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    licence(nurse, expires_on=dt.date(2030, 1, 1))
    client = api_as(personas.dispatcher)
    ok = client.get(url(nurse, "/eligibility"), {"preset": "clinical_nursing"}).json()
    assert ok == {
        "provider_id": nurse.pk,
        "preset": "clinical_nursing",
        "on": "2026-06-15",
        "allowed": True,
        "reasons": [],
    }
    caregiver = client.get(url(staff.caregiver, "/eligibility")).json()
    assert [r["code"] for r in caregiver["reasons"]] == [
        "wrong_provider_kind",
        "not_verified",
        "licence_missing",
        "title_too_low",
        "too_few_years",
    ]
    assert caregiver["reasons"][0]["message"] == "This service is performed by: Nurse."
    zh = api_as(personas.dispatcher, lang="zh-hans").get(url(staff.caregiver, "/eligibility"))
    assert zh.json()["reasons"][3]["message"] == "需要护师或以上职称。"
    unknown = client.get(url(nurse, "/eligibility"), {"preset": "brain_surgery"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_preset")


def test_clearing_the_licence_of_a_verified_nurse_requires_reverification(
    api_as: Any, personas: Any, staff: Any
) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    response = api_as(personas.inst_admin).patch(url(nurse), {"licence_number": ""})
    assert response.status_code == 200
    assert (response.json()["licence_number"], response.json()["verification_status"]) == (
        None,
        "reverification_required",
    )


def test_null_for_a_required_field_is_422_and_changes_nothing(
    api_as: Any, personas: Any, staff: Any
) -> None:
    response = api_as(personas.nurse).patch(
        url(staff.nurse), {"service_radius_km": None, "languages": ["zh"]}
    )
    assert response.status_code == 422
    assert response.json()["details"] == {"null_fields": ["service_radius_km"]}
    staff.nurse.refresh_from_db()
    assert (staff.nurse.service_radius_km, staff.nurse.languages) == (5.0, [])


def test_openapi_lists_the_provider_routes(api_as: Any, personas: Any) -> None:
    paths = set(api_as(personas.platform_admin).get("/api/v1/openapi.json").json()["paths"])
    assert {
        "/api/v1/providers",
        "/api/v1/providers/{provider_id}",
        "/api/v1/providers/{provider_id}/certificates",
        "/api/v1/providers/{provider_id}/submit",
        "/api/v1/providers/{provider_id}/review",
        "/api/v1/providers/{provider_id}/verify",
        "/api/v1/providers/{provider_id}/reject",
        "/api/v1/providers/{provider_id}/history",
        "/api/v1/providers/{provider_id}/eligibility",
    } <= paths
