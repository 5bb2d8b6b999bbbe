"""Alarm settings pages through Django's test client: an elder's thresholds (clinical staff
change, readers see, others 404), an institution's security contacts (its admins only) and
one's own alarm e-mail; bad input is shown on the page and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_user
from doorstep.alerts.models import AlarmAddress, SafetyContact, Threshold

pytestmark = pytest.mark.django_db


def test_nurse_sets_and_clears_an_elders_threshold(
    client: Any, login_as: Any, personas: Any, elder_a: Any
) -> None:
    url = f"/alarms/thresholds/{elder_a.pk}/"
    nurse = login_as(personas.nurse)
    page = nurse.get(url)
    assert page.status_code == 200
    assert b'data-testid="save-systolic"' in page.content
    assert "critical ≥ 180".encode() in page.content  # the platform's bound in force
    r = nurse.post(url, {"measure": "systolic", "critical_high": "170", "warning_high": "150"})
    assert r.status_code == 302
    row = Threshold.objects.get(is_active=True)
    assert (row.measure, row.critical_high, row.warning_high) == ("systolic", 170, 150)
    page = nurse.get(url)
    assert "critical ≥ 170".encode() in page.content
    assert b'value="170"' in page.content
    # out of order: shown on the page with what was typed, nothing saved
    r = nurse.post(url, {"measure": "systolic", "warning_high": "175", "critical_high": "172"})
    assert r.status_code == 422
    assert b'data-testid="threshold-error"' in r.content
    assert b'value="175"' in r.content
    r = nurse.post(url, {"measure": "glucose", "critical_low": "abc"})
    assert (r.status_code, b"at most two decimals" in r.content) == (422, True)
    assert Threshold.objects.get(is_active=True).pk == row.pk
    nurse.post(url, {"measure": "systolic", "action": "clear"})
    assert not Threshold.objects.filter(is_active=True).exists()


def test_thresholds_page_in_chinese_and_refusals(
    client: Any, login_as: Any, personas: Any, elder_a: Any
) -> None:
    url = f"/alarms/thresholds/{elder_a.pk}/"
    nurse = login_as(personas.nurse, "zh-hans")
    r = nurse.post(url, {"measure": "systolic", "critical_high": "400"})
    assert r.status_code == 422
    assert "生理可能范围".encode() in r.content
    client.logout()
    # the elder sees her thresholds but has no form; a post is refused (403), nothing saved
    elder = login_as(personas.elder)
    page = elder.get(url)
    assert page.status_code == 200
    assert b'data-testid="save-systolic"' not in page.content
    assert elder.post(url, {"measure": "systolic", "critical_high": "170"}).status_code == 403
    client.logout()
    for user in (personas.other_nurse, personas.inst_admin, personas.operator, personas.nobody):
        c = login_as(user)
        assert c.get(url).status_code == 404, user.username
        assert c.post(url, {"measure": "systolic", "critical_high": "170"}).status_code == 404
        client.logout()
    assert not Threshold.objects.exists()


def test_institution_admin_manages_security_contacts(
    client: Any, login_as: Any, personas: Any, world: Any
) -> None:
    guard = make_user("security_a")
    admin = login_as(personas.inst_admin)
    r = admin.get("/alarms/contacts/")
    assert r.status_code == 302
    assert r["Location"] == f"/alarms/contacts/{world.inst_a.pk}/"
    url = f"/alarms/contacts/{world.inst_a.pk}/"
    assert b'data-testid="no-contacts"' in admin.get(url).content
    assert admin.post(url, {"action": "add", "username": "security_a"}).status_code == 302
    contact = SafetyContact.objects.get(is_active=True)
    assert (contact.user_id, contact.institution_id) == (guard.pk, world.inst_a.pk)
    assert f'data-testid="contact-{contact.pk}"'.encode() in admin.get(url).content
    r = admin.post(url, {"action": "add", "username": "no-such-user"})
    assert r.status_code == 422
    assert b'data-testid="contact-error"' in r.content
    client.logout()
    # another institution's admin, a nurse and the contact themselves: 404, nothing changed
    for user in (personas.other_admin, personas.nurse, guard):
        c = login_as(user)
        assert c.get(url).status_code == 404, user.username
        c.post(url, {"action": "remove", "contact": str(contact.pk)})
        client.logout()
    assert login_as(personas.nurse).get("/alarms/contacts/").status_code == 404
    client.logout()
    assert SafetyContact.objects.get(pk=contact.pk).is_active
    admin = login_as(personas.inst_admin)
    admin.post(url, {"action": "remove", "contact": str(contact.pk)})
    assert not SafetyContact.objects.filter(is_active=True).exists()


def test_user_manages_their_own_alarm_email(client: Any, login_as: Any, personas: Any) -> None:
    operator = login_as(personas.operator)
    page = operator.get("/alarms/email/")
    assert b"Alarms are not e-mailed to you." in page.content
    assert operator.post("/alarms/email/", {"email": "desk@example.org"}).status_code == 302
    assert b"desk@example.org" in operator.get("/alarms/email/").content
    client.cookies["django_language"] = "zh-hans"
    r = operator.post("/alarms/email/", {"email": "not an address"})
    client.cookies["django_language"] = "en"
    assert r.status_code == 422
    assert "请输入有效的电子邮箱地址".encode() in r.content
    assert AlarmAddress.objects.get(is_active=True).email == "desk@example.org"
    client.logout()
    # another user sees only their own (none) and cannot clear the operator's
    nurse = login_as(personas.nurse)
    assert b"desk@example.org" not in nurse.get("/alarms/email/").content
    nurse.post("/alarms/email/", {"action": "clear"})
    assert AlarmAddress.objects.filter(is_active=True).count() == 1
    client.logout()
    operator = login_as(personas.operator)
    operator.post("/alarms/email/", {"action": "clear"})
    assert not AlarmAddress.objects.filter(is_active=True).exists()
    client.logout()
    assert client.get("/alarms/email/").status_code == 302  # to the login page
