"""notify -> deliveries, retries, read state, purge (services and tasks, eager in-process)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.text import format_lazy

from doorstep.core.models import AuditEvent
from doorstep.notifications import selectors, services, tasks
from doorstep.notifications.enums import DeliveryStatus, Severity
from doorstep.notifications.errors import InvalidNotification
from doorstep.notifications.models import Notification, NotificationDelivery

FAILING = "doorstep.notifications.tests.fake_channels.FailingChannel"
FLAKY = "doorstep.notifications.tests.fake_channels.FlakyChannel"


def send(capture: Any, recipient: Any, **kw: Any) -> Notification:
    """notify() inside a committed transaction, running its on_commit delivery."""
    kw.setdefault("kind", "test.hello")
    kw.setdefault("title", "Hello")
    with capture(execute=True):
        return services.notify(recipient=recipient, **kw)


def test_notify_stores_both_languages_and_delivers_in_app(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Given a nurse, when notified with lazy texts, both languages are stored and the in-app
    delivery is recorded as sent once."""
    n = send(
        django_capture_on_commit_callbacks,
        personas.nurse,
        kind="provider.verified",
        title=Severity.WARNING.label,
        body=format_lazy("{}: {}", Severity.CRITICAL.label, "42"),
        link="/providers/7/",
        data={"provider_id": 7},
        severity=Severity.WARNING,
    )
    n.refresh_from_db()
    assert (n.title_en, n.title_zh) == ("Warning", "警告")
    assert (n.body_en, n.body_zh) == ("Critical: 42", "紧急: 42")
    assert n.title_in("zh-hans") == "警告"
    assert n.title_in("en") == "Warning"
    assert (n.kind, n.severity, n.link, n.data) == (
        "provider.verified",
        "warning",
        "/providers/7/",
        {"provider_id": 7},
    )
    assert n.read_at is None
    [delivery] = n.deliveries.all()
    assert (delivery.channel, delivery.status, delivery.attempts, delivery.last_error) == (
        "in_app",
        DeliveryStatus.SENT,
        1,
        "",
    )
    assert delivery.sent_at is not None
    assert selectors.unread_count(personas.nurse) == 1
    assert selectors.unread_count(personas.other_nurse) == 0


def test_params_fill_placeholders_in_each_language(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """%(name)s placeholders are filled per language; lazy parameter values translate too."""
    n = send(
        django_capture_on_commit_callbacks,
        personas.nurse,
        title="%(level)s: order %(order)s",
        body=Severity.CRITICAL.label,
        params={"level": Severity.WARNING.label, "order": 7},
    )
    assert (n.title_en, n.title_zh) == ("Warning: order 7", "警告: order 7")
    assert (n.body_en, n.body_zh) == ("Critical", "紧急")


RECORDING = "doorstep.notifications.tests.fake_channels.RecordingChannel"


def test_in_app_is_delivered_at_once_and_queues_nothing(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The inbox row is the in-app delivery: sent when written, no background task."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = services.notify(recipient=personas.nurse, kind="test.hello", title="Hi")
    assert callbacks == []
    delivery = n.deliveries.get()
    assert (delivery.channel, delivery.status, delivery.attempts) == (
        "in_app",
        DeliveryStatus.SENT,
        1,
    )
    assert delivery.sent_at is not None


def test_delivery_waits_for_commit(
    personas: Any, channels: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A background channel is queued with on_commit: before commit nothing is sent."""
    from doorstep.notifications.tests.fake_channels import RecordingChannel

    channels("in_app", RECORDING)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = services.notify(recipient=personas.nurse, kind="test.hello", title="Hi")
    assert len(callbacks) == 1
    status = dict(n.deliveries.values_list("channel", "status"))
    assert status == {"in_app": DeliveryStatus.SENT, "recording": DeliveryStatus.QUEUED}
    assert RecordingChannel.calls == 0
    callbacks[0]()
    assert n.deliveries.get(channel="recording").status == DeliveryStatus.SENT
    assert RecordingChannel.calls == 1


def test_mark_read_is_idempotent_and_counts(
    personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = send(django_capture_on_commit_callbacks, personas.nurse)
    send(django_capture_on_commit_callbacks, personas.nurse)
    assert selectors.unread_count(personas.nurse) == 2

    services.mark_read(user=personas.nurse, notification=first)
    read_at = first.read_at
    assert read_at is not None
    assert selectors.unread_count(personas.nurse) == 1
    services.mark_read(user=personas.nurse, notification=first)
    first.refresh_from_db()
    assert first.read_at == read_at  # the first read time is kept

    assert services.mark_all_read(user=personas.nurse) == 1
    assert services.mark_all_read(user=personas.nurse) == 0
    assert selectors.unread_count(personas.nurse) == 0
    assert [n.pk for n in selectors.inbox(personas.nurse, unread_only=True)] == []


def test_failing_channel_is_retried_then_recorded_failed(
    personas: Any, channels: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A channel that always fails is tried 1 + MAX_RETRIES times, then marked failed with a
    redacted error; the in-app delivery and the notification are kept."""
    from doorstep.notifications.tests.fake_channels import FailingChannel

    channels("in_app", FAILING)
    n = send(django_capture_on_commit_callbacks, personas.nurse, title="Offer")

    assert FailingChannel.calls == tasks.MAX_RETRIES + 1 == 6
    by_channel = {d.channel: d for d in n.deliveries.all()}
    assert by_channel["in_app"].status == DeliveryStatus.SENT
    assert by_channel["in_app"].attempts == 1  # not re-sent on the retries
    failed = by_channel["failing"]
    assert (failed.status, failed.attempts, failed.sent_at) == (DeliveryStatus.FAILED, 6, None)
    assert failed.last_error == "GatewayDown: gateway refused [phone-redacted]"
    assert Notification.objects.filter(pk=n.pk).exists()
    assert selectors.unread_count(personas.nurse) == 1


def test_flaky_channel_succeeds_on_a_retry(
    personas: Any, channels: Any, django_capture_on_commit_callbacks: Any
) -> None:
    channels("in_app", FLAKY)
    n = send(django_capture_on_commit_callbacks, personas.nurse)
    flaky = n.deliveries.get(channel="flaky")
    assert (flaky.status, flaky.attempts, flaky.last_error) == (DeliveryStatus.SENT, 3, "")


def test_unconfigured_channel_fails_without_losing_notification(
    personas: Any, channels: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A delivery whose channel was removed from the settings ends failed, not stuck."""
    channels("in_app", FAILING)
    with django_capture_on_commit_callbacks(execute=False):
        n = services.notify(recipient=personas.nurse, kind="test.hello", title="Hi")
    channels("in_app")
    result = tasks.deliver.apply(args=[n.pk])
    # The result is that of the last attempt; in_app went out on the first one.
    assert result.get() == {"sent": [], "retrying": [], "failed": ["failing"]}
    assert n.deliveries.get(channel="in_app").status == DeliveryStatus.SENT
    failed = n.deliveries.get(channel="failing")
    assert (failed.status, failed.last_error) == (
        DeliveryStatus.FAILED,
        "ChannelUnavailable: failing",
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "Bad Kind"}, "notification_kind_invalid"),
        ({"kind": ""}, "notification_kind_invalid"),
        ({"title": ""}, "notification_title_invalid"),
        ({"title": "x" * 201}, "notification_title_invalid"),
        ({"link": "https://evil.example/"}, "notification_link_invalid"),
        ({"link": "//evil.example/"}, "notification_link_invalid"),
        ({"data": {"phone": "13900000001"}}, "notification_data_invalid"),
        ({"data": {"id": "11010519491231002X"}}, "notification_data_invalid"),
        ({"data": {"when": dt.date(2026, 1, 1)}}, "notification_data_invalid"),
        ({"severity": "urgent"}, "notification_severity_invalid"),
        ({"title": "Hi %(name)s", "params": {"other": 1}}, "notification_params_invalid"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    personas: Any, django_capture_on_commit_callbacks: Any, changes: dict[str, Any], code: str
) -> None:
    kw: dict[str, Any] = {"kind": "test.hello", "title": "Hello", **changes}
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(InvalidNotification) as refused,
    ):
        services.notify(recipient=personas.nurse, **kw)
    assert refused.value.code == code
    assert refused.value.status == 422
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert NotificationDelivery.objects.count() == 0


def _aged(recipient: Any, *, read_days_ago: int | None, severity: str = "info") -> Notification:
    n = services.notify(recipient=recipient, kind="test.old", title="Old", severity=severity)
    read_at = None
    if read_days_ago is not None:
        read_at = services.clock.now() - dt.timedelta(days=read_days_ago)
    Notification.objects.filter(pk=n.pk).update(
        read_at=read_at, created_at=services.clock.now() - dt.timedelta(days=400)
    )
    return n


def test_purge_deletes_only_old_read_in_app_notifications(personas: Any, channels: Any) -> None:
    """Kept: unread, read recently, critical, and any that went out over another channel."""
    doomed = _aged(personas.nurse, read_days_ago=181)
    recent = _aged(personas.nurse, read_days_ago=179)
    unread = _aged(personas.nurse, read_days_ago=None)
    critical = _aged(personas.nurse, read_days_ago=300, severity="critical")
    channels("in_app", FAILING)
    sms_like = _aged(personas.nurse, read_days_ago=300)
    audit_before = AuditEvent.objects.filter(action="notification.purge").count()

    assert tasks.purge_old_read.apply().get() == 1

    assert not Notification.objects.filter(pk=doomed.pk).exists()
    assert not NotificationDelivery.objects.filter(notification_id=doomed.pk).exists()
    kept = {recent.pk, unread.pk, critical.pk, sms_like.pk}
    assert set(Notification.objects.values_list("pk", flat=True)) == kept
    event = AuditEvent.objects.filter(action="notification.purge").get()
    assert audit_before == 0
    assert event.details == {"deleted": 1, "retention_days": 180}
    assert tasks.purge_old_read.apply().get() == 0
    assert AuditEvent.objects.filter(action="notification.purge").count() == 1


def test_requeue_stalled_delivers_what_the_broker_missed(personas: Any, channels: Any) -> None:
    """A delivery still queued 15 minutes after commit (broker was down) is queued again."""
    channels("in_app", RECORDING)
    n = services.notify(recipient=personas.nurse, kind="test.hello", title="Hi")  # not committed
    assert tasks.requeue_stalled.apply().get() == 0  # fresh: left alone
    NotificationDelivery.objects.filter(notification=n).update(
        updated_at=services.clock.now() - dt.timedelta(minutes=16)
    )
    assert tasks.requeue_stalled.apply().get() == 1
    assert n.deliveries.get(channel="recording").status == DeliveryStatus.SENT


def test_refusal_message_is_translated(personas: Any) -> None:
    from django.utils import translation

    with pytest.raises(InvalidNotification) as refused:
        services.notify(recipient=personas.nurse, kind="test.x", title="Hi", link="http://x/")
    with translation.override("zh-hans"):
        assert refused.value.as_dict() == {
            "code": "notification_link_invalid",
            "message": "链接必须是本站内的路径。",
            "details": {"field": "link"},
        }
    assert Notification.objects.count() == 0
