"""Alarm pages through Django's test client: the nurse's alarm on the visit screen (live
location only while checked in), the security office's view, the elder's SOS button and
the operator's console, scoped."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from conftest import make_user
from doorstep.accounts.policy import Actor
from doorstep.alerts import services as alerts
from doorstep.alerts.models import Alert
from doorstep.core import clock
from doorstep.notifications.models import Notification
from doorstep.orders.models import Visit
from doorstep.quality.tests.conftest import make_visit
from doorstep.workforce.tests.conftest import staff, today  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(world: Any, personas: Any, elder_a: Any, staff: Any) -> Visit:  # noqa: F811
    return make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse,
                      status="in_service", start=clock.now() - dt.timedelta(minutes=20))  # fmt: skip


@pytest.fixture
def security(world: Any, personas: Any) -> Any:
    user = make_user("security_a")
    alerts.add_safety_contact(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, user=user
    )
    return user


def test_nurse_alarm_reaches_security_and_operator_with_live_location(
    client: Any, login_as: Any, personas: Any, visit: Visit, security: Any
) -> None:
    nurse = login_as(personas.nurse)
    page = nurse.get(f"/schedule/{visit.pk}/")
    assert b'data-testid="nurse-alarm"' in page.content
    r = nurse.post(f"/safety/visits/{visit.pk}/alarm/", {"key": "alarm-key-0001"})
    assert r.status_code == 302
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.institution_id, alert.step) == (
        "nurse_alarm", "critical", visit.order.institution_id, "safety",
    )  # fmt: skip
    told = set(Notification.objects.filter(kind="alert.nurse_alarm").values_list(
        "recipient__username", flat=True))  # fmt: skip
    assert told == {"security_a", "operator_1"}
    page = nurse.get(f"/schedule/{visit.pk}/")
    assert b'data-testid="alarm-open"' in page.content
    assert b"data-share-location" in page.content
    # the same press again (a retried request): still one incident
    nurse.post(f"/safety/visits/{visit.pk}/alarm/", {"key": "alarm-key-0001"})
    assert Alert.objects.count() == 1

    r = nurse.post(f"/safety/alarms/{alert.pk}/location/", {"lat": "29.8613", "lng": "121.5434",
                                                            "accuracy": "8"})  # fmt: skip
    assert r.status_code == 200
    alert.refresh_from_db()
    assert (alert.lat, alert.lng, alert.accuracy_m) == (29.8613, 121.5434, 8.0)
    r = nurse.post(f"/safety/alarms/{alert.pk}/location/", {"lat": "x", "lng": "1"})
    assert (r.status_code, r.json()["code"]) == (422, "location_invalid")
    Visit.objects.filter(pk=visit.pk).update(status="completed")  # checked out
    r = nurse.post(f"/safety/alarms/{alert.pk}/location/", {"lat": "30.0", "lng": "121.0"})
    assert (r.status_code, r.json()["code"]) == (409, "nurse_not_checked_in")
    alert.refresh_from_db()
    assert alert.lat == 29.8613  # unchanged

    client.logout()
    guard = login_as(security)
    detail = guard.get(f"/alarms/{alert.pk}/")
    assert detail.status_code == 200
    assert b'data-testid="alarm-location"' in detail.content
    assert guard.get("/alarms/list/").status_code == 200
    guard.post(f"/alarms/{alert.pk}/resolve/", {"note": "Nurse reached by phone, safe."})
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by_id) == ("resolved", security.pk)


def test_nurse_alarm_is_scoped(
    client: Any, login_as: Any, personas: Any, visit: Visit, security: Any
) -> None:
    other = login_as(personas.other_nurse)
    assert other.post(f"/safety/visits/{visit.pk}/alarm/", {"key": "alarm-key-0002"}
                      ).status_code == 404  # fmt: skip
    assert not Alert.objects.exists()
    alert, _ = alerts.nurse_alarm(actor=Actor.of(personas.nurse), visit=visit,
                                  idempotency_key="alarm-key-0003")  # fmt: skip
    for user in (personas.other_admin, personas.family, personas.elder, personas.other_nurse):
        client.logout()
        c = login_as(user)
        assert c.get(f"/alarms/{alert.pk}/").status_code == 404, user.username
        c.post(f"/alarms/{alert.pk}/resolve/", {"note": "x"})
    alert.refresh_from_db()
    assert alert.status == "open"
    client.logout()
    assert login_as(personas.family).get("/alarms/").status_code == 404


def test_elder_sos_button_and_operator_console(
    client: Any, login_as: Any, personas: Any, elder_a: Any
) -> None:
    elder = login_as(personas.elder)
    home = elder.get("/")
    assert b'data-testid="sos-button"' in home.content
    elder.post("/sos/", {"key": "sos-key-00001"})
    elder.post("/sos/", {"key": "sos-key-00001"})  # a double tap
    alert = Alert.objects.get()
    assert (alert.kind, alert.source, alert.elder_id) == ("sos", "elder_button", elder_a.pk)
    assert b'data-testid="sos-status"' in elder.get("/").content
    client.logout()
    operator = login_as(personas.operator)
    listing = operator.get("/alarms/list/")
    assert f'data-testid="alarm-{alert.pk}"'.encode() in listing.content
    # the console polls with the digest of what it shows: unchanged -> 204, nothing rendered
    version = re.search(rb'id="alarm-version" name="v" value="(\w+)"', listing.content)
    assert version is not None
    same = operator.get("/alarms/list/", {"v": version.group(1).decode()})
    assert (same.status_code, same.content) == (204, b"")
    assert operator.get("/alarms/list/", {"v": "stale"}).status_code == 200
    operator.post(f"/alarms/{alert.pk}/acknowledge/", {"next": "console"})
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    # the acknowledgement changed the list: the same digest now gets the new list
    changed = operator.get("/alarms/list/", {"v": version.group(1).decode()})
    assert changed.status_code == 200
    assert b"Acknowledged" in changed.content
    # the same list in another language is another list
    zh = operator.get(
        "/alarms/list/", {"v": version.group(1).decode()}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert zh.status_code == 200
    client.logout()
    # another region's regulator is not an operator; institution B's admin sees no elder alarm
    other = login_as(personas.other_admin)
    assert f'data-testid="alarm-{alert.pk}"'.encode() not in other.get("/alarms/list/").content


def test_detail_page_polls_only_its_live_fragment(
    client: Any, login_as: Any, personas: Any, visit: Visit, security: Any
) -> None:
    alert, _ = alerts.nurse_alarm(actor=Actor.of(personas.nurse), visit=visit,
                                  idempotency_key="alarm-key-0004", lat=29.86, lng=121.54)  # fmt: skip
    guard = login_as(security)
    page = guard.get(f"/alarms/{alert.pk}/").content.decode()
    live = page[page.index('id="alarm-live"') : page.index("</div>", page.index('id="alarm-live"'))]
    assert f'hx-get="/alarms/{alert.pk}/live/"' in live
    assert 'hx-trigger="every 2s"' in live
    assert 'data-testid="note"' not in live  # the note form is never swapped
    assert page.count('data-testid="note"') == 1
    # the nurse moves and someone adds a note: the fragment shows both
    alerts.update_location(actor=Actor.of(personas.nurse), alert=alert, lat=29.87, lng=121.55)
    alerts.add_note(actor=Actor.of(personas.operator), alert=alert, note="Police called.")
    fragment = guard.get(f"/alarms/{alert.pk}/live/").content.decode()
    assert "29.87000, 121.55000" in fragment
    assert "Police called." in fragment
    assert 'id="alarm-timeline"' in fragment
    assert 'hx-swap-oob="true"' in fragment
    assert "<form" not in fragment
    # resolved: the fragment comes back without its trigger, so polling stops
    alerts.resolve(actor=Actor.of(personas.operator), alert=alert, note="Nurse safe.")
    fragment = guard.get(f"/alarms/{alert.pk}/live/").content.decode()
    assert "hx-trigger" not in fragment
    assert "Nurse safe." in fragment
    client.logout()
    # scoped like the page: another institution's admin gets 404
    assert login_as(personas.other_admin).get(f"/alarms/{alert.pk}/live/").status_code == 404
