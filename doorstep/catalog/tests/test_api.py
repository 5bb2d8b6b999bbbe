"""The catalogue API: reads, quotes with their breakdown, price caps, pricing policies and
institution offerings, with isolation between institutions."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.catalog.models import Offering, PriceCap, PricingPolicy, ServiceItem
from doorstep.core.models import AuditEvent
from doorstep.organizations.enums import InstitutionType
from doorstep.organizations.models import Institution, ServiceArea

pytestmark = pytest.mark.django_db

DAY = "2026-06-15T09:00:00+08:00"  # Monday morning, not a holiday


def lines(quote: dict[str, Any]) -> dict[str, int]:
    return {ln["code"]: ln["amount_fen"] for ln in quote["lines"]}


# --- catalogue reads ------------------------------------------------------------------


def test_categories_in_chinese(catalog: Any, personas: Any, api_as: Any) -> None:
    r = api_as(personas.elder, "zh-hans").get("/api/v1/catalog/categories")
    assert r.status_code == 200
    cats = r.json()
    assert len(cats) == 14
    assert sum(c["item_count"] for c in cats) == ServiceItem.objects.count() == 69
    tcm = next(c for c in cats if c["code"] == "tcm")
    assert (tcm["name"], tcm["group"], tcm["group_label"], tcm["item_count"]) == (
        "中医护理",
        "tcm_nursing",
        "中医护理",
        6,
    )


def test_items_filter_and_paginate(
    catalog: Any, world: Any, personas: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_as(personas.family)
    with django_assert_max_num_queries(8):
        r = client.get("/api/v1/catalog/items", {"limit": 10, "offset": 0})
    body = r.json()
    assert (r.status_code, body["count"], len(body["items"])) == (200, 69, 10)
    assert body["items"][0]["code"] == "injection_im"
    tcm = client.get("/api/v1/catalog/items", {"group": "tcm_nursing"}).json()
    assert [i["code"] for i in tcm["items"]] == [
        "tcm_cupping",
        "tcm_moxibustion",
        "tcm_tuina",
        "tcm_acupressure",
        "tcm_guasha",
        "tcm_acupoint_patch",
    ]
    picc = client.get("/api/v1/catalog/items", {"q": "PICC"}).json()["items"]
    assert [i["code"] for i in picc] == ["picc_maintenance"]
    assert picc[0]["requirement"] == {
        "preset": "picc_care",
        "provider_kinds": ["nurse"],
        "min_title": "senior_nurse",
        "min_title_rank": 2,
        "min_years": 5,
        "certificates": ["specialist_picc"],
        "clinical": True,
    }
    offered = client.get("/api/v1/catalog/items", {"region": world.community2.pk}).json()
    assert [i["code"] for i in offered["items"]] == ["injection_im"]
    volunteers = client.get("/api/v1/catalog/items", {"provider_kind": "volunteer"}).json()
    assert volunteers["count"] == 9
    assert "home_repair" in [i["code"] for i in volunteers["items"]]
    bad = client.get("/api/v1/catalog/items", {"group": "nonsense"})
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")


def test_item_detail_in_chinese(catalog: Any, personas: Any, api_as: Any) -> None:
    item = catalog.items["picc_maintenance"]
    r = api_as(personas.nurse, "zh-hans").get(f"/api/v1/catalog/items/{item.pk}")
    body = r.json()
    assert (r.status_code, body["name"], body["duration_minutes"]) == (200, "PICC 维护", 45)
    assert body["consumables"] == [
        {
            "code": "picc_kit",
            "name": "PICC 维护包",
            "name_zh": "PICC 维护包",
            "name_en": "PICC maintenance kit",
            "unit": "set",
            "price_fen": 4500,
        }
    ]
    fields = {f["key"]: f for f in body["documentation_template"]}
    assert fields["arm_circumference"]["label"] == "臂围"
    assert (fields["arm_circumference"]["unit"], fields["photo"]["type"]) == ("cm", "photo")
    assert [p["code"] for p in body["packages"]] == ["picc_4w"]
    assert body["packages"][0]["name"] == "PICC 维护 4 周套餐"


def test_withdrawn_item_is_hidden_except_from_platform_admins(
    catalog: Any, personas: Any, api_as: Any
) -> None:
    item = catalog.items["massage"]
    item.is_active = False
    item.save()
    r = api_as(personas.elder).get(f"/api/v1/catalog/items/{item.pk}")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    admin = api_as(personas.platform_admin).get(f"/api/v1/catalog/items/{item.pk}")
    assert (admin.status_code, admin.json()["is_active"]) == (200, False)
    assert api_as(personas.elder).get("/api/v1/catalog/items").json()["count"] == 68


def test_packages(catalog: Any, personas: Any, api_as: Any) -> None:
    client = api_as(personas.family)
    assert len(client.get("/api/v1/catalog/packages").json()) == 10
    picc = catalog.items["picc_maintenance"]
    r = client.get("/api/v1/catalog/packages", {"item_id": picc.pk}).json()
    assert [(p["code"], p["visit_count"], p["interval_days"], p["discount_bp"]) for p in r] == [
        ("picc_4w", 4, 7, 500)
    ]


def test_catalogue_requires_sign_in(catalog: Any, api_as: Any) -> None:
    r = api_as(None).get("/api/v1/catalog/categories")
    assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")


# --- quotes ---------------------------------------------------------------------------


def test_quote_for_an_elder_at_one_institution(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    """王秀英 (care level 2) books an IM injection from institution A (70.00 yuan), 4,448 m
    away: 7000 + 700 (x1.1) + 0 (x1.0) + 556 travel + 500 kit = 8756 (the hand-checked
    case of test_pricing). The reference uses the catalogue base 6000: 6000 + 600 + 500."""
    r = api_as(personas.elder).post(
        "/api/v1/catalog/quote",
        {
            "item_id": catalog.items["injection_im"].pk,
            "elder_id": elder_a.pk,
            "institution_id": world.inst_a.pk,
            "at": DAY,
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    (q,) = body["quotes"]
    assert lines(q) == {
        "base": 7000,
        "complexity": 700,
        "credential": 0,
        "distance": 556,
        "consumable:injection_kit": 500,
    }
    assert (q["total_fen"], q["cap_fen"], q["capped"], q["distance_m"]) == (8756, 9000, False, 5782)
    assert (q["institution_id"], q["offering_id"]) == (world.inst_a.pk, catalog.im_a.pk)
    assert [ln["label"] for ln in q["lines"]] == [
        "Base fee",
        "Care level 2: x1.1",
        "Required qualification: x1.0",
        "Travel 5.8 km (first 3 km free)",
        "Syringe and disinfection kit x 1",
    ]
    assert body["reference"]["total_fen"] == 7100
    assert body["care_level"] == 2


def test_quote_labels_in_chinese(catalog: Any, elder_a: Any, personas: Any, api_as: Any) -> None:
    r = api_as(personas.elder, "zh-hans").post(
        "/api/v1/catalog/quote",
        {
            "item_id": catalog.items["injection_im"].pk,
            "elder_id": elder_a.pk,
            "at": "2026-10-01T21:00:00+08:00",
        },
    )
    (q,) = r.json()["quotes"]
    assert [ln["label"] for ln in q["lines"]] == [
        "基础服务费",
        "护理等级 2 级：×1.1",
        "资质要求：×1.0",
        "路程 5.8 公里（3 公里内免费）",
        "夜间服务加收 30%",
        "法定节假日加收 50%",
        "注射器及消毒用品 × 1",
        "区域指导价上限 90.00 元",
    ]
    # 7000 + 700 + 556 + 2310 (30% of 7700) + 3850 (50%) + 500 = 14916 -> cap 9000
    assert (lines(q)["cap"], q["total_fen"]) == (9000 - 14916, 9000)


def test_quote_compares_every_institution_cheapest_first(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    inst_c = Institution.objects.create(
        name_zh="南门护理站", name_en="Nanmen Nursing Station",
        type=InstitutionType.COMMUNITY_HEALTH_CENTRE, licence_number="PDY-C-003",
        status="active", region=world.street1,
    )  # fmt: skip
    ServiceArea.objects.create(institution=inst_c, region=world.street1)
    Offering.objects.create(
        institution=inst_c, item=catalog.items["injection_im"], region=world.street1, price_fen=6000
    )
    r = api_as(personas.elder).post(
        "/api/v1/catalog/quote",
        {"item_id": catalog.items["injection_im"].pk, "elder_id": elder_a.pk, "at": DAY},
    )
    quotes = r.json()["quotes"]
    # C has no location: no travel line. 6000 + 600 + 500 = 7100; A: 8756. B (district 2)
    # does not serve the elder.
    assert [(q["institution_id"], q["total_fen"]) for q in quotes] == [
        (inst_c.pk, 7100),
        (world.inst_a.pk, 8756),
    ]
    assert quotes[0]["institution_name"] == "Nanmen Nursing Station"


def test_quote_a_package_capped_per_visit(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    """PICC 4 weekly visits at A (180.00): 18000 + 1800 (x1.1) + 3960 (specialist x1.2)
    + 556 travel + 4500 kit = 28816 -> cap 27000 (-1816); + 3 x 27000 = 108000;
    - 5% (5400) = 102600."""
    r = api_as(personas.elder).post(
        "/api/v1/catalog/quote",
        {"package_id": catalog.packages["picc_4w"].pk, "elder_id": elder_a.pk, "at": DAY},
    )
    (q,) = r.json()["quotes"]
    assert lines(q) == {
        "base": 18000,
        "complexity": 1800,
        "credential": 3960,
        "distance": 556,
        "consumable:picc_kit": 4500,
        "cap": -1816,
        "package_visits": 81000,
        "package_discount": -5400,
    }
    assert (q["visit_fen"], q["visit_count"], q["total_fen"]) == (27000, 4, 102600)


def test_quote_for_browsing_by_region(catalog: Any, world: Any, personas: Any, api_as: Any) -> None:
    """Without an elder: community 1's centroid (29.86, 121.54) is 4,592 m from A ->
    x130% = 5970 m -> (5970 - 3000) x 0.2 = 594; care level 0: 7000 + 594 + 500 = 8094."""
    r = api_as(personas.nobody).post(
        "/api/v1/catalog/quote",
        {
            "item_id": catalog.items["injection_im"].pk,
            "region_id": world.community1.pk,
            "at": DAY,
        },
    )
    (q,) = r.json()["quotes"]
    assert (q["distance_m"], lines(q)["distance"], q["total_fen"]) == (5970, 594, 8094)


def test_quote_refusals_change_nothing(
    catalog: Any, world: Any, elder_a: Any, elder_b: Any, personas: Any, api_as: Any
) -> None:
    client, zh = api_as(personas.elder), api_as(personas.elder, "zh-hans")
    before = AuditEvent.objects.count()
    im = catalog.items["injection_im"].pk
    both = client.post(
        "/api/v1/catalog/quote",
        {"item_id": im, "package_id": catalog.packages["picc_4w"].pk, "elder_id": elder_a.pk},
    )
    assert (both.status_code, both.json()["code"]) == (422, "item_or_package_required")
    nowhere = client.post("/api/v1/catalog/quote", {"item_id": im})
    assert (nowhere.status_code, nowhere.json()["code"]) == (422, "location_required")
    other = client.post("/api/v1/catalog/quote", {"item_id": im, "elder_id": elder_b.pk})
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    not_offered = zh.post(
        "/api/v1/catalog/quote",
        {"item_id": im, "elder_id": elder_a.pk, "institution_id": world.inst_b.pk},
    )
    assert not_offered.status_code == 422
    assert not_offered.json()["code"] == "not_offered"
    assert not_offered.json()["message"] == "该老人所在地区没有机构提供此服务项目。"
    assert AuditEvent.objects.count() == before


# --- pricing policy -------------------------------------------------------------------


def test_pricing_policy_versions_apply_to_the_subtree(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    admin = api_as(personas.platform_admin)
    default = admin.get("/api/v1/catalog/pricing-policy", {"region_id": world.community1.pk})
    assert (default.json()["version"], default.json()["free_radius_m"]) == ("default", 3000)
    r = admin.post(
        "/api/v1/catalog/pricing-policy",
        {"region_id": world.city.pk, "effective_from": "2026-06-01", "free_radius_m": 10000},
    )
    assert r.status_code == 201, r.content
    assert (r.json()["version"], r.json()["free_radius_m"]) == ("330200:v1", 10000)
    assert r.json()["night_surcharge_bp"] == 3000  # kept from the defaults
    r2 = admin.post(
        "/api/v1/catalog/pricing-policy",
        {"region_id": world.city.pk, "effective_from": "2026-06-10", "night_surcharge_bp": 5000},
    )
    assert (r2.json()["version"], r2.json()["free_radius_m"]) == ("330200:v2", 10000)
    assert PricingPolicy.objects.filter(region=world.city).count() == 2
    q = api_as(personas.elder).post(
        "/api/v1/catalog/quote",
        {"item_id": catalog.items["injection_im"].pk, "elder_id": elder_a.pk, "at": DAY},
    )
    (quote,) = q.json()["quotes"]
    # 5,782 m is inside the new 10 km free radius: 7000 + 700 + 0 + 500.
    assert (lines(quote)["distance"], quote["total_fen"]) == (0, 8200)
    assert quote["policy_version"] == "330200:v2"
    # The other district keeps the city's policy; a district policy would override it.
    assert (
        admin.get("/api/v1/catalog/pricing-policy", {"region_id": world.district2.pk}).json()[
            "version"
        ]
        == "330200:v2"
    )


def test_pricing_policy_refusals(catalog: Any, world: Any, personas: Any, api_as: Any) -> None:
    body = {"region_id": world.city.pk, "effective_from": "2026-06-01", "detour_factor_pct": 50}
    r = api_as(personas.platform_admin).post("/api/v1/catalog/pricing-policy", body)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_pricing_policy")
    assert r.json()["details"] == {"fields": ["detour_factor_pct"]}
    body["detour_factor_pct"] = 120
    forbidden = api_as(personas.inst_admin).post("/api/v1/catalog/pricing-policy", body)
    assert forbidden.status_code == 403
    assert PricingPolicy.objects.count() == 0


# --- price caps -----------------------------------------------------------------------


def test_price_caps_read_by_all_written_by_platform(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    im = catalog.items["injection_im"]
    caps = api_as(personas.elder).get(
        "/api/v1/catalog/price-caps", {"item_id": im.pk, "region_id": world.community1.pk}
    )
    assert [(c["region_id"], c["cap_fen"]) for c in caps.json()] == [(world.province.pk, 9000)]
    body = {
        "item_id": im.pk,
        "region_id": world.district1.pk,
        "cap_fen": 8000,
        "effective_from": "2026-06-01",
    }
    before = PriceCap.objects.count()
    refused = api_as(personas.inst_admin).post("/api/v1/catalog/price-caps", body)
    assert refused.json()["code"] == "forbidden"
    assert (refused.status_code, PriceCap.objects.count()) == (403, before)
    bad = api_as(personas.platform_admin).post(
        "/api/v1/catalog/price-caps", {**body, "effective_to": "2026-05-01"}
    )
    assert (bad.status_code, bad.json()["code"], PriceCap.objects.count()) == (
        422,
        "invalid_dates",
        before,
    )
    r = api_as(personas.platform_admin).post("/api/v1/catalog/price-caps", body)
    assert (r.status_code, r.json()["cap_fen"], r.json()["region_name"]) == (201, 8000, "Haishu")
    assert AuditEvent.objects.filter(action="catalog.price_cap.create").count() == 1
    # The district's cap is nearer than the province's: the quote is capped at 80.00.
    q = (
        api_as(personas.elder)
        .post(
            "/api/v1/catalog/quote",
            {"item_id": im.pk, "elder_id": elder_a.pk, "at": "2026-06-15T21:00:00+08:00"},
        )
        .json()["quotes"][0]
    )
    # 7000 + 700 + 556 + 2310 night + 500 = 11066 -> 8000
    assert (q["cap_fen"], lines(q)["cap"], q["total_fen"]) == (8000, -3066, 8000)


# --- offerings ------------------------------------------------------------------------


def test_institution_admin_lists_own_offerings_others_get_404(
    catalog: Any, world: Any, personas: Any, api_as: Any
) -> None:
    path = f"/api/v1/institutions/{world.inst_a.pk}/offerings"
    r = api_as(personas.inst_admin).get(path)
    assert r.status_code == 200
    assert [(o["item_code"], o["price_fen"], o["cap_fen"]) for o in r.json()] == [
        ("injection_im", 7000, 9000),
        ("picc_maintenance", 18000, 27000),
    ]
    assert api_as(personas.platform_admin).get(path).status_code == 200
    for who in ("other_admin", "nurse", "reviewer", "elder", "regulator"):
        denied = api_as(getattr(personas, who)).get(path)
        assert (who, denied.status_code) == (who, 404)


def test_create_offering(catalog: Any, world: Any, personas: Any, api_as: Any) -> None:
    bp = catalog.items["bp_check"]
    r = api_as(personas.inst_admin).post(
        f"/api/v1/institutions/{world.inst_a.pk}/offerings",
        {"item_id": bp.pk, "region_id": world.community1.pk, "price_fen": 3500},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["item_code"], body["price_fen"], body["cap_fen"], body["is_active"]) == (
        "bp_check",
        3500,
        4500,
        True,
    )
    event = AuditEvent.objects.get(action="catalog.offering.create")
    assert (event.object_id, event.partition) == (str(body["id"]), f"inst:{world.inst_a.pk}")
    assert event.details == {"item": "bp_check", "region": "330203001001", "price_fen": 3500}


@pytest.mark.parametrize(
    ("who", "change", "status", "code"),
    [
        ("inst_admin", {"price_fen": 4600}, 422, "price_above_cap"),
        ("inst_admin", {"region": "district2"}, 422, "outside_service_area"),
        ("inst_admin", {"item": "injection_im"}, 409, "offering_exists"),
        ("inst_admin", {"price_fen": 0}, 422, "invalid_price"),
        ("other_admin", {}, 404, "not_found"),
        ("nurse", {}, 404, "not_found"),
    ],
)
def test_create_offering_refusals_write_nothing(
    catalog: Any,
    world: Any,
    personas: Any,
    api_as: Any,
    who: str,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    body = {
        "item_id": catalog.items[change.get("item", "bp_check")].pk,
        "region_id": getattr(world, change.get("region", "district1")).pk,
        "price_fen": change.get("price_fen", 3500),
    }
    client = api_as(getattr(personas, who))
    before = Offering.objects.count(), AuditEvent.objects.count()
    r = client.post(f"/api/v1/institutions/{world.inst_a.pk}/offerings", body)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert (Offering.objects.count(), AuditEvent.objects.count()) == before


def test_price_above_cap_message_in_chinese(
    catalog: Any, world: Any, personas: Any, api_as: Any
) -> None:
    r = api_as(personas.inst_admin, "zh-hans").post(
        f"/api/v1/institutions/{world.inst_a.pk}/offerings",
        {
            "item_id": catalog.items["bp_check"].pk,
            "region_id": world.district1.pk,
            "price_fen": 4600,
        },
    )
    assert r.json() == {
        "code": "price_above_cap",
        "message": "价格高于该项目的区域指导价。",
        "details": {"cap_fen": 4500, "price_fen": 4600},
    }


def test_update_offering_and_isolation(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    path = f"/api/v1/offerings/{catalog.im_a.pk}"
    stolen = api_as(personas.other_admin).patch(path, {"price_fen": 100})
    assert (stolen.status_code, stolen.json()["code"]) == (404, "not_found")
    too_high = api_as(personas.inst_admin).patch(path, {"price_fen": 9100})
    assert (too_high.status_code, too_high.json()["code"]) == (422, "price_above_cap")
    catalog.im_a.refresh_from_db()
    assert catalog.im_a.price_fen == 7000
    assert not AuditEvent.objects.filter(action="catalog.offering.update").exists()
    ok = api_as(personas.inst_admin).patch(path, {"price_fen": 8000})
    assert (ok.status_code, ok.json()["price_fen"]) == (200, 8000)
    event = AuditEvent.objects.get(action="catalog.offering.update")
    assert (event.changed_fields, event.details) == (
        ["price_fen"],
        {"price_fen": {"from": 7000, "to": 8000}},
    )
    off = api_as(personas.inst_admin).patch(path, {"is_active": False})
    assert off.json()["is_active"] is False
    q = api_as(personas.elder).post(
        "/api/v1/catalog/quote",
        {
            "item_id": catalog.items["injection_im"].pk,
            "elder_id": elder_a.pk,
            "institution_id": world.inst_a.pk,
        },
    )
    assert (q.status_code, q.json()["code"]) == (422, "not_offered")


def test_quote_queries_do_not_grow_with_institutions(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(personas.elder)
    body = {"item_id": catalog.items["injection_im"].pk, "elder_id": elder_a.pk, "at": DAY}

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.post("/api/v1/catalog/quote", body)
        return len(ctx.captured_queries), len(r.json()["quotes"])

    count()  # warm up: the token's first use is recorded once
    one = count()
    for n in range(5):
        inst = Institution.objects.create(
            name_zh=f"机构{n}", name_en=f"Agency {n}", type=InstitutionType.SECONDARY_HOSPITAL,
            licence_number=f"X-{n}", status="active", region=world.district1,
        )  # fmt: skip
        ServiceArea.objects.create(institution=inst, region=world.district1)
        Offering.objects.create(
            institution=inst, item=catalog.items["injection_im"], region=world.district1,
            price_fen=6000 + n,
        )  # fmt: skip
    six = count()
    assert (one[1], six[1]) == (1, 6)
    assert six[0] == one[0] <= 10


def test_a_staff_quote_is_an_audited_read_the_elders_own_is_not(
    catalog: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    body = {"item_id": catalog.items["injection_im"].pk, "elder_id": elder_a.pk, "at": DAY}
    elder, staff = api_as(personas.elder), api_as(personas.reviewer)
    reads = AuditEvent.objects.filter(action="read", object_type="elder")
    before = reads.count()
    assert elder.post("/api/v1/catalog/quote", body).status_code == 200
    assert reads.count() == before
    assert staff.post("/api/v1/catalog/quote", body).status_code == 200
    event = reads.latest("id")
    assert (reads.count(), event.actor_id, event.details) == (
        before + 1,
        personas.reviewer.pk,
        {"purpose": "quote"},
    )
