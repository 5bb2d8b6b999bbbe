"""Institution admins and reviewers verify their own institution's providers."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.core.models import AuditEvent
from doorstep.workforce.models import Provider, VerificationEvent

pytestmark = pytest.mark.django_db


def test_list_shows_only_own_institution_awaiting(
    login_as: Any, personas: Any, pending_nurse: Any, other_pending_nurse: Any
) -> None:
    body = login_as(personas.reviewer).get("/providers/").content.decode()
    assert f'href="/providers/{pending_nurse.pk}/"' in body
    assert f'href="/providers/{other_pending_nurse.pk}/"' not in body
    assert "Nurse Chen" in body
    assert "Nurse B" not in body


def test_detail_shows_certificates_and_eligibility(
    login_as: Any, personas: Any, pending_nurse: Any
) -> None:
    body = login_as(personas.inst_admin).get(f"/providers/{pending_nurse.pk}/").content.decode()
    assert "NL-330203-0001" in body
    assert "Practising licence" in body
    assert "2099-12-31" in body
    # Submitted, not yet verified: clinical nursing explains why not.
    assert "The practice institution has not verified this provider." in body
    assert "Start review" in body


def test_detail_in_chinese(login_as: Any, personas: Any, pending_nurse: Any) -> None:
    client = login_as(personas.inst_admin, lang="zh-hans")
    body = client.get(f"/providers/{pending_nurse.pk}/").content.decode()
    assert "证书" in body
    assert "开始审核" in body


def test_other_institution_provider_is_404(
    login_as: Any, personas: Any, other_pending_nurse: Any
) -> None:
    client = login_as(personas.inst_admin)
    assert client.get(f"/providers/{other_pending_nurse.pk}/").status_code == 404
    response = client.post(f"/providers/{other_pending_nurse.pk}/decide/", {"decision": "start"})
    assert response.status_code == 404
    other_pending_nurse.refresh_from_db()
    assert other_pending_nurse.verification_status == "submitted"
    assert not VerificationEvent.objects.filter(
        provider=other_pending_nurse, to_status="under_review"
    ).exists()


def test_start_review_then_approve_with_htmx(
    login_as: Any, personas: Any, pending_nurse: Any
) -> None:
    client = login_as(personas.reviewer)
    url = f"/providers/{pending_nurse.pk}/decide/"
    started = client.post(url, {"decision": "start"}, HTTP_HX_REQUEST="true")
    assert started.status_code == 200
    assert "<html" not in started.content.decode()  # a partial, not a page
    assert "Under review" in started.content.decode()
    approved = client.post(url, {"decision": "approve"}, HTTP_HX_REQUEST="true")
    assert "The provider is verified." in approved.content.decode()
    provider = Provider.objects.get(pk=pending_nurse.pk)
    assert provider.verification_status == "verified"
    assert provider.verified_by_id == personas.reviewer.pk
    assert AuditEvent.objects.filter(
        action="provider.verified", object_id=str(provider.pk)
    ).exists()


def test_reject_needs_a_reason_and_changes_nothing_without_one(
    login_as: Any, personas: Any, pending_nurse: Any
) -> None:
    client = login_as(personas.inst_admin)
    url = f"/providers/{pending_nurse.pk}/decide/"
    client.post(url, {"decision": "start"}, HTTP_HX_REQUEST="true")
    events_before = VerificationEvent.objects.filter(provider=pending_nurse).count()
    empty = client.post(url, {"decision": "reject", "reason": "  "}, HTTP_HX_REQUEST="true")
    assert "Please give a reason for the rejection." in empty.content.decode()
    pending_nurse.refresh_from_db()
    assert pending_nurse.verification_status == "under_review"
    assert VerificationEvent.objects.filter(provider=pending_nurse).count() == events_before
    done = client.post(
        url, {"decision": "reject", "reason": "Licence scan unreadable"}, HTTP_HX_REQUEST="true"
    )
    assert "The provider is rejected." in done.content.decode()
    pending_nurse.refresh_from_db()
    assert pending_nurse.verification_status == "rejected"
    assert pending_nurse.rejection_reason == "Licence scan unreadable"


def test_approve_before_review_is_refused_without_change(
    login_as: Any, personas: Any, pending_nurse: Any
) -> None:
    client = login_as(personas.inst_admin)
    response = client.post(f"/providers/{pending_nurse.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This verification step is not allowed from the current status." in page
    pending_nurse.refresh_from_db()
    assert pending_nurse.verification_status == "submitted"
