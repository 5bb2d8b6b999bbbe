"""Registry API (scoped like the elder) and HTTP batch ingestion for devices and gateways."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.models import AuditEvent
from doorstep.devices import services
from doorstep.devices.models import Device, DeviceMessage, RejectionCount

pytestmark = pytest.mark.django_db


def basic(name: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post_batch(client: Any, auth: dict[str, str], messages: list[dict[str, Any]]) -> Any:
    return client.post(
        "/api/v1/devices/ingest",
        data={"messages": messages},
        content_type="application/json",
        **auth,
    )


def test_register_shows_the_secret_once_and_lists_scoped(
    api_as: Any, personas: Any, elder_a: Any, elder_b: Any
) -> None:
    r = api_as(personas.inst_admin).post(
        f"/api/v1/elders/{elder_a.pk}/devices", {"type": "glucometer", "label": "kitchen"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    device_id = body["device"]["device_id"]
    assert device_id.startswith("glu-")
    assert body["mqtt_username"] == device_id
    assert body["events_topic"] == f"doorstep/devices/{device_id}/events"
    stored = Device.objects.get(device_id=device_id)
    assert stored.secret_hash.startswith("$7$")
    assert body["secret"] not in stored.secret_hash
    assert AuditEvent.objects.filter(object_type="device", action="register").count() == 1
    pk = body["device"]["id"]
    listed = api_as(personas.inst_admin).get("/api/v1/devices").json()["items"]
    assert [d["id"] for d in listed] == [pk]
    assert api_as(personas.other_admin).get("/api/v1/devices").json() == {"items": []}
    assert api_as(personas.other_admin).get(f"/api/v1/devices/{pk}").status_code == 404
    assert api_as(personas.regulator).get(f"/api/v1/devices/{pk}").status_code == 404
    # another institution cannot register for 王秀英 (404: she is not theirs), nor retire
    r = api_as(personas.other_admin).post(f"/api/v1/elders/{elder_a.pk}/devices", {"type": "watch"})
    assert r.status_code == 404
    assert api_as(personas.other_admin).post(f"/api/v1/devices/{pk}/retire").status_code == 404
    # the dispatcher sees the device but may not retire it
    assert api_as(personas.dispatcher).post(f"/api/v1/devices/{pk}/retire").status_code == 403
    assert Device.objects.count() == 1


def test_bad_device_type_is_422_and_stores_nothing(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    r = api_as(personas.inst_admin, lang="zh-hans").post(
        f"/api/v1/elders/{elder_a.pk}/devices", {"type": "toaster"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "device_invalid"
    assert r.json()["details"] == {"field": "type"}
    assert Device.objects.count() == 0


def test_retire_and_rotate(api_as: Any, personas: Any, kit: Any, client: Any) -> None:
    admin = api_as(personas.inst_admin)
    r = admin.post(f"/api/v1/devices/{kit.bp.pk}/rotate-secret")
    assert r.status_code == 200
    new_secret = r.json()["secret"]
    ts = clock.now().isoformat()
    msg = {"seq": 1, "ts": ts, "type": "heartbeat", "values": {}}
    assert post_batch(client, basic(kit.bp.device_id, kit.bp_secret), [msg]).status_code == 401
    assert post_batch(client, basic(kit.bp.device_id, new_secret), [msg]).status_code == 200
    assert admin.post(f"/api/v1/devices/{kit.bp.pk}/retire").json()["status"] == "retired"
    r = admin.post(f"/api/v1/devices/{kit.bp.pk}/retire")
    assert (r.status_code, r.json()["code"]) == (409, "device_retired")
    assert post_batch(client, basic(kit.bp.device_id, new_secret), [msg]).status_code == 401


def test_device_posts_its_own_batch_duplicates_once(client: Any, kit: Any) -> None:
    ts = clock.now().isoformat()
    messages = [
        {
            "seq": 10,
            "ts": ts,
            "type": "blood_pressure",
            "values": {"systolic": 150, "diastolic": 95},
        },
        {
            "seq": 10,
            "ts": ts,
            "type": "blood_pressure",
            "values": {"systolic": 150, "diastolic": 95},
        },
        {"seq": 11, "ts": ts, "type": "sos", "values": {}},
        {"seq": 12, "ts": ts, "type": "blood_pressure", "values": {"systolic": 150}},
        # a device cannot post for another one: device_id is ignored, its own id is used
        {"device_id": kit.watch.device_id, "seq": 13, "ts": ts, "type": "heartbeat"},
    ]
    r = post_batch(client, basic(kit.bp.device_id, kit.bp_secret), messages)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["stored"], body["duplicates"], body["rejected"]) == (2, 1, 2)
    assert [(x["seq"], x["status"], x["reason"]) for x in body["results"]] == [
        (10, "stored", ""),
        (10, "duplicate", ""),
        (None, "rejected", "type_not_for_device"),
        (None, "rejected", "values_invalid"),
        (13, "stored", ""),
    ]
    assert set(DeviceMessage.objects.values_list("device__device_id", flat=True)) == {
        kit.bp.device_id
    }
    assert RejectionCount.objects.filter(via="http").count() == 2


def test_gateway_posts_for_its_household_only(
    api_as: Any, personas: Any, kit: Any, elder_b: Any, client: Any
) -> None:
    r = api_as(personas.inst_admin).post(f"/api/v1/elders/{kit.bp.elder_id}/gateways")
    assert r.status_code == 201, r.content
    gw = r.json()
    other, _ = services.register_device(
        actor=Actor.of(personas.other_admin), elder=elder_b, type="watch"
    )
    ts = clock.now().isoformat()
    r = post_batch(
        client,
        basic(gw["gateway_id"], gw["secret"]),
        [
            {"device_id": kit.watch.device_id, "seq": 1, "ts": ts, "type": "fall"},
            {"device_id": other.device_id, "seq": 1, "ts": ts, "type": "fall"},
        ],
    )
    assert [(x["status"], x["reason"]) for x in r.json()["results"]] == [
        ("stored", ""),
        ("rejected", "device_unknown"),
    ]
    bad = post_batch(client, basic(gw["gateway_id"], "wrong"), [])
    assert (bad.status_code, bad.json()["code"]) == (401, "device_credentials_invalid")
    big = post_batch(client, basic(gw["gateway_id"], gw["secret"]), [{"seq": 1}] * 501)
    assert (big.status_code, big.json()["code"]) == (422, "device_batch_too_large")
