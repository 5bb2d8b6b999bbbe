"""The patient blacklist: who may put a patient on it, what it blocks, who sees why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.core.errors import NotFound
from doorstep.core.models import AuditEvent
from doorstep.quality import selectors, services
from doorstep.quality.errors import AlreadyBlacklisted, AlreadyLifted, InvalidDates
from doorstep.quality.models import BlacklistEntry

from .conftest import actor

pytestmark = pytest.mark.django_db

REVIEW = dt.date(2026, 12, 15)


@pytest.fixture
def entry(frozen: Any, world: Any, officers: Any, elder_a: Any) -> BlacklistEntry:
    return services.blacklist_patient(
        actor=actor(officers.qo_a),
        institution=world.inst_a,
        elder=elder_a,
        reason="多次辱骂上门护士",
        review_date=REVIEW,
    )


def test_blacklisting_blocks_booking_at_that_institution_only(
    entry: BlacklistEntry, world: Any, elder_a: Any, elder_b: Any
) -> None:
    assert selectors.booking_block_reason(elder_a, world.inst_a) == "patient_blacklisted"
    assert selectors.booking_block_reason(elder_a.pk, world.inst_a.pk) == "patient_blacklisted"
    assert selectors.booking_block_reason(elder_a, world.inst_b) is None
    assert selectors.booking_block_reason(elder_b, world.inst_a) is None
    event = AuditEvent.objects.filter(action="blacklist.add").get()
    assert (event.object_id, event.details) == (
        str(entry.pk),
        {"elder_id": elder_a.pk, "review_date": "2026-12-15"},
    )
    assert "辱骂" not in str(event.details)


def test_lifting_allows_booking_again(entry: BlacklistEntry, world: Any, personas: Any) -> None:
    lifted = services.lift_blacklist(actor=actor(personas.inst_admin), entry=entry, reason="复核")
    assert (lifted.status, lifted.lifted_by_id) == ("lifted", personas.inst_admin.pk)
    assert selectors.booking_block_reason(entry.elder_id, world.inst_a) is None
    with pytest.raises(AlreadyLifted):
        services.lift_blacklist(actor=actor(personas.inst_admin), entry=entry)


def test_twice_is_a_conflict_and_writes_nothing(
    entry: BlacklistEntry, world: Any, officers: Any, elder_a: Any
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(AlreadyBlacklisted):
        services.blacklist_patient(
            actor=actor(officers.qo_a),
            institution=world.inst_a,
            elder=elder_a,
            reason="again",
            review_date=REVIEW,
        )
    assert (BlacklistEntry.objects.count(), AuditEvent.objects.count()) == (1, before)


def test_review_date_must_be_in_the_future(
    frozen: Any, world: Any, officers: Any, elder_a: Any
) -> None:
    with pytest.raises(InvalidDates):
        services.blacklist_patient(
            actor=actor(officers.qo_a),
            institution=world.inst_a,
            elder=elder_a,
            reason="x",
            review_date=dt.date(2026, 6, 15),
        )
    assert BlacklistEntry.objects.count() == 0


def test_other_institution_cannot_blacklist_or_lift(
    entry: BlacklistEntry, world: Any, officers: Any, personas: Any, elder_a: Any
) -> None:
    with pytest.raises(NotFound):
        services.blacklist_patient(
            actor=actor(officers.qo_b),
            institution=world.inst_a,
            elder=elder_a,
            reason="x",
            review_date=REVIEW,
        )
    # B's officer for B, but an elder B does not serve: 404 as well
    with pytest.raises(NotFound):
        services.blacklist_patient(
            actor=actor(officers.qo_b),
            institution=world.inst_b,
            elder=elder_a,
            reason="x",
            review_date=REVIEW,
        )
    with pytest.raises(NotFound):
        services.lift_blacklist(actor=actor(personas.other_admin), entry=entry)
    entry.refresh_from_db()
    assert entry.status == "active"


def test_api_add_list_lift(
    frozen: Any, api_as: Any, world: Any, officers: Any, elder_a: Any
) -> None:
    client = api_as(officers.qo_a)
    url = f"/api/v1/institutions/{world.inst_a.pk}/blacklist"
    r = client.post(
        url, {"elder_id": elder_a.pk, "reason": "威胁护士", "review_date": "2026-09-01"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["reason"], body["elder_id"]) == ("active", "威胁护士", elder_a.pk)
    again = client.post(url, {"elder_id": elder_a.pk, "reason": "x", "review_date": "2026-09-01"})
    assert (again.status_code, again.json()["code"]) == (409, "already_blacklisted")
    assert [e["id"] for e in client.get(url).json()] == [body["id"]]
    lifted = client.post(f"/api/v1/blacklist/{body['id']}/lift", {"reason": "已复核"})
    assert (lifted.status_code, lifted.json()["status"]) == (200, "lifted")
    assert client.get(url, {"status": "active"}).json() == []


def test_api_reason_hidden_from_regulator_and_list_hidden_from_b(
    entry: BlacklistEntry, api_as: Any, world: Any, officers: Any, personas: Any
) -> None:
    url = f"/api/v1/institutions/{world.inst_a.pk}/blacklist"
    rows = api_as(personas.regulator).get(url).json()
    assert [(e["id"], e["reason"]) for e in rows] == [(entry.pk, None)]
    assert api_as(personas.dispatcher).get(url).json()[0]["reason"] == "多次辱骂上门护士"
    for user in (officers.qo_b, personas.other_regulator, personas.family, personas.nurse):
        assert api_as(user).get(url).status_code == 404
    r = api_as(officers.qo_b).post(f"/api/v1/blacklist/{entry.pk}/lift", {})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    # the dispatcher sees the entry but may not lift it
    assert (
        api_as(personas.dispatcher).post(f"/api/v1/blacklist/{entry.pk}/lift", {}).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.status == "active"


def test_api_error_in_chinese(
    entry: BlacklistEntry, api_as: Any, world: Any, officers: Any, elder_a: Any
) -> None:
    r = api_as(officers.qo_a, lang="zh-hans").post(
        f"/api/v1/institutions/{world.inst_a.pk}/blacklist",
        {"elder_id": elder_a.pk, "reason": "x", "review_date": "2026-09-01"},
    )
    assert r.status_code == 409
    assert r.json() == {
        "code": "already_blacklisted",
        "message": "该患者已在本机构的黑名单中。",
        "details": {},
    }
