"""Family members link to an elder and consent; the elder sees a masked profile."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.people.models import Consent, FamilyLink

from .conftest import ID_A, PHONE_A

pytestmark = pytest.mark.django_db


def _request_link(client: Any) -> Any:
    return client.post(
        "/family/link/",
        {"id_number": ID_A, "phone": PHONE_A, "relationship": "child"},
    )


def test_family_links_consents_elder_confirms_then_withdraws(
    client: Any, login_as: Any, personas: Any, elder_a: Any
) -> None:
    family = login_as(personas.family)
    response = _request_link(family)
    assert response.status_code == 302
    assert response["Location"] == f"/family/{elder_a.pk}/consent/"
    link = FamilyLink.objects.get(user=personas.family)
    assert link.status == "pending"

    page = family.get(response["Location"]).content.decode()
    assert "Personal Information Protection Law" in page
    refused = family.post(response["Location"], {})
    assert refused.status_code == 422
    assert "Tick the box to give your consent." in refused.content.decode()
    assert Consent.objects.count() == 0

    assert family.post(response["Location"], {"agree": "on"}).status_code == 302
    consent = Consent.objects.get(elder=elder_a)
    assert consent.purpose == "family_proxy_access"
    assert consent.grantee_id == personas.family.pk
    assert consent.policy_version == "2026-01"

    # The elder confirms on their own profile page: the link becomes active.
    family.post("/logout/")
    elder = login_as(personas.elder)
    assert elder.post(f"/me/links/{link.pk}/confirm/").status_code == 302
    link.refresh_from_db()
    assert link.status == "active"
    elder.post("/logout/")

    family = login_as(personas.family)
    body = family.get("/family/").content.decode()
    assert "王秀英" in body  # linked with consent: the name is shown
    assert "Active" in body
    assert family.post(f"/family/consents/{consent.pk}/withdraw/").status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert "王秀英" not in family.get("/family/").content.decode()  # masked again


def test_wrong_phone_links_nothing(login_as: Any, personas: Any, elder_a: Any) -> None:
    family = login_as(personas.family, lang="zh-hans")
    response = family.post(
        "/family/link/", {"id_number": ID_A, "phone": "13999999999", "relationship": "child"}
    )
    assert response.status_code == 422
    assert "没有与该身份证号和手机号匹配的老人" in response.content.decode()
    assert FamilyLink.objects.count() == 0


def test_family_cannot_consent_for_unlinked_elder(
    login_as: Any, personas: Any, elder_a: Any
) -> None:
    family = login_as(personas.family)
    assert family.get(f"/family/{elder_a.pk}/consent/").status_code == 404
    assert family.post(f"/family/{elder_a.pk}/consent/", {"agree": "on"}).status_code == 404
    assert Consent.objects.count() == 0


def test_other_family_cannot_withdraw_a_consent(login_as: Any, personas: Any, elder_a: Any) -> None:
    from doorstep.accounts.enums import Role
    from doorstep.accounts.models import Membership

    family = login_as(personas.family)
    _request_link(family)
    family.post(f"/family/{elder_a.pk}/consent/", {"agree": "on"})
    consent = Consent.objects.get()
    family.post("/logout/")
    Membership.objects.create(user=personas.nobody, role=Role.FAMILY)
    stranger = login_as(personas.nobody)
    assert stranger.post(f"/family/consents/{consent.pk}/withdraw/").status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_elder_profile_is_masked(login_as: Any, personas: Any, elder_a: Any) -> None:
    body = login_as(personas.elder).get("/me/").content.decode()
    assert "王秀英" in body
    assert "110***********002X" in body
    assert ID_A not in body
    assert "138****5678" in body
    assert PHONE_A not in body
    assert 'class="large-text"' in body  # first login of an elder: large text on


def test_elder_cannot_confirm_someone_elses_link(
    login_as: Any, personas: Any, elder_a: Any, elder_b: Any
) -> None:
    from doorstep.accounts.policy import Actor
    from doorstep.people import services

    link = services.request_family_link(
        actor=Actor.of(personas.family),
        id_number="330212193806150021",
        phone="13787654321",
        relationship="child",
        permissions=["view_record"],
    )
    elder = login_as(personas.elder)
    assert elder.post(f"/me/links/{link.pk}/confirm/").status_code == 404
    link.refresh_from_db()
    assert link.confirmed_at is None
