"""The home devices page (ADR 0030): scoped list, register (secret shown once), retire."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.devices import services
from doorstep.devices.models import Device

pytestmark = pytest.mark.django_db


def test_admin_registers_and_retires_a_device(login_as: Any, personas: Any, elder_a: Any) -> None:
    client = login_as(personas.inst_admin, lang="zh-hans")
    page = client.get("/devices/")
    assert page.status_code == 200
    assert "还没有设备。" in page.content.decode()
    r = client.post("/devices/register/", {"elder": elder_a.pk, "type": "watch", "label": "卧室"})
    body = r.content.decode()
    device = Device.objects.get()
    assert r.status_code == 200
    assert device.device_id in body
    assert "密钥只显示这一次" in body
    assert device.secret_hash not in body
    assert 'data-testid="new-device-secret"' in body
    # the list shows it; a reload does not show the secret again
    again = client.get("/devices/").content.decode()
    assert f'data-testid="device-{device.pk}"' in again
    assert 'data-testid="new-device-secret"' not in again
    r = client.post(f"/devices/{device.pk}/retire/")
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.status == "retired"


def test_bad_type_is_refused_and_other_institutions_see_nothing(
    login_as: Any, personas: Any, elder_a: Any
) -> None:
    client = login_as(personas.inst_admin)
    r = client.post("/devices/register/", {"elder": elder_a.pk, "type": "toaster"})
    assert r.status_code == 200
    assert "Check the device details." in r.content.decode()
    assert Device.objects.count() == 0
    device, _ = services.register_device(
        actor=Actor.of(personas.inst_admin), elder=elder_a, type="bp_monitor"
    )
    client.logout()
    other = login_as(personas.other_admin)
    assert f'data-testid="device-{device.pk}"' not in other.get("/devices/").content.decode()
    assert other.post(f"/devices/{device.pk}/retire/").status_code == 404
    assert (
        other.post("/devices/register/", {"elder": elder_a.pk, "type": "watch"}).status_code == 404
    )
    other.logout()
    assert login_as(personas.nurse).get("/devices/").status_code == 404
    assert Device.objects.count() == 1
