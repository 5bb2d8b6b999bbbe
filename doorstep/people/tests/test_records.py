"""Households, contacts, insurance, profile changes, institution links, pool summaries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from doorstep.core.models import AuditEvent
from doorstep.people.access import age_band, pool_summary
from doorstep.people.models import (
    Elder,
    ElderInstitutionLink,
    EmergencyContact,
    InsuranceEnrollment,
)

from .conftest import ID_A, ID_B, PHONE_A, PHONE_B

pytestmark = pytest.mark.django_db


def test_update_audits_field_names_not_values(api_as: Any, personas: Any, elder_a: Elder) -> None:
    r = api_as(personas.inst_admin).patch(
        f"/api/v1/elders/{elder_a.pk}",
        {"phone": "13911112222", "address": "新地址 1 号", "care_level": 3},
    )
    assert r.status_code == 200, r.content
    assert r.json()["phone"] == "13911112222"
    assert r.json()["care_level"] == 3
    row = AuditEvent.objects.filter(action="update", object_type="elder").get()
    assert row.changed_fields == ["address", "care_level", "phone"]
    dumped = json.dumps([row.details, row.changed_fields], ensure_ascii=False)
    assert "13911112222" not in dumped
    assert "新地址" not in dumped
    found = api_as(personas.operator).get("/api/v1/elders/search", {"phone": "13911112222"})
    assert [e["id"] for e in found.json()["items"]] == [elder_a.pk]


def test_elder_may_change_their_address_but_not_their_care_level(
    api_as: Any, personas: Any, elder_a: Elder
) -> None:
    api = api_as(personas.elder)
    assert api.patch(f"/api/v1/elders/{elder_a.pk}", {"address": "新地址"}).status_code == 200
    r = api.patch(f"/api/v1/elders/{elder_a.pk}", {"care_level": 5})
    assert r.status_code == 403
    assert r.json()["code"] == "may_not_change_elder"
    elder_a.refresh_from_db()
    assert (elder_a.address, elder_a.care_level) == ("新地址", 2)


def test_bad_phone_on_update_changes_nothing(api_as: Any, personas: Any, elder_a: Elder) -> None:
    r = api_as(personas.inst_admin).patch(
        f"/api/v1/elders/{elder_a.pk}", {"address": "x", "phone": "12345"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_phone"
    elder_a.refresh_from_db()
    assert elder_a.phone == PHONE_A
    assert elder_a.address == "尹江路 12 弄 3 号 502 室"


def test_household_contacts_and_insurance(api_as: Any, personas: Any, elder_a: Elder) -> None:
    api = api_as(personas.inst_admin)
    h = api.put(
        f"/api/v1/elders/{elder_a.pk}/household",
        {"lives_alone": True, "floor": 5, "has_lift": False, "dwelling_notes": "Walk-up"},
    )
    assert h.status_code == 200
    assert h.json()["lives_alone"] is True
    assert h.json()["floor"] == 5
    c = api.post(
        f"/api/v1/elders/{elder_a.pk}/contacts",
        {"name": "李明", "relationship": "child", "phone": "13900001111", "priority": 1},
    )
    assert c.status_code == 201
    assert c.json()["phone"] == "13900001111"
    assert EmergencyContact.objects.get().phone_encrypted != "13900001111"
    masked = api_as(personas.regulator).get(f"/api/v1/elders/{elder_a.pk}/contacts").json()
    assert masked[0]["phone"] == "139****1111"
    i = api.post(
        f"/api/v1/elders/{elder_a.pk}/insurance",
        {
            "scheme": "long_term_care",
            "number": "LTC3302030001234",
            "ltc_disability_level": 3,
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        },
    )
    assert i.status_code == 201
    assert i.json()["number"] == "LTC3302030001234"
    assert (
        api_as(personas.dispatcher)
        .get(f"/api/v1/elders/{elder_a.pk}/insurance")
        .json()[0]["number"]
        == "LTC*********1234"
    )
    assert InsuranceEnrollment.objects.get().number_encrypted != "LTC3302030001234"


def test_insurance_dates_and_level_are_checked(api_as: Any, personas: Any, elder_a: Elder) -> None:
    api = api_as(personas.inst_admin)
    r = api.post(
        f"/api/v1/elders/{elder_a.pk}/insurance",
        {"scheme": "resident_basic", "valid_from": "2026-01-01", "valid_to": "2025-12-31"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_insurance"
    r = api.post(
        f"/api/v1/elders/{elder_a.pk}/insurance",
        {"scheme": "resident_basic", "ltc_disability_level": 2, "valid_from": "2026-01-01"},
    )
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "ltc_disability_level"
    assert not InsuranceEnrollment.objects.exists()


def test_institution_b_accepts_an_elder_with_id_and_phone(
    api_as: Any, world: Any, personas: Any, elder_a: Elder
) -> None:
    api = api_as(personas.other_admin)
    wrong = api.post(
        "/api/v1/elders/accept",
        {"institution_id": world.inst_b.pk, "id_number": ID_A, "phone": PHONE_B},
    )
    assert wrong.status_code == 404
    assert api.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404
    r = api.post(
        "/api/v1/elders/accept",
        {"institution_id": world.inst_b.pk, "id_number": ID_A, "phone": PHONE_A},
    )
    assert r.status_code == 201
    assert api.get(f"/api/v1/elders/{elder_a.pk}").status_code == 200
    # ... but not for an institution they do not work for.
    r = api.post(
        "/api/v1/elders/accept",
        {"institution_id": world.inst_a.pk, "id_number": ID_B, "phone": PHONE_B},
    )
    assert r.status_code == 403
    pairs = ElderInstitutionLink.objects.order_by("id").values_list("elder_id", "institution_id")
    assert list(pairs) == [(elder_a.pk, world.inst_a.pk), (elder_a.pk, world.inst_b.pk)]


def test_pool_summary_shows_nothing_identifying(api_as: Any, personas: Any, elder_a: Elder) -> None:
    api_as(personas.inst_admin).put(
        f"/api/v1/elders/{elder_a.pk}/household",
        {"lives_alone": True, "floor": 5, "has_lift": False},
    )
    elder = Elder.objects.select_related("region", "household").get(pk=elder_a.pk)
    s = pool_summary(elder, on=dt.date(2026, 11, 23))  # born 1949-12-31: 76
    assert s.age_band == "75-79"
    assert s.sex == "female"
    assert (s.approx_lat, s.approx_lng) == (29.86, 121.54)
    assert s.community_name_zh == "尹江社区"
    assert s.risk_flags == ("lives_alone", "no_lift_high_floor")
    text = repr(s)
    for secret in ("王秀英", ID_A, PHONE_A, "尹江路", "1949"):
        assert secret not in text


def test_pool_summary_without_household_or_coordinates(world: Any, elder_b: Elder) -> None:
    elder = Elder.objects.select_related("region", "household").get(pk=elder_b.pk)
    s = pool_summary(elder, on=dt.date(2026, 6, 14))  # born 1938-06-15: still 87
    assert s.age_band == "85-89"
    assert (s.approx_lat, s.approx_lng) == (29.7, 121.55)  # the community centroid
    assert s.risk_flags == ()


@pytest.mark.parametrize(
    ("age", "band"), [(59, "<60"), (60, "60-64"), (64, "60-64"), (94, "90-94"), (95, "95+")]
)
def test_age_bands(age: int, band: str) -> None:
    assert age_band(age) == band


def test_duplicate_inserted_by_a_racing_request_is_409(
    monkeypatch: pytest.MonkeyPatch, world: Any, personas: Any
) -> None:
    """Another request inserts the same ID number between our duplicate check and our
    insert: the unique keyed hash turns that into 409 and our transaction writes nothing."""
    from doorstep.accounts.policy import Actor
    from doorstep.core import crypto
    from doorstep.people import services
    from doorstep.people.errors import DuplicateIdNumber

    real_encrypt = crypto.encrypt
    raced: list[str] = []

    def racing_encrypt(value: str) -> str:
        if not raced:
            raced.append(value)
            Elder.objects.create(
                full_name="先到者",
                id_number_encrypted=real_encrypt(ID_B),
                id_number_hash=crypto.search_hash(ID_B),
                sex="female",
                birth_date=dt.date(1938, 6, 15),
                region=world.community2,
            )
        return real_encrypt(value)

    monkeypatch.setattr(services.crypto, "encrypt", racing_encrypt)
    audits = AuditEvent.objects.count()
    with pytest.raises(DuplicateIdNumber):
        services.register_elder(
            actor=Actor.of(personas.operator),
            full_name="陈桂兰",
            id_number=ID_B,
            region=world.community2,
        )
    assert raced == [ID_B]
    assert AuditEvent.objects.count() == audits
    assert not Elder.objects.filter(full_name="陈桂兰").exists()
