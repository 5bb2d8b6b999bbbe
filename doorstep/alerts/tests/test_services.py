"""Alert services: raising and storm folding, idempotent SOS, the escalation chain under a
frozen clock, acknowledge/resolve, the devices' signals, inactivity."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.alerts import errors, services
from doorstep.alerts.models import Activity, Alert, AlertEvent
from doorstep.devices.signals import StoredMessage, device_events, device_status
from doorstep.notifications.models import Notification
from doorstep.workforce.models import Provider

from .conftest import NOW, FrozenClock

pytestmark = pytest.mark.django_db


def _bp(elder: Any, systolic: int, diastolic: int, at: dt.datetime) -> list[tuple[Alert, bool]]:
    return services.evaluate_reading(
        elder_id=elder.pk,
        kind="blood_pressure",
        values={"systolic": systolic, "diastolic": diastolic},
        at=at,
        device_id=5,
    )


def _told(alert: Alert, step: str) -> list[str]:
    return sorted(
        AlertEvent.objects.filter(alert=alert, step=step, kind__in=["notified", "emergency_prompt"])
        .exclude(recipient=None)
        .values_list("recipient__username", flat=True)
    )


def test_a_storm_of_high_readings_folds_into_one_alert(
    frozen: FrozenClock, elder_a: Any, personas: Any, family_alerts: Any
) -> None:
    """Given five readings of 185/112 a minute apart, when the rules run, then there is
    one open critical alert with count 5, and the family was told once, not five times."""
    for _i in range(5):
        frozen.advance(minutes=1)
        _bp(elder_a, 185, 112, frozen.now)
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status, alert.count) == (
        "threshold",
        "critical",
        "open",
        5,
    )
    assert alert.last_at == NOW + dt.timedelta(minutes=5)
    assert Notification.objects.filter(recipient=personas.family).count() == 1
    assert _told(alert, "family") == ["family_li"]
    # resolved: the next high reading is a new alert
    services.resolve(actor=Actor.of(personas.operator), alert=alert, note="Called; she is fine.")
    frozen.advance(minutes=1)
    _bp(elder_a, 186, 100, frozen.now)
    assert Alert.objects.count() == 2


def test_a_warning_storm_rising_to_critical_upgrades_the_same_alert(
    frozen: FrozenClock, elder_a: Any, personas: Any, family_alerts: Any
) -> None:
    _bp(elder_a, 165, 90, frozen.now)
    frozen.advance(minutes=2)
    _bp(elder_a, 190, 95, frozen.now)
    alert = Alert.objects.get()
    assert (alert.severity, alert.count) == ("critical", 2)
    assert list(AlertEvent.objects.filter(alert=alert, kind="repeated").values_list(
        "data__from", "data__severity")) == [("warning", "critical")]  # fmt: skip
    # the family was told again, at the critical pace: the operator after 60 s
    assert Notification.objects.filter(recipient=personas.family).count() == 2
    assert alert.next_escalation_at == frozen.now + dt.timedelta(seconds=60)


def test_normal_readings_raise_nothing_and_the_baseline_catches_the_unusual(
    frozen: FrozenClock, elder_a: Any, personas: Any
) -> None:
    from doorstep.health import services as health

    reviewer = Actor.of(personas.platform_admin)
    del reviewer
    from doorstep.health.models import Observation

    for i, value in enumerate((120, 122, 118, 121, 119, 120, 123, 117, 120, 121)):
        Observation.objects.create(
            elder=elder_a, kind="blood_pressure", loinc="85354-9", unit="mm[Hg]", value=value,
            value2=80, source="device", measured_at=NOW - dt.timedelta(hours=i + 1),
            recorded_at=NOW,
        )  # fmt: skip
    del health
    assert _bp(elder_a, 125, 82, frozen.now) == []
    [(alert, created)] = _bp(elder_a, 150, 82, frozen.now)
    assert created
    assert (alert.kind, alert.severity) == ("baseline", "warning")
    assert alert.details["systolic"] == "5.06"


def test_the_same_device_alarm_delivered_twice_is_one_incident(
    frozen: FrozenClock, elder_a: Any
) -> None:
    first, created = services.device_alarm(
        device_id=9, elder=elder_a, kind="sos", at=NOW, seq=41, values={}
    )  # type: ignore[misc]
    again, created_again = services.device_alarm(
        device_id=9, elder=elder_a, kind="sos", at=NOW, seq=41, values={}
    )  # type: ignore[misc]
    other, _ = services.device_alarm(
        device_id=9, elder=elder_a, kind="sos", at=NOW, seq=42, values={}
    )  # type: ignore[misc]
    assert (created, created_again, first.pk == again.pk, other.pk != first.pk) == (
        True,
        False,
        True,
        True,
    )
    assert Alert.objects.filter(kind="sos").count() == 2
    assert first.dedupe_key == "device:9:41"


def test_the_elders_sos_button_is_idempotent_by_key(
    frozen: FrozenClock, elder_a: Any, personas: Any
) -> None:
    actor = Actor.of(personas.elder)
    a, created = services.press_sos(actor=actor, idempotency_key="tap-0000001")
    b, created_b = services.press_sos(actor=actor, idempotency_key="tap-0000001")
    assert (created, created_b, a.pk == b.pk, a.source, a.severity) == (
        True,
        False,
        True,
        "elder_button",
        "critical",
    )
    with pytest.raises(errors.IdempotencyKeyInvalid):
        services.press_sos(actor=actor, idempotency_key="x")
    with pytest.raises(errors.NoElderProfile):
        services.press_sos(actor=Actor.of(personas.family), idempotency_key="tap-0000002")
    assert Alert.objects.count() == 1


def _verified_volunteer(world: Any, username: str, lat: float, lng: float) -> Provider:
    from conftest import make_user
    from doorstep.accounts.enums import Role

    user = make_user(username, (Role.VOLUNTEER, None, None))
    return Provider.objects.create(
        user=user, kind="volunteer", verification_status="verified", home_lat=lat, home_lng=lng
    )


def test_the_chain_family_operator_responder_emergency_with_timers(
    frozen: FrozenClock, elder_a: Any, personas: Any, family_alerts: Any, world: Any
) -> None:
    """Critical: family at once, operator at +60 s, nearest volunteer on duty at +180 s,
    the prompt to call 120 at +360 s; nothing after."""
    near = _verified_volunteer(world, "vol_near", 29.862, 121.544)
    _verified_volunteer(world, "vol_far", 30.5, 122.5)  # about 90 km away
    alert, _ = services.device_alarm(device_id=1, elder=elder_a, kind="fall", at=NOW, seq=1,
                                     values={})  # type: ignore[misc]  # fmt: skip
    assert _told(alert, "family") == ["family_li"]
    assert services.escalate_due() == 0
    frozen.advance(seconds=59)
    assert services.escalate_due() == 0
    frozen.advance(seconds=1)
    assert services.escalate_due() == 1
    assert _told(alert, "operator") == ["operator_1"]
    frozen.advance(seconds=120)
    assert services.escalate_due() == 1
    assert _told(alert, "responder") == [near.user.username]
    frozen.advance(seconds=180)
    assert services.escalate_due() == 1
    assert _told(alert, "emergency") == ["family_li", "operator_1"]
    alert.refresh_from_db()
    assert (alert.step, alert.next_escalation_at) == ("emergency", None)
    frozen.advance(hours=1)
    assert services.escalate_due() == 0
    assert list(
        AlertEvent.objects.filter(alert=alert, kind="escalated").values_list("step", flat=True)
    ) == ["operator", "responder", "emergency"]


def test_without_family_the_operator_is_told_at_once_and_acknowledging_stops_the_chain(
    frozen: FrozenClock, elder_a: Any, personas: Any
) -> None:
    alert, _ = services.press_sos(actor=Actor.of(personas.elder), idempotency_key="k-00000001")
    assert _told(alert, "operator") == ["operator_1"]
    operator = Actor.of(personas.operator)
    services.acknowledge(actor=operator, alert=alert, note="Calling her now")
    frozen.advance(hours=1)
    assert services.escalate_due() == 0
    with pytest.raises(errors.AlreadyAcknowledged):
        services.acknowledge(actor=operator, alert=alert)
    with pytest.raises(errors.NoteRequired):
        services.resolve(actor=operator, alert=alert, note="  ")
    with pytest.raises(errors.MayNotHandle):
        services.resolve(actor=Actor.of(personas.other_admin), alert=alert, note="x")
    services.add_note(actor=operator, alert=alert, note="Neighbour went over.")
    done = services.resolve(actor=operator, alert=alert, note="She had pressed it by mistake.")
    assert (done.status, done.open_key, done.resolved_by_id) == (
        "resolved",
        None,
        personas.operator.pk,
    )
    assert list(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True)) == [
        "raised",
        "escalated",  # nobody in the family receives alerts: straight to the operator
        "notified",
        "acknowledged",
        "note",
        "resolved",
    ]
    with pytest.raises(errors.AlertClosed):
        services.resolve(actor=operator, alert=alert, note="again")


def test_device_signals_raise_alarms_evaluate_readings_and_track_status(
    frozen: FrozenClock, elder_a: Any, personas: Any
) -> None:
    """The devices app's contract: ``device_events`` (a stored batch) and ``device_status``
    as documented in doorstep/devices/signals.py."""
    device = SimpleNamespace(pk=77, elder_id=elder_a.pk, type="watch")

    def batch(*messages: tuple[str, dict[str, Any], int]) -> None:
        device_events.send(
            sender=None,
            messages=[
                StoredMessage(device, None, None, kind, values, NOW, seq)
                for kind, values, seq in messages
            ],
        )

    for _ in range(2):  # the same fall delivered twice
        batch(("fall", {}, 3))
    batch(
        ("glucose", {"value": 3.5}, 4),
        ("motion", {"room": "bedroom"}, 5),
        ("glucose", {"value": "garbage"}, 6),
    )
    assert Activity.objects.get(elder=elder_a).last_motion_at == NOW
    assert sorted(Alert.objects.values_list("kind", "severity")) == [
        ("fall", "critical"),
        ("threshold", "critical"),
    ]
    device_status.send(sender=None, device=device, status="offline", at=NOW)
    device_status.send(sender=None, device=device, status="offline", at=NOW)
    offline = Alert.objects.get(kind="device_offline")
    assert offline.count == 2
    device_status.send(sender=None, device=device, status="online", at=NOW)
    offline.refresh_from_db()
    assert (offline.status, offline.resolved_by_id) == ("resolved", None)


def test_no_motion_in_the_daytime_and_door_unopened(frozen: FrozenClock, elder_a: Any) -> None:
    """Motion last at 05:00, door last opened yesterday 08:00: at 10:00 (3 h of daytime
    quiet) only the door fires (26 h); at 11:00 the motion rule too; again at 11:10: folded."""
    services.mark_activity(elder_id=elder_a.pk, kind="motion", at=NOW - dt.timedelta(hours=5))
    services.mark_activity(elder_id=elder_a.pk, kind="door", at=NOW - dt.timedelta(hours=26))
    assert services.evaluate_inactivity() == 1
    assert list(Alert.objects.values_list("kind", flat=True)) == ["door_unopened"]
    frozen.advance(hours=1)
    services.evaluate_inactivity()
    frozen.advance(minutes=10)
    services.evaluate_inactivity()
    counts = dict(Alert.objects.values_list("kind", "count"))
    assert counts == {"door_unopened": 3, "no_motion": 2}
