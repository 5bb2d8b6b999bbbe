"""Provider sanctions (the exit mechanism): what blocks assignment, who decides, who is told."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.core.errors import Forbidden, NotFound
from doorstep.core.models import AuditEvent
from doorstep.notifications.models import Notification
from doorstep.quality import selectors, services
from doorstep.quality.errors import AlreadyLifted, InvalidDates, RemovalNeedsAdmin
from doorstep.quality.models import ProviderSanction

from .conftest import NOW, actor

pytestmark = pytest.mark.django_db


def sanction(user: Any, provider: Any, kind: str, **kw: Any) -> ProviderSanction:
    return services.sanction_provider(
        actor=actor(user), provider=provider, kind=kind, reason="未按规定核对身份", **kw
    )


def test_warning_does_not_block(frozen: Any, staff: Any, officers: Any) -> None:
    sanction(officers.qo_a, staff.nurse, "warning")
    assert selectors.assignment_block_reason(staff.nurse) is None


def test_suspension_blocks_until_it_ends(frozen: Any, staff: Any, officers: Any) -> None:
    ends = NOW + dt.timedelta(days=7)
    s = sanction(officers.qo_a, staff.nurse, "suspension", ends_at=ends)
    assert selectors.assignment_block_reason(staff.nurse) == "provider_suspended"
    assert selectors.assignment_block_reason(staff.nurse.pk, at=ends) is None
    assert list(selectors.blocked_provider_ids().values_list("provider_id", flat=True)) == [
        staff.nurse.pk
    ]
    assert selectors.assignment_block_reason(staff.caregiver) is None
    assert (s.institution_id, s.decided_by_id, s.status) == (
        staff.nurse.institution_id,
        officers.qo_a.pk,
        "active",
    )


def test_future_suspension_blocks_from_its_start(frozen: Any, staff: Any, officers: Any) -> None:
    starts = NOW + dt.timedelta(days=1)
    sanction(officers.qo_a, staff.nurse, "suspension", starts_at=starts)
    assert selectors.assignment_block_reason(staff.nurse) is None
    assert selectors.assignment_block_reason(staff.nurse, at=starts) == "provider_suspended"


def test_lifting_unblocks_and_tells_the_provider(
    frozen: Any, staff: Any, officers: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        s = sanction(officers.qo_a, staff.nurse, "suspension")
    note = Notification.objects.get(recipient=personas.nurse, kind="quality.sanction.suspension")
    assert note.title_en == "You have been suspended from visits"
    assert note.body_en == "Reason given by your institution: 未按规定核对身份"
    assert note.title_zh == "您已被暂停上门服务"
    with django_capture_on_commit_callbacks(execute=True):
        services.lift_sanction(actor=actor(officers.qo_a), sanction=s, reason="培训合格")
    assert selectors.assignment_block_reason(staff.nurse) is None
    assert Notification.objects.filter(
        recipient=personas.nurse, kind="quality.sanction.lifted"
    ).exists()
    with pytest.raises(AlreadyLifted):
        services.lift_sanction(actor=actor(officers.qo_a), sanction=s)


def test_removal_needs_the_admin_and_deactivates(
    frozen: Any, staff: Any, officers: Any, personas: Any
) -> None:
    before = ProviderSanction.objects.count(), AuditEvent.objects.count()
    with pytest.raises(RemovalNeedsAdmin):
        sanction(officers.qo_a, staff.nurse, "removal")
    assert (ProviderSanction.objects.count(), AuditEvent.objects.count()) == before
    s = sanction(personas.inst_admin, staff.nurse, "removal")
    staff.nurse.refresh_from_db()
    assert (staff.nurse.is_active, s.provider_deactivated) == (False, True)
    assert selectors.assignment_block_reason(staff.nurse) == "provider_removed"
    assert AuditEvent.objects.filter(
        action="provider.update", object_id=str(staff.nurse.pk)
    ).exists()
    with pytest.raises(RemovalNeedsAdmin):
        services.lift_sanction(actor=actor(officers.qo_a), sanction=s)


def test_removal_beats_suspension(frozen: Any, staff: Any, officers: Any, personas: Any) -> None:
    sanction(officers.qo_a, staff.nurse, "suspension")
    sanction(personas.inst_admin, staff.nurse, "removal")
    assert selectors.assignment_block_reason(staff.nurse) == "provider_removed"


def test_bad_input_changes_nothing(frozen: Any, staff: Any, officers: Any, personas: Any) -> None:
    with pytest.raises(InvalidDates):
        sanction(officers.qo_a, staff.nurse, "warning", ends_at=NOW + dt.timedelta(days=1))
    with pytest.raises(InvalidDates):
        sanction(officers.qo_a, staff.nurse, "suspension", ends_at=NOW - dt.timedelta(days=1))
    with pytest.raises(InvalidDates):
        sanction(personas.inst_admin, staff.nurse, "removal", starts_at=NOW + dt.timedelta(days=1))
    assert ProviderSanction.objects.count() == 0


def test_other_institution_cannot_sanction(
    frozen: Any, staff: Any, officers: Any, personas: Any
) -> None:
    with pytest.raises(NotFound):
        sanction(officers.qo_b, staff.nurse, "suspension")
    with pytest.raises(Forbidden):  # sees the provider, may not decide
        sanction(personas.dispatcher, staff.nurse, "suspension")
    assert ProviderSanction.objects.count() == 0


def test_api_sanction_flow(
    frozen: Any, api_as: Any, staff: Any, officers: Any, personas: Any
) -> None:
    url = f"/api/v1/providers/{staff.nurse.pk}/sanctions"
    r = api_as(officers.qo_a).post(
        url, {"kind": "suspension", "reason": "迟到三次", "ends_at": "2026-06-22T10:00:00+08:00"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["kind"], body["in_force"], body["status"]) == ("suspension", True, "active")
    # the nurse sees her own sanctions; B's officer and nurse do not
    assert [s["id"] for s in api_as(personas.nurse).get(url).json()] == [body["id"]]
    assert api_as(officers.qo_b).get(url).status_code == 404
    assert api_as(personas.other_nurse).get(url).status_code == 404
    lift = api_as(officers.qo_b).post(f"/api/v1/sanctions/{body['id']}/lift", {})
    assert lift.status_code == 404
    bad = api_as(officers.qo_a).post(url, {"kind": "fine", "reason": "x"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_choice")
    naive = api_as(officers.qo_a).post(
        url, {"kind": "suspension", "reason": "x", "ends_at": "2026-06-22T10:00:00"}
    )
    assert (naive.status_code, naive.json()["code"]) == (422, "invalid_dates")
    removal = api_as(officers.qo_a, lang="zh-hans").post(url, {"kind": "removal", "reason": "x"})
    assert (removal.status_code, removal.json()["code"]) == (403, "removal_needs_admin")
    assert removal.json()["message"] == "只有机构管理员可以清退服务人员。"
    ok = api_as(officers.qo_a).post(f"/api/v1/sanctions/{body['id']}/lift", {"reason": "ok"})
    assert (ok.status_code, ok.json()["in_force"]) == (200, False)
    assert ProviderSanction.objects.count() == 1


def test_blocked_provider_sql_finds_the_providers_the_queryset_finds(
    frozen: Any, staff: Any, officers: Any
) -> None:
    """``blocked_provider_ids_sql`` (the ranking's prepared statement) and
    ``blocked_provider_ids`` agree: a suspension in force and a removal block; a warning,
    a suspension not started yet and one that has ended do not."""
    from django.db import connection

    sanction(officers.qo_a, staff.nurse, "suspension", ends_at=NOW + dt.timedelta(days=2))
    sanction(officers.qo_a, staff.caregiver, "warning")
    sanction(officers.qo_a, staff.caregiver, "suspension", starts_at=NOW + dt.timedelta(days=1))
    nurse, caregiver = staff.nurse.pk, staff.caregiver.pk
    expected = {0: [nurse], 1: sorted([nurse, caregiver]), 3: [caregiver]}
    for days, blocked in expected.items():
        at = NOW + dt.timedelta(days=days)
        text, params = selectors.blocked_provider_ids_sql(at=at)
        with connection.cursor() as cur:
            cur.execute(text, params)
            got = sorted(r[0] for r in cur.fetchall())
        orm = selectors.blocked_provider_ids(at=at).values_list("provider_id", flat=True)
        assert got == sorted(orm) == blocked, days
