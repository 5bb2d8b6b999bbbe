"""Family proxies: request by ID number + phone, confirmation, consent, withdrawal."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.core.models import AuditEvent
from doorstep.people.models import Consent, Elder, FamilyLink

from .conftest import ID_A, PHONE_A

pytestmark = pytest.mark.django_db

REQUEST = {
    "id_number": ID_A,
    "phone": PHONE_A,
    "relationship": "child",
    "permissions": ["view_record", "receive_alerts"],
}


def request_link(api_as: Any, personas: Any) -> dict[str, Any]:
    r = api_as(personas.family).post("/api/v1/family-links", REQUEST)
    assert r.status_code == 201, r.content
    return r.json()  # type: ignore[no-any-return]


def test_family_request_stays_pending_and_sees_nothing(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    link = request_link(api_as, personas)
    assert link["status"] == "pending"
    assert link["elder_name"] == "王**"
    assert link["permissions"] == ["view_record", "receive_alerts"]
    assert link["effective"] is False
    family = api_as(personas.family)
    assert family.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404
    assert family.get("/api/v1/elders").json()["count"] == 0


def test_request_with_a_wrong_phone_is_404_and_writes_nothing(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    api = api_as(personas.family)
    before = (FamilyLink.objects.count(), AuditEvent.objects.count())
    r = api.post("/api/v1/family-links", {**REQUEST, "phone": "13812345679"})
    assert r.status_code == 404
    assert (FamilyLink.objects.count(), AuditEvent.objects.count()) == before


def test_confirmation_without_consent_still_gives_no_access(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    link = request_link(api_as, personas)
    r = api_as(personas.elder).post(f"/api/v1/family-links/{link['id']}/confirm")
    assert r.status_code == 200
    assert r.json()["status"] == "pending"
    assert r.json()["confirmed_at"] is not None
    assert api_as(personas.family).get(f"/api/v1/elders/{elder_a.pk}").status_code == 404


def test_consent_without_confirmation_gives_no_access(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    link = request_link(api_as, personas)
    family = api_as(personas.family)
    r = family.post(
        f"/api/v1/elders/{elder_a.pk}/consents",
        {"purpose": "family_proxy_access", "policy_version": "2026-01"},
    )
    assert r.status_code == 201
    assert r.json()["grantee_user_id"] == personas.family.pk  # a proxy consents for itself only
    assert FamilyLink.objects.get(pk=link["id"]).status == "pending"
    assert family.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404


def test_confirmed_and_consented_link_gives_access_and_withdrawal_cuts_it(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    link = request_link(api_as, personas)
    elder_api = api_as(personas.elder)
    elder_api.post(f"/api/v1/family-links/{link['id']}/confirm")
    r = elder_api.post(
        f"/api/v1/elders/{elder_a.pk}/consents",
        {"purpose": "family_proxy_access", "policy_version": "2026-01"},
    )
    assert r.status_code == 201
    consent_id = r.json()["id"]
    assert FamilyLink.objects.get(pk=link["id"]).status == "active"

    family = api_as(personas.family)
    body = family.get(f"/api/v1/elders/{elder_a.pk}").json()
    assert body["full_name"] == "王秀英"
    assert body["id_number"] == "110***********002X"  # family never sees the full ID
    assert body["phone"] == PHONE_A
    mine = family.get("/api/v1/family-links").json()
    assert [(m["id"], m["effective"], m["elder_name"]) for m in mine] == [
        (link["id"], True, "王秀英")
    ]

    r = elder_api.post(f"/api/v1/consents/{consent_id}/withdraw")
    assert r.status_code == 200
    assert r.json()["is_active"] is False
    assert r.json()["withdrawn_by_user_id"] == personas.elder.pk
    assert family.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404
    assert family.get("/api/v1/elders").json()["count"] == 0
    consent = Consent.objects.get(pk=consent_id)  # kept, with its withdrawal
    assert consent.withdrawn_at is not None
    again = elder_api.post(f"/api/v1/consents/{consent_id}/withdraw")
    assert again.status_code == 409
    assert again.json()["code"] == "consent_already_withdrawn"


def test_family_cannot_confirm_their_own_request(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    link = request_link(api_as, personas)
    assert (
        api_as(personas.family).post(f"/api/v1/family-links/{link['id']}/confirm").status_code
        == 404
    )
    assert (
        api_as(personas.other_admin).post(f"/api/v1/family-links/{link['id']}/confirm").status_code
        == 404
    )
    assert FamilyLink.objects.get(pk=link["id"]).confirmed_at is None


def test_institution_staff_confirm_on_the_elders_behalf(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    link = request_link(api_as, personas)
    api_as(personas.inst_admin).post(
        f"/api/v1/elders/{elder_a.pk}/consents",
        {
            "purpose": "family_proxy_access",
            "policy_version": "2026-01",
            "grantee_user_id": personas.family.pk,
        },
    )
    r = api_as(personas.inst_admin).post(f"/api/v1/family-links/{link['id']}/confirm")
    assert r.json()["status"] == "active"
    assert r.json()["effective"] is True
    assert api_as(personas.family).get(f"/api/v1/elders/{elder_a.pk}").status_code == 200


def test_family_without_view_record_permission_sees_nothing(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    r = api_as(personas.family).post(
        "/api/v1/family-links", {**REQUEST, "permissions": ["receive_alerts"]}
    )
    link_id = r.json()["id"]
    elder_api = api_as(personas.elder)
    elder_api.post(f"/api/v1/family-links/{link_id}/confirm")
    elder_api.post(
        f"/api/v1/elders/{elder_a.pk}/consents",
        {"purpose": "family_proxy_access", "policy_version": "2026-01"},
    )
    assert FamilyLink.objects.get(pk=link_id).status == "active"
    assert api_as(personas.family).get(f"/api/v1/elders/{elder_a.pk}").status_code == 404


def test_revoked_link_gives_no_access(api_as: Any, personas: Any, elder_a: Elder) -> None:
    link = request_link(api_as, personas)
    elder_api = api_as(personas.elder)
    elder_api.post(f"/api/v1/family-links/{link['id']}/confirm")
    elder_api.post(
        f"/api/v1/elders/{elder_a.pk}/consents",
        {"purpose": "family_proxy_access", "policy_version": "2026-01"},
    )
    family = api_as(personas.family)
    assert family.get(f"/api/v1/elders/{elder_a.pk}").status_code == 200
    assert family.post(f"/api/v1/family-links/{link['id']}/revoke").json()["status"] == "revoked"
    assert family.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404
    # A new request may follow a revoked one.
    assert api_as(personas.family).post("/api/v1/family-links", REQUEST).status_code == 201


def test_second_request_while_pending_is_409(api_as: Any, personas: Any, elder_a: Elder) -> None:
    request_link(api_as, personas)
    r = api_as(personas.family).post("/api/v1/family-links", REQUEST)
    assert r.status_code == 409
    assert r.json()["code"] == "family_link_exists"
    assert FamilyLink.objects.count() == 1


def test_a_user_without_the_family_role_cannot_be_linked(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    r = api_as(personas.inst_admin).post(
        f"/api/v1/elders/{elder_a.pk}/family-links",
        {"user_id": personas.nobody.pk, "relationship": "child"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "not_a_family_member"
    assert not FamilyLink.objects.exists()


def test_family_may_record_only_their_own_proxy_consent(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    request_link(api_as, personas)
    r = api_as(personas.family).post(
        f"/api/v1/elders/{elder_a.pk}/consents",
        {"purpose": "health_data_processing", "policy_version": "2026-01"},
    )
    assert r.status_code == 403
    assert not Consent.objects.exists()


def test_stranger_cannot_record_or_withdraw_consent(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    consent = (
        api_as(personas.elder)
        .post(
            f"/api/v1/elders/{elder_a.pk}/consents",
            {"purpose": "health_data_processing", "policy_version": "2026-01"},
        )
        .json()
    )
    for user in (personas.family, personas.other_admin, personas.regulator):
        api = api_as(user)
        assert (
            api.post(
                f"/api/v1/elders/{elder_a.pk}/consents",
                {"purpose": "health_data_processing", "policy_version": "2026-01"},
            ).status_code
            == 404
        ), user.username
        assert api.post(f"/api/v1/consents/{consent['id']}/withdraw").status_code == 404
    assert Consent.objects.count() == 1
    assert Consent.objects.get().withdrawn_at is None
