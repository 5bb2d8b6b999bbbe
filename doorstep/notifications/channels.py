"""The channel adapter: how a notification leaves the platform (ADR 0005).

A channel is any object with a ``name`` and a ``send(notification)`` that returns on success and
raises on failure; the delivery task records the attempt and retries with backoff. Channels are
listed in ``settings.NOTIFICATION_CHANNELS``, each either a built-in name (see ``BUILTIN``) or the
dotted path of a class taking no arguments.

Adding a channel later (SMS, WeChat service account, e-mail):

1. write a class here or in its own module, e.g. ``SmsChannel`` with ``name = "sms"``, whose
   ``send`` looks up the recipient's address (phone, WeChat openid, e-mail), renders
   ``notification.title_in(recipient.preferred_language)`` and calls the gateway; raise on any
   gateway error (do not swallow it) and never log the address or the text;
2. register it in ``BUILTIN`` (or reference it by dotted path) and add its name to
   ``NOTIFICATION_CHANNELS`` in the settings of the environments that have the gateway;
3. if a channel applies only to some kinds or severities (e.g. SMS for ``critical`` only), decide
   that in ``wants(notification)``; channels without ``wants`` take every notification.

The in-app channel has nothing to send: the inbox *is* the ``Notification`` table, so delivering
in-app only records that the notification is available to the recipient.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .models import Notification


@runtime_checkable
class Channel(Protocol):
    """One way of reaching a person. ``send`` raises on failure; it is retried."""

    name: str

    def send(self, notification: Notification) -> None: ...


class InAppChannel:
    """The inbox in the page header and ``/api/v1/notifications``. Always succeeds."""

    name = "in_app"
    #: Delivered by writing the notification: no background attempt is queued for it.
    immediate = True

    def send(self, notification: Notification) -> None:
        # The row is the inbox; nothing leaves the platform.
        return None


#: Built-in channel names usable in ``settings.NOTIFICATION_CHANNELS``.
BUILTIN: dict[str, str] = {
    "in_app": "doorstep.notifications.channels.InAppChannel",
    # "sms": "doorstep.notifications.channels.SmsChannel",        (later work)
    # "wechat": "doorstep.notifications.channels.WeChatChannel",  (later work)
    # "email": "doorstep.notifications.channels.EmailChannel",    (later work)
}


@lru_cache(maxsize=8)
def _build(entries: tuple[str, ...]) -> dict[str, Channel]:
    registry: dict[str, Channel] = {}
    for entry in entries:
        path = BUILTIN.get(entry, entry)
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"Unknown notification channel {entry!r}") from exc
        channel = cls()
        if not isinstance(channel, Channel):
            raise ImproperlyConfigured(f"{path} is not a notification channel")
        if channel.name in registry:
            raise ImproperlyConfigured(f"Notification channel {channel.name!r} listed twice")
        registry[channel.name] = channel
    return registry


def registry(entries: Sequence[str] | None = None) -> dict[str, Channel]:
    """Channel name -> channel, built from ``settings.NOTIFICATION_CHANNELS``."""
    if entries is None:
        entries = getattr(settings, "NOTIFICATION_CHANNELS", ["in_app"])
    return _build(tuple(entries))


def channels_for(notification: Notification) -> list[Channel]:
    """The configured channels that take this notification (``wants``, when defined)."""
    chosen = []
    for channel in registry().values():
        wants = getattr(channel, "wants", None)
        if wants is None or wants(notification):
            chosen.append(channel)
    return chosen
