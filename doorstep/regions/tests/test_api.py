"""/api/v1/regions: read for everyone signed in, writes for platform admins, stats scoped."""

from __future__ import annotations

import pytest

from doorstep.core.models import AuditEvent
from doorstep.regions.models import Region

from .conftest import square

pytestmark = pytest.mark.django_db

URL = "/api/v1/regions"
BOUNDARY = {"type": "Polygon", "coordinates": [square(121.55, 29.85, 121.57, 29.87)]}


def payload(world, **kw):
    data = {
        "code": "330203001002",
        "level": 5,
        "parent_id": world.street1.pk,
        "name_zh": "孝闻社区",
        "name_en": "Xiaowen Community",
        "centroid_lat": 29.86,
        "centroid_lng": 121.56,
        "boundary": BOUNDARY,
    }
    data.update(kw)
    return data


def test_anonymous_gets_401(world, api_as):
    r = api_as(None).get(URL)
    assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")


def test_list_filters_and_paginates(world, personas, api_as):
    api = api_as(personas.elder)
    r = api.get(URL, {"level": 3})
    assert r.status_code == 200
    assert r.json()["count"] == 2
    assert [i["code"] for i in r.json()["items"]] == ["330203", "330212"]
    r = api.get(URL, {"parent": personas.regulator.memberships.get().region_id})
    assert [i["code"] for i in r.json()["items"]] == ["330203001"]
    r = api.get(URL, {"q": "鄞州"})
    assert [i["name"] for i in r.json()["items"]] == ["Yinzhou"]
    r = api.get(URL, {"limit": 3, "offset": 1})
    assert r.json()["count"] == 8
    assert [i["code"] for i in r.json()["items"]] == ["330200", "330203", "330203001"]


def test_names_follow_the_request_language(world, personas, api_as):
    r = api_as(personas.elder, "zh-hans").get(f"{URL}/{world.district2.pk}")
    assert r.json()["name"] == "鄞州区"


def test_detail_has_ancestors_and_children(world, personas, api_as):
    r = api_as(personas.nurse).get(f"{URL}/{world.district1.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["path"] == "/330000/330200/330203/"
    assert [a["code"] for a in body["ancestors"]] == ["330000", "330200"]
    assert [c["code"] for c in body["children"]] == ["330203001"]
    assert api_as(personas.nurse).get(f"{URL}/999999").json()["code"] == "not_found"


def test_geojson_of_children(mapped, personas, api_as):
    r = api_as(personas.operator).get(f"{URL}/{mapped.street2.pk}/geojson")
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == ["330212101201"]
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_locate_a_point(mapped, personas, api_as):
    api = api_as(personas.operator)
    r = api.get(f"{URL}/locate", {"lat": 29.86, "lng": 121.54})
    assert r.status_code == 200
    assert r.json()["region"]["code"] == "330203001001"
    assert [b["code"] for b in r.json()["breadcrumb"]][-2:] == ["330203001", "330203001001"]
    r = api.get(f"{URL}/locate", {"lat": 10, "lng": 10})
    assert (r.status_code, r.json()["code"]) == (404, "no_region_at_point")


def test_platform_admin_creates_and_updates(world, personas, api_as):
    api = api_as(personas.platform_admin)
    r = api.post(URL, payload(world))
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["path"] == "/330000/330200/330203/330203001/330203001002/"
    assert [a["code"] for a in body["ancestors"]][-1] == "330203001"
    r = api.patch(f"{URL}/{body['id']}", {"name_en": "Xiaowen", "centroid_lat": None,
                                          "centroid_lng": None})  # fmt: skip
    assert r.status_code == 200
    assert (r.json()["name_en"], r.json()["centroid_lat"]) == ("Xiaowen", None)
    assert r.json()["boundary"]["type"] == "Polygon"  # untouched
    assert AuditEvent.objects.filter(object_type="region", object_id=str(body["id"])).count() == 2


@pytest.mark.parametrize("who", ["regulator", "inst_admin", "operator", "nurse"])
def test_others_cannot_create_or_update(world, personas, api_as, who):
    api = api_as(getattr(personas, who))
    r = api.post(URL, payload(world))
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = api.patch(f"{URL}/{world.community1.pk}", {"name_en": "Hacked"})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert not Region.objects.filter(code="330203001002").exists()
    assert Region.objects.get(pk=world.community1.pk).name_en == "Yinjiang Community"
    assert not AuditEvent.objects.filter(object_type="region").exists()


def test_level_mismatch_and_invalid_geojson_over_http(world, personas, api_as):
    api = api_as(personas.platform_admin)
    r = api.post(URL, payload(world, level=4))
    assert (r.status_code, r.json()["code"]) == (422, "region_level_mismatch")
    assert r.json()["details"] == {"field": "level", "expected": 5, "given": 4}
    bad = {"type": "Polygon", "coordinates": [[[121.5, 29.8], [121.6, 29.8], [121.6, 29.9]]]}
    r = api.post(URL, payload(world, boundary=bad))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_geojson")
    assert r.json()["details"]["reason"] == "ring_too_short"
    assert Region.objects.count() == 8


def test_invalid_geojson_message_in_chinese(world, personas, api_as):
    r = api_as(personas.platform_admin, "zh-hans").patch(
        f"{URL}/{world.community1.pk}", {"boundary": {"type": "Point", "coordinates": [1, 2]}}
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_geojson")
    assert r.json()["message"] == "边界必须是 GeoJSON Polygon 或 MultiPolygon。"


def test_stats_for_platform_admin_and_regulator_in_scope(world, personas, api_as):
    r = api_as(personas.platform_admin).get(f"{URL}/{world.city.pk}/stats", {"on": "2026-11-23"})
    assert r.status_code == 200
    body = r.json()
    assert body["on"] == "2026-11-23"
    assert (body["totals"]["communities"], body["totals"]["institutions"]) == (2, 2)
    assert [c["region"]["code"] for c in body["children"]] == ["330203", "330212"]
    assert [c["counts"]["institutions"] for c in body["children"]] == [1, 1]
    r = api_as(personas.regulator).get(f"{URL}/{world.district1.pk}/stats")
    assert r.status_code == 200
    assert r.json()["totals"]["institutions_by_status"]["active"] == 1


@pytest.mark.parametrize(
    ("who", "node"),
    [
        ("regulator", "district2"),
        ("regulator", "city"),
        ("other_regulator", "district1"),
        ("inst_admin", "district1"),
        ("operator", "district1"),
    ],
)
def test_stats_outside_scope_is_404(world, personas, api_as, who, node):
    r = api_as(getattr(personas, who)).get(f"{URL}/{getattr(world, node).pk}/stats")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
