"""Registering, finding and reading elders through the API, with masking and scoping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.core.models import AuditEvent
from doorstep.people.models import Elder, ElderInstitutionLink

from .conftest import ID_A, ID_B, ID_NEW, PHONE_A, PHONE_B

pytestmark = pytest.mark.django_db


def new_elder_payload(world: Any, **over: Any) -> dict[str, Any]:
    body = {
        "full_name": "张建国",
        "id_number": ID_NEW,
        "phone": "138 0000 9999",
        "region_id": world.community1.pk,
        "address": "尹江路 5 号 101 室",
        "lat": 29.8601,
        "lng": 121.5402,
        "care_level": 1,
        "languages": ["zh"],
    }
    body.update(over)
    return body


# --- registering -----------------------------------------------------------------------


def test_institution_admin_registers_an_elder_and_links_the_institution(
    api_as: Any, world: Any, personas: Any
) -> None:
    r = api_as(personas.inst_admin).post("/api/v1/elders", new_elder_payload(world))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["full_name"] == "张建国"
    assert body["id_number"] == ID_NEW  # institution admin: unmasked (tenant)
    assert body["id_number_masked"] is False
    assert body["sex"] == "male"  # from the 17th digit
    assert body["birth_date"] == "1945-01-01"
    assert body["phone"] == "13800009999"  # normalised
    assert body["institution_ids"] == [world.inst_a.pk]
    elder = Elder.objects.get(pk=body["id"])
    assert elder.created_by == personas.inst_admin
    link = ElderInstitutionLink.objects.get(elder=elder)
    assert (link.institution, link.status) == (world.inst_a, "active")
    row = AuditEvent.objects.get(action="create", object_type="elder", object_id=str(elder.pk))
    assert row.partition == f"inst:{world.inst_a.pk}"
    assert "id_number" in row.changed_fields
    assert "phone" in row.changed_fields
    dumped = json.dumps([row.details, row.changed_fields], ensure_ascii=False)
    assert ID_NEW not in dumped
    assert "13800009999" not in dumped
    assert "张建国" not in dumped


def test_wrong_check_digit_is_422_and_writes_nothing(
    api_as: Any, world: Any, personas: Any
) -> None:
    api = api_as(personas.operator)
    before = (Elder.objects.count(), AuditEvent.objects.count())
    r = api.post("/api/v1/elders", new_elder_payload(world, id_number="330203194501010017"))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_id_number"
    assert r.json()["details"] == {"field": "id_number", "reason": "check_digit"}
    assert (Elder.objects.count(), AuditEvent.objects.count()) == before


def test_wrong_check_digit_message_in_chinese(api_as: Any, world: Any, personas: Any) -> None:
    r = api_as(personas.operator, lang="zh-hans").post(
        "/api/v1/elders", new_elder_payload(world, id_number="330203194501010017")
    )
    assert r.status_code == 422
    assert r.json()["message"] == "身份证号码的校验位不正确，请检查是否输错。"


def test_bad_phone_is_422_and_writes_nothing(api_as: Any, world: Any, personas: Any) -> None:
    api = api_as(personas.operator)
    before = (Elder.objects.count(), AuditEvent.objects.count())
    r = api.post("/api/v1/elders", new_elder_payload(world, phone="0574-8765432"))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_phone"
    assert (Elder.objects.count(), AuditEvent.objects.count()) == before


def test_sex_not_matching_the_id_number_is_422(api_as: Any, world: Any, personas: Any) -> None:
    r = api_as(personas.operator).post("/api/v1/elders", new_elder_payload(world, sex="female"))
    assert r.status_code == 422
    assert r.json()["code"] == "id_sex_mismatch"
    assert not Elder.objects.exists()


def test_duplicate_id_number_is_409_and_writes_nothing(
    api_as: Any, world: Any, personas: Any, elder_a: Elder
) -> None:
    api = api_as(personas.operator)
    before = (
        Elder.objects.count(),
        AuditEvent.objects.count(),
        ElderInstitutionLink.objects.count(),
    )
    # Same number typed with a lower-case x: the keyed hash is over the normalised value.
    r = api.post("/api/v1/elders", new_elder_payload(world, id_number=ID_A.lower()))
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate_id_number"
    after = (
        Elder.objects.count(),
        AuditEvent.objects.count(),
        ElderInstitutionLink.objects.count(),
    )
    assert after == before


def test_region_must_be_a_community(api_as: Any, world: Any, personas: Any) -> None:
    r = api_as(personas.operator).post(
        "/api/v1/elders", new_elder_payload(world, region_id=world.district1.pk)
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_region"


def test_operator_outside_region_and_nurse_and_family_may_not_register(
    api_as: Any, world: Any, personas: Any
) -> None:
    for user in (personas.regulator, personas.nurse, personas.family, personas.nobody):
        r = api_as(user).post("/api/v1/elders", new_elder_payload(world))
        assert r.status_code == 403, user.username
        assert r.json()["code"] == "may_not_register_elder"
    assert not Elder.objects.exists()


def test_elder_registers_themself_once(
    api_as: Any, world: Any, personas: Any, elder_a: Elder
) -> None:
    assert elder_a.user == personas.elder
    r = api_as(personas.elder).post("/api/v1/elders", new_elder_payload(world))
    assert r.status_code == 409
    assert r.json()["code"] == "elder_profile_exists"


# --- encryption and search ---------------------------------------------------------------


def test_identifiers_are_encrypted_at_rest(elder_a: Elder) -> None:
    table = Elder._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} WHERE id = %s", [elder_a.pk])  # noqa: S608
        raw = " ".join(str(v) for v in cur.fetchone())
    assert ID_A not in raw
    assert ID_A.lower() not in raw
    assert PHONE_A not in raw
    assert "王秀英" in raw  # the name is not an identifier number; stored as is
    assert Elder.objects.get(pk=elder_a.pk).id_number == ID_A


def test_operator_finds_elders_by_phone_id_and_name(
    api_as: Any, personas: Any, elder_a: Elder, elder_b: Elder
) -> None:
    api = api_as(personas.operator)
    by_phone = api.get("/api/v1/elders/search", {"phone": "+86 138-1234-5678"}).json()
    assert [e["id"] for e in by_phone["items"]] == [elder_a.pk]
    by_id = api.get("/api/v1/elders/search", {"id_number": ID_B}).json()
    assert [e["id"] for e in by_id["items"]] == [elder_b.pk]
    assert by_id["items"][0]["phone"] == PHONE_B  # operators call elders back
    assert by_id["items"][0]["id_number"] == "330***********0021"  # but no full ID
    by_name = api.get("/api/v1/elders/search", {"name": "桂兰"}).json()
    assert by_name["count"] == 1
    assert by_name["items"][0]["id"] == elder_b.pk
    nothing = api.get("/api/v1/elders/search", {"phone": "13999999999"}).json()
    assert nothing == {"count": 0, "items": []}
    row = AuditEvent.objects.filter(action="search").order_by("-id").first()
    assert row is not None
    assert row.details == {"by": ["phone"], "returned": 0}


def test_search_with_a_mistyped_id_number_is_422(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    r = api_as(personas.operator).get("/api/v1/elders/search", {"id_number": "110105194912310021"})
    assert r.status_code == 422
    assert r.json()["details"]["reason"] == "check_digit"


def test_search_is_scoped_to_the_institution(api_as: Any, personas: Any, elder_a: Elder) -> None:
    r = api_as(personas.other_admin).get("/api/v1/elders/search", {"id_number": ID_A})
    assert r.status_code == 200
    assert r.json() == {"count": 0, "items": []}


def test_regulators_and_family_may_not_search(api_as: Any, personas: Any, elder_a: Elder) -> None:
    for user in (personas.regulator, personas.family, personas.nurse):
        r = api_as(user).get("/api/v1/elders/search", {"name": "王"})
        assert r.status_code == 403, user.username


# --- masking and scoping -------------------------------------------------------------------


def test_masking_per_role(api_as: Any, personas: Any, elder_a: Elder) -> None:
    path = f"/api/v1/elders/{elder_a.pk}"
    seen = {}
    for name in (
        "platform_admin",
        "inst_admin",
        "reviewer",
        "dispatcher",
        "operator",
        "regulator",
        "elder",
    ):
        r = api_as(getattr(personas, name)).get(path)
        assert r.status_code == 200, name
        b = r.json()
        seen[name] = (b["full_name"], b["id_number"], b["phone"], b["address"] != "")
    full = ("王秀英", ID_A, PHONE_A, True)
    assert seen["platform_admin"] == full
    assert seen["inst_admin"] == full
    assert seen["reviewer"] == full
    assert seen["elder"] == full
    assert seen["dispatcher"] == ("王秀英", "110***********002X", PHONE_A, True)
    assert seen["operator"] == ("王秀英", "110***********002X", PHONE_A, True)
    assert seen["regulator"] == ("王**", "110***********002X", "138****5678", False)


def test_regulator_sees_rounded_coordinates_and_no_birth_date(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    b = api_as(personas.regulator).get(f"/api/v1/elders/{elder_a.pk}").json()
    assert (b["lat"], b["lng"]) == (29.86, 121.54)
    assert b["birth_date"] is None
    assert b["household"] is None


def test_regulator_outside_the_region_gets_404(
    api_as: Any, personas: Any, elder_a: Elder, elder_b: Elder
) -> None:
    api = api_as(personas.regulator)  # district 1
    assert api.get(f"/api/v1/elders/{elder_b.pk}").status_code == 404
    assert [e["id"] for e in api.get("/api/v1/elders").json()["items"]] == [elder_a.pk]
    other = api_as(personas.other_regulator)  # district 2
    assert other.get(f"/api/v1/elders/{elder_a.pk}").json()["code"] == "not_found"


def test_regulator_may_not_change(api_as: Any, personas: Any, elder_a: Elder) -> None:
    r = api_as(personas.regulator).patch(f"/api/v1/elders/{elder_a.pk}", {"address": "x"})
    assert r.status_code == 404
    elder_a.refresh_from_db()
    assert elder_a.address == "尹江路 12 弄 3 号 502 室"


def test_second_institution_cannot_read_or_change(
    api_as: Any, personas: Any, elder_a: Elder, elder_b: Elder
) -> None:
    api = api_as(personas.other_admin)
    before = AuditEvent.objects.count()
    for path in (
        f"/api/v1/elders/{elder_a.pk}",
        f"/api/v1/elders/{elder_a.pk}/contacts",
        f"/api/v1/elders/{elder_a.pk}/consents",
        f"/api/v1/elders/{elder_a.pk}/insurance",
        f"/api/v1/elders/{elder_a.pk}/family-links",
        f"/api/v1/elders/{elder_a.pk}/institutions",
    ):
        r = api.get(path)
        assert r.status_code == 404, path
        assert r.json()["code"] == "not_found"
    before = AuditEvent.objects.count()
    assert api.patch(f"/api/v1/elders/{elder_a.pk}", {"full_name": "改名"}).status_code == 404
    assert (
        api.put(
            f"/api/v1/elders/{elder_a.pk}/household", {"lives_alone": False, "floor": 1}
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/elders/{elder_a.pk}/contacts",
            {"name": "X", "relationship": "child", "phone": "13900001111"},
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/elders/{elder_a.pk}/insurance",
            {"scheme": "commercial", "valid_from": "2026-01-01"},
        ).status_code
        == 404
    )
    elder_a.refresh_from_db()
    assert elder_a.full_name == "王秀英"
    assert elder_a.household is None
    assert AuditEvent.objects.count() == before
    assert [e["id"] for e in api.get("/api/v1/elders").json()["items"]] == [elder_b.pk]


def test_nurse_sees_no_elder_until_visits_assign_one(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    api = api_as(personas.nurse)  # same institution as elder_a, but no assigned visit
    assert api.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404
    assert api.get("/api/v1/elders").json() == {"count": 0, "items": []}


def test_staff_reads_are_audited_and_self_reads_are_not(
    api_as: Any, world: Any, personas: Any, elder_a: Elder
) -> None:
    api_as(personas.dispatcher).get(f"/api/v1/elders/{elder_a.pk}")
    api_as(personas.operator).get(f"/api/v1/elders/{elder_a.pk}/contacts")
    reads = AuditEvent.objects.filter(action="read", object_type="elder", object_id=str(elder_a.pk))
    assert sorted((r.actor_id, r.partition) for r in reads) == sorted(
        [
            (personas.dispatcher.pk, f"inst:{world.inst_a.pk}"),
            (personas.operator.pk, "platform"),
        ]
    )
    api_as(personas.elder).get(f"/api/v1/elders/{elder_a.pk}")
    assert reads.count() == 2
    # A refused read writes nothing.
    api_as(personas.other_admin).get(f"/api/v1/elders/{elder_a.pk}")
    assert reads.count() == 2


def test_list_filters_and_paginates(
    api_as: Any, world: Any, personas: Any, elder_a: Elder, elder_b: Elder
) -> None:
    api = api_as(personas.platform_admin)
    assert api.get("/api/v1/elders").json()["count"] == 2
    page = api.get("/api/v1/elders", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2
    assert [e["id"] for e in page["items"]] == [elder_b.pk]
    by_region = api.get("/api/v1/elders", {"region_id": world.district2.pk}).json()
    assert [e["id"] for e in by_region["items"]] == [elder_b.pk]
    by_inst = api.get("/api/v1/elders", {"institution_id": world.inst_a.pk}).json()
    assert [e["id"] for e in by_inst["items"]] == [elder_a.pk]
    assert api.get("/api/v1/elders", {"care_level": 2}).json()["count"] == 1


def test_list_query_count_does_not_grow_with_rows(
    api_as: Any, world: Any, personas: Any, elder_a: Elder, elder_b: Elder
) -> None:
    api = api_as(personas.operator)
    api.get("/api/v1/elders")  # warm up
    with CaptureQueriesContext(connection) as two:
        assert api.get("/api/v1/elders").json()["count"] == 2
    # 330203194005150046 and 330203195202290034 (check digits computed in test_validators).
    for n, id_number in enumerate(("330203194005150046", "330203195202290034")):
        api_as(personas.operator).post(
            "/api/v1/elders",
            new_elder_payload(world, id_number=id_number, phone=f"1390000000{n}"),
        )
    with CaptureQueriesContext(connection) as four:
        assert api.get("/api/v1/elders").json()["count"] == 4
    assert len(four) == len(two)
    assert len(two) <= 13
