"""Regulators' counts, the platform admins' audit log, and everyone's inbox."""

from __future__ import annotations

import re
from typing import Any

import pytest

from doorstep.core import audit
from doorstep.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_regulator_sees_own_district_with_children(
    login_as: Any, personas: Any, world: Any, pending_nurse: Any, elder_a: Any, elder_b: Any
) -> None:
    body = login_as(personas.regulator).get("/region/").content.decode()
    assert 'data-testid="total-elders">1<' in body  # elder_b lives in district 2
    assert "Region overview: Haishu" in body
    assert 'data-testid="total-institutions">1<' in body
    assert 'data-testid="total-providers">1<' in body
    assert "Nanmen Street" in body
    assert "Yinzhou" not in body


def test_regulator_drills_down_but_not_out(login_as: Any, personas: Any, world: Any) -> None:
    client = login_as(personas.regulator)
    assert client.get("/region/", {"region": world.street1.pk}).status_code == 200
    assert client.get("/region/", {"region": world.district2.pk}).status_code == 404
    assert client.get("/region/", {"region": world.city.pk}).status_code == 404
    assert client.get("/region/", {"region": "x"}).status_code == 404


def test_audit_log_filters_and_paginates(login_as: Any, personas: Any) -> None:
    for i in range(55):
        audit.record(actor=None, action="demo_event", object_type="thing", object_id=i)
    client = login_as(personas.platform_admin)
    first = client.get("/audit/", {"action": "demo_event"}).content.decode()
    assert "55 rows" in first
    assert "Page 1 of 2" in first
    assert "action=demo_event&amp;page=2" in first
    assert "/api/v1/audit/export.csv?action=demo_event" in first
    assert "login" not in first.split("<tbody>")[1]


def test_audit_export_link_works_with_session(login_as: Any, personas: Any) -> None:
    client = login_as(personas.platform_admin)
    response = client.get("/api/v1/audit/export.csv?action=login")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert lines[0].startswith("id,partition,seq")
    assert len(lines) == 1 + AuditEvent.objects.filter(action="login").count()


def test_verify_chain_button(login_as: Any, personas: Any) -> None:
    client = login_as(personas.platform_admin)
    ok = client.post("/audit/verify/", HTTP_HX_REQUEST="true").content.decode()
    assert "The audit chain is intact." in ok
    row = AuditEvent.objects.order_by("id").first()
    assert row is not None
    AuditEvent.objects.filter(pk=row.pk).update(action="tampered")
    broken = client.post("/audit/verify/", HTTP_HX_REQUEST="true").content.decode()
    assert "The chain is broken: 1 problem found." in broken


def test_inbox_bell_count_and_mark_read(
    login_as: Any, personas: Any, pending_nurse: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from doorstep.accounts.policy import Actor
    from doorstep.workforce import services

    admin = Actor.of(personas.inst_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_review(actor=admin, provider=pending_nurse)
        services.verify(actor=admin, provider=pending_nurse)
    client = login_as(personas.nurse)
    home = client.get("/").content.decode()
    assert 'class="count" aria-hidden="true">1<' in home
    inbox = client.get("/inbox/").content.decode()
    assert "You are verified" in inbox
    from doorstep.notifications.models import Notification

    note = Notification.objects.get(recipient=personas.nurse)
    assert client.post(f"/inbox/{note.pk}/read/").status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'class="count"' not in client.get("/").content.decode()


def test_someone_elses_notification_is_404(
    login_as: Any, personas: Any, pending_nurse: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from doorstep.accounts.policy import Actor
    from doorstep.notifications.models import Notification
    from doorstep.workforce import services

    admin = Actor.of(personas.inst_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_review(actor=admin, provider=pending_nurse)
        services.verify(actor=admin, provider=pending_nurse)
    note = Notification.objects.get(recipient=personas.nurse)
    other = login_as(personas.other_nurse)
    assert other.post(f"/inbox/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_list_pages_have_bounded_queries(
    login_as: Any, personas: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(60):
        audit.record(actor=None, action="demo_event", object_type="thing", object_id=i)
    client = login_as(personas.platform_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/audit/").status_code == 200


def test_provider_list_query_count_does_not_grow(
    login_as: Any, personas: Any, world: Any, django_assert_max_num_queries: Any
) -> None:
    from doorstep.accounts.enums import Role
    from doorstep.accounts.models import Membership, User
    from doorstep.accounts.policy import Actor
    from doorstep.workforce import services

    admin = Actor.of(personas.inst_admin)
    for i in range(15):
        user = User.objects.create_user(username=f"carer_{i}", password="x" * 12)
        Membership.objects.create(user=user, role=Role.CAREGIVER, institution=world.inst_a)
        provider = services.register_provider(
            actor=admin, user=user, kind="caregiver", institution=world.inst_a
        )
        services.submit_for_verification(actor=admin, provider=provider)
    client = login_as(personas.reviewer)
    with django_assert_max_num_queries(12):
        body = client.get("/providers/").content.decode()
    assert len(re.findall(r'href="/providers/\d+/"', body)) == 15
