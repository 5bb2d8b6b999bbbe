"""/api/v1/institutions: directory, masking, profile, status, areas and contract scope."""

from __future__ import annotations

import pytest

from doorstep.core.models import AuditEvent
from doorstep.organizations.models import Contract, Institution, ServiceArea

pytestmark = pytest.mark.django_db

URL = "/api/v1/institutions"
CONTRACT = {
    "effective_from": "2026-01-01",
    "effective_to": None,
    "platform_bp": 1500,
    "institution_bp": 2500,
    "provider_bp": 6000,
}


def test_directory_is_open_to_any_signed_in_user(world, personas, api_as):
    r = api_as(personas.elder).get(URL)
    assert r.status_code == 200
    assert r.json()["count"] == 2
    first = r.json()["items"][0]
    assert (first["name"], first["type"], first["status"]) == (
        "Haishu Community Health Centre",
        "community_health_centre",
        "active",
    )
    assert first["region"]["code"] == "330203"
    assert [a["code"] for a in first["service_areas"]] == ["330203"]
    assert api_as(None).get(URL).status_code == 401


def test_directory_filters(world, personas, api_as):
    api = api_as(personas.nurse)
    assert [i["id"] for i in api.get(URL, {"q": "鄞州"}).json()["items"]] == [world.inst_b.pk]
    assert [i["id"] for i in api.get(URL, {"q": "PDY-A-001"}).json()["items"]] == [world.inst_a.pk]
    r = api.get(URL, {"type": "secondary_hospital"})
    assert [i["id"] for i in r.json()["items"]] == [world.inst_b.pk]
    r = api.get(URL, {"region": world.district1.pk})
    assert [i["id"] for i in r.json()["items"]] == [world.inst_a.pk]
    r = api.get(URL, {"serves": world.community2.pk})
    assert [i["id"] for i in r.json()["items"]] == [world.inst_b.pk]
    r = api.get(URL, {"limit": 1, "offset": 1})
    assert (r.json()["count"], [i["id"] for i in r.json()["items"]]) == (2, [world.inst_b.pk])


def test_directory_list_does_not_query_per_institution(
    world, personas, api_as, django_assert_max_num_queries
):
    """12 institutions with service areas: token, memberships, page, areas, count."""
    for n in range(10):
        inst = Institution.objects.create(
            name_zh=f"机构{n}", name_en=f"Agency {n}", type="home_care_agency",
            licence_number=f"HC-{n}", region=world.street1,
        )  # fmt: skip
        ServiceArea.objects.create(institution=inst, region=world.street1)
    api = api_as(personas.elder)
    with django_assert_max_num_queries(6):
        r = api.get(URL)
    assert len(r.json()["items"]) == 12
    assert r.json()["items"][-1]["service_areas"][0]["code"] == "330203001"


@pytest.mark.parametrize(
    ("who", "full"),
    [
        ("nurse", True),  # staff of A
        ("dispatcher", True),
        ("operator", True),
        ("platform_admin", True),
        ("other_nurse", False),  # staff of B
        ("regulator", False),
        ("elder", False),
        ("family", False),
    ],
)
def test_security_contact_is_masked_for_outsiders(guarded, personas, api_as, who, full):
    r = api_as(getattr(personas, who)).get(f"{URL}/{guarded.inst_a.pk}")
    contact = r.json()["security_contact"]
    if full:
        assert contact == {"name": "张保安", "phone": "13812345678", "masked": False}
    else:
        assert contact == {"name": "张**", "phone": "138****5678", "masked": True}
    assert r.json()["phone"] == "0574-87000000"  # the front desk is public


def test_platform_admin_registers_an_institution(world, personas, api_as):
    r = api_as(personas.platform_admin).post(
        URL,
        {
            "name_zh": "江北居家护理",
            "name_en": "Jiangbei Home Nursing",
            "type": "home_care_agency",
            "licence_number": "HC-330205-9",
            "region_id": world.district2.pk,
        },
    )
    assert r.status_code == 201, r.json()
    assert (r.json()["status"], r.json()["region"]["code"]) == ("onboarding", "330212")
    r = api_as(personas.inst_admin).post(
        URL,
        {
            "name_zh": "x",
            "name_en": "x",
            "type": "home_care_agency",
            "licence_number": "HC-2",
            "region_id": world.district2.pk,
        },
    )
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert Institution.objects.count() == 3


def test_own_admin_patches_profile_other_admin_gets_404(guarded, personas, api_as):
    a = guarded.inst_a
    r = api_as(personas.inst_admin).patch(
        f"{URL}/{a.pk}", {"security_contact_phone": "13900009999"}
    )
    assert r.status_code == 200
    assert r.json()["security_contact"]["phone"] == "13900009999"
    changes = AuditEvent.objects.filter(object_type="institution")
    before = changes.count()
    for who in ("other_admin", "nurse", "regulator", "operator"):
        r = api_as(getattr(personas, who)).patch(f"{URL}/{a.pk}", {"address": "hijacked"})
        assert (r.status_code, r.json()["code"]) == (404, "not_found"), who
    r = api_as(personas.inst_admin).patch(f"{URL}/{a.pk}", {"licence_number": "NEW-1"})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    a.refresh_from_db()
    assert (a.address, a.licence_number) == ("", "PDY-A-001")
    assert changes.count() == before


def test_status_change_and_illegal_transition_over_http(world, personas, api_as):
    url = f"{URL}/{world.inst_a.pk}/status"
    api = api_as(personas.platform_admin)
    r = api.post(url, {"status": "onboarding"})
    assert (r.status_code, r.json()["code"]) == (409, "illegal_transition")
    assert r.json()["details"] == {"from": "active", "to": "onboarding", "allowed": ["suspended"]}
    assert Institution.objects.get(pk=world.inst_a.pk).status == "active"
    assert not AuditEvent.objects.filter(action="institution_status_changed").exists()
    r = api.post(url, {"status": "suspended", "reason": "licence lapsed"})
    assert (r.status_code, r.json()["status"]) == (200, "suspended")


def test_illegal_transition_message_in_chinese(world, personas, api_as):
    r = api_as(personas.platform_admin, "zh-hans").post(
        f"{URL}/{world.inst_a.pk}/status", {"status": "onboarding"}
    )
    assert r.json()["code"] == "illegal_transition"
    assert r.json()["message"] == "机构不能从当前状态转换到该状态。"


@pytest.mark.parametrize(("who", "status", "code"), [("inst_admin", 403, "forbidden"),
                                                      ("other_admin", 404, "not_found"),
                                                      ("regulator", 404, "not_found")])  # fmt: skip
def test_only_platform_admins_change_status_and_areas(world, personas, api_as, who, status, code):
    api = api_as(getattr(personas, who))
    a = world.inst_a.pk
    for r in (
        api.post(f"{URL}/{a}/status", {"status": "suspended"}),
        api.post(f"{URL}/{a}/service-areas", {"region_id": world.district2.pk}),
        api.delete(f"{URL}/{a}/service-areas/{world.district1.pk}"),
        api.post(f"{URL}/{a}/contracts", CONTRACT),
    ):
        assert (r.status_code, r.json()["code"]) == (status, code)
    assert Institution.objects.get(pk=a).status == "active"
    assert ServiceArea.objects.filter(institution_id=a).count() == 1
    assert Contract.objects.count() == 0


def test_service_areas_over_http(world, personas, api_as):
    api = api_as(personas.platform_admin)
    a = world.inst_a.pk
    r = api.post(f"{URL}/{a}/service-areas", {"region_id": world.street2.pk})
    assert r.status_code == 201
    assert [s["code"] for s in r.json()["service_areas"]] == ["330203", "330212101"]
    r = api.post(f"{URL}/{a}/service-areas", {"region_id": world.street2.pk})
    assert (r.status_code, r.json()["code"]) == (409, "service_area_exists")
    assert api.delete(f"{URL}/{a}/service-areas/{world.street2.pk}").status_code == 204
    r = api.delete(f"{URL}/{a}/service-areas/{world.street2.pk}")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_contract_endpoints_for_platform_admin(world, personas, api_as):
    api = api_as(personas.platform_admin)
    base = f"{URL}/{world.inst_a.pk}/contracts"
    r = api.post(base, {**CONTRACT, "provider_bp": 5000})
    assert (r.status_code, r.json()["code"]) == (422, "contract_shares_sum")
    assert r.json()["details"] == {"sum": 9000, "expected": 10000}
    r = api.post(base, CONTRACT)
    assert r.status_code == 201
    first = r.json()["id"]
    r = api.post(base, {**CONTRACT, "effective_from": "2026-06-01"})
    assert (r.status_code, r.json()["code"]) == (409, "contract_overlap")
    assert Contract.objects.count() == 1
    r = api.post(f"{base}/{first}/end", {"effective_to": "2027-01-01"})
    assert (r.status_code, r.json()["effective_to"]) == (200, "2027-01-01")
    r = api.post(base, {**CONTRACT, "effective_from": "2027-01-01", "platform_bp": 1000,
                        "institution_bp": 3000})  # fmt: skip
    assert r.status_code == 201
    r = api.get(f"{base}/current", {"on": "2026-12-31"})
    assert (r.json()["id"], r.json()["platform_bp"]) == (first, 1500)
    r = api.get(f"{base}/current", {"on": "2027-01-01"})
    assert r.json()["platform_bp"] == 1000
    r = api.get(f"{base}/current", {"on": "2025-01-01"})
    assert (r.status_code, r.json()["code"]) == (404, "no_current_contract")
    assert [c["effective_from"] for c in api.get(base).json()] == ["2026-01-01", "2027-01-01"]


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("platform_admin", True),
        ("inst_admin", True),
        ("finance_a", True),
        ("regulator", True),  # district 1 holds institution A
        ("other_regulator", False),
        ("other_admin", False),
        ("nurse", False),
        ("operator", False),
        ("payer_officer", False),
        ("elder", False),
    ],
)
def test_contract_visibility(world, personas, finance_a, api_as, who, visible):
    Contract.objects.create(
        institution=world.inst_a, effective_from="2026-01-01", platform_bp=1500,
        institution_bp=2500, provider_bp=6000,
    )  # fmt: skip
    user = finance_a if who == "finance_a" else getattr(personas, who)
    api = api_as(user)
    for path in ("contracts", "contracts/current"):
        r = api.get(f"{URL}/{world.inst_a.pk}/{path}")
        if visible:
            assert r.status_code == 200, (who, path)
        else:
            assert (r.status_code, r.json()["code"]) == (404, "not_found"), (who, path)
