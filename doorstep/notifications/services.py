"""State changes of the notifications app: send, deliver, mark read, purge (ADR 0005)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.functional import Promise

from doorstep.accounts.models import User
from doorstep.core import audit, clock
from doorstep.core.logging import redact

from . import errors
from .channels import InAppChannel, channels_for, registry
from .enums import DeliveryStatus, Severity
from .models import Notification, NotificationDelivery

logger = logging.getLogger("doorstep.notifications")

#: Read in-app notifications are kept this long, then purged (nothing clinical is purged).
RETENTION_DAYS = 180
_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_DATA_MAX_CHARS = 2000

Text = str | Promise


def _render(text: Text, params: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """``text`` in English and in Simplified Chinese (lazy translations are resolved here),
    with ``%(name)s`` placeholders filled from ``params`` in each language."""
    rendered = []
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            value = str(text)
            if params:
                try:
                    value = value % {k: str(v) for k, v in params.items()}
                except (KeyError, TypeError, ValueError):
                    raise _refuse(errors.PARAMS_INVALID, field="params") from None
            rendered.append(value)
    return rendered[0], rendered[1]


def _refuse(pair: tuple[str, Any], **details: Any) -> errors.InvalidNotification:
    code, message = pair
    return errors.InvalidNotification(code, message, details=details)


def _validate(*, kind: str, severity: str, link: str, data: dict[str, Any]) -> None:
    if not _KIND.match(kind or "") or len(kind) > 64:
        raise _refuse(errors.KIND_INVALID, field="kind")
    if severity not in Severity.values:
        raise _refuse(errors.SEVERITY_INVALID, field="severity")
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > 500):
        raise _refuse(errors.LINK_INVALID, field="link")
    try:
        encoded = json.dumps(data, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        raise _refuse(errors.DATA_INVALID, field="data") from None
    if len(encoded) > _DATA_MAX_CHARS or redact(encoded) != encoded:
        # Something that looks like a resident ID or a mobile number: refuse, do not store it.
        raise _refuse(errors.DATA_INVALID, field="data")


def notify(
    *,
    recipient: User,
    kind: str,
    title: Text,
    body: Text = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    severity: str = Severity.INFO,
    params: Mapping[str, Any] | None = None,
) -> Notification:
    """Put a notification in ``recipient``'s inbox and queue its delivery on every channel.

    ``title`` and ``body`` are usually lazy translations (``gettext_lazy``) with ``%(name)s``
    placeholders filled from ``params`` (values may be lazy too); both languages are rendered
    now and stored. The in-app delivery is the row itself; other channels are delivered
    after commit (``tasks.deliver``), in a Celery worker with Redis or in-process without it.
    """
    return notify_many(
        [
            {
                "recipient": recipient,
                "kind": kind,
                "title": title,
                "body": body,
                "link": link,
                "data": data,
                "severity": severity,
                "params": params,
            }
        ]
    )[0]


def _prepare(
    *,
    recipient: User,
    kind: str,
    title: Text,
    body: Text = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    severity: str = Severity.INFO,
    params: Mapping[str, Any] | None = None,
) -> Notification:
    data = dict(data or {})
    severity = str(severity)
    _validate(kind=kind, severity=severity, link=link, data=data)
    title_en, title_zh = _render(title, params)
    body_en, body_zh = _render(body, params)
    if not (0 < len(title_en) <= 200 and 0 < len(title_zh) <= 200):
        raise _refuse(errors.TITLE_INVALID, field="title")
    return Notification(
        recipient=recipient,
        kind=kind,
        severity=severity,
        title_en=title_en,
        title_zh=title_zh,
        body_en=body_en,
        body_zh=body_zh,
        link=link,
        data=data,
    )


def notify_many(requests: Sequence[Mapping[str, Any]]) -> list[Notification]:
    """``notify`` for several notifications (each a mapping of ``notify``'s arguments), all
    validated first, then written together in one transaction (a service that tells several
    people about one change)."""
    prepared = [_prepare(**request) for request in requests]
    if not prepared:
        return []
    now = clock.now()
    with transaction.atomic():
        Notification.objects.bulk_create(prepared)
        # A channel marked ``immediate`` (the in-app inbox: the row is the delivery) is sent
        # by this commit; the others are queued for a background attempt.
        rows = [
            NotificationDelivery(
                notification=notification,
                channel=channel.name,
                status=DeliveryStatus.SENT if immediate else DeliveryStatus.QUEUED,
                attempts=1 if immediate else 0,
                sent_at=now if immediate else None,
            )
            for notification in prepared
            for channel in channels_for(notification)
            for immediate in [bool(getattr(channel, "immediate", False))]
        ]
        NotificationDelivery.objects.bulk_create(rows)
        queued = sorted(
            {row.notification.pk for row in rows if row.status == DeliveryStatus.QUEUED}
        )
        for pk in queued:
            transaction.on_commit(functools.partial(_queue_delivery, pk), robust=True)
    return prepared


def _queue_delivery(notification_id: int) -> None:
    from . import tasks  # tasks import this module

    tasks.deliver.delay(notification_id)


@dataclass
class DeliveryOutcome:
    """What one delivery attempt achieved, by channel name."""

    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed}


def describe_error(exc: BaseException) -> str:
    """Exception type and message, with anything like an ID number or a phone redacted."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return redact(text)[:200]


class ChannelUnavailable(Exception):
    """A delivery names a channel that is no longer configured."""


def attempt_deliveries(*, notification_id: int, final_attempt: bool) -> DeliveryOutcome:
    """Try every queued delivery of one notification once.

    A delivery that fails stays ``queued`` (the task retries it with backoff) unless this is the
    final attempt, when it becomes ``failed``; the notification itself is never lost. Each
    delivery row is locked while it is sent, so a redelivered task cannot send twice.
    """
    outcome = DeliveryOutcome()
    channels = registry()
    pending = NotificationDelivery.objects.filter(
        notification_id=notification_id, status=DeliveryStatus.QUEUED
    ).values_list("id", flat=True)
    for delivery_id in list(pending):
        with transaction.atomic():
            delivery = (
                NotificationDelivery.objects.select_for_update(of=("self",))
                .select_related("notification")
                .get(pk=delivery_id)
            )
            if delivery.status != DeliveryStatus.QUEUED:
                continue
            delivery.attempts += 1
            channel = channels.get(delivery.channel)
            try:
                with transaction.atomic():  # a channel's own DB error must not break ours
                    if channel is None:
                        raise ChannelUnavailable(delivery.channel)
                    channel.send(delivery.notification)
            except Exception as exc:
                delivery.last_error = describe_error(exc)
                if final_attempt:
                    delivery.status = DeliveryStatus.FAILED
                    outcome.failed.append(delivery.channel)
                else:
                    outcome.retrying.append(delivery.channel)
                logger.warning(
                    "notification %s: %s delivery attempt %s failed (%s)%s",
                    notification_id,
                    delivery.channel,
                    delivery.attempts,
                    type(exc).__name__,
                    ", giving up" if final_attempt else ", will retry",
                )
            else:
                delivery.status = DeliveryStatus.SENT
                delivery.sent_at = clock.now()
                delivery.last_error = ""
                outcome.sent.append(delivery.channel)
            delivery.save(
                update_fields=["attempts", "status", "sent_at", "last_error", "updated_at"]
            )
    return outcome


def requeue_stalled(*, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> int:
    """Queue delivery again for notifications whose deliveries sat ``queued`` too long.

    Covers a broker that was unreachable when the notification was committed. Returns how many
    notifications were queued again.
    """
    cutoff = clock.now() - older_than
    ids = list(
        NotificationDelivery.objects.filter(status=DeliveryStatus.QUEUED, updated_at__lt=cutoff)
        .values_list("notification_id", flat=True)
        .distinct()[:1000]
    )
    for notification_id in ids:
        NotificationDelivery.objects.filter(
            notification_id=notification_id, status=DeliveryStatus.QUEUED
        ).update(updated_at=clock.now())
        _queue_delivery(notification_id)
    return len(ids)


def mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of ``user``'s notifications read (idempotent: the first read time is kept)."""
    if notification.recipient_id != user.pk:
        raise ValueError("mark_read: notification belongs to another user")  # access.py first
    with transaction.atomic():
        now = clock.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    with transaction.atomic():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=clock.now()
        )


def purge_old_read(*, retention_days: int = RETENTION_DAYS, batch: int = 5000) -> int:
    """Delete read in-app notifications read more than ``retention_days`` ago.

    Kept regardless of age: unread ones, ``critical`` ones (they accompany alarms and may be
    evidence) and any that also went out over another channel (SMS, WeChat: the delivery record
    is proof of contact). Notifications are copies, never the clinical record itself.
    Deletes in batches; each batch writes one audit row with its count (no personal data).
    """
    cutoff = clock.now() - dt.timedelta(days=retention_days)
    other_channel = NotificationDelivery.objects.filter(notification=OuterRef("pk")).exclude(
        channel=InAppChannel.name
    )
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Notification.objects.filter(read_at__lt=cutoff)
                .exclude(severity=Severity.CRITICAL)
                .exclude(Exists(other_channel))
                .order_by("id")
                .values_list("id", flat=True)[:batch]
            )
            if not ids:
                return total
            NotificationDelivery.objects.filter(notification_id__in=ids).delete()
            deleted, _ = Notification.objects.filter(id__in=ids).delete()
            audit.record(
                actor=None,
                action="notification.purge",
                object_type="notification",
                object_id="*",
                details={"deleted": deleted, "retention_days": retention_days},
            )
        total += deleted
