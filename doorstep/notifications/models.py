"""The in-app inbox (``Notification``) and one delivery record per channel (ADR 0005)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock

from .enums import DeliveryStatus, Severity


class Notification(models.Model):
    """One message to one person. The inbox of a user is the set of their notifications.

    Title and body are stored rendered in both languages at send time, so the inbox shows the
    reader's language whatever the sender's was. ``data`` holds machine-readable references
    (ids, codes) only, never personal data.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(
        _("kind"),
        max_length=64,
        db_index=True,
        help_text="Stable machine code of what happened, e.g. 'order.offered'.",
    )
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.INFO
    )
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    body_en = models.TextField(_("body (English)"), blank=True)
    body_zh = models.TextField(_("body (Chinese)"), blank=True)
    link = models.CharField(
        _("link"), max_length=500, blank=True, help_text="Site-relative URL, e.g. /orders/12/."
    )
    data = models.JSONField(
        default=dict, blank=True, help_text="Ids and codes for clients; never personal data."
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} -> user {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def _in(self, lang: str | None, en: str, zh: str) -> str:
        lang = (lang or translation.get_language() or "zh-hans").lower()
        return zh if lang.startswith("zh") else en

    def title_in(self, lang: str | None = None) -> str:
        """The title in ``lang`` (default: the active language)."""
        return self._in(lang, self.title_en, self.title_zh)

    def body_in(self, lang: str | None = None) -> str:
        return self._in(lang, self.body_en, self.body_zh)


class NotificationDelivery(models.Model):
    """The delivery of one notification over one channel, with its attempts."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=32, help_text="Channel name, e.g. in_app.")
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text="Send attempts made so far."
    )
    last_error = models.CharField(
        _("last error"),
        max_length=200,
        blank=True,
        help_text="Exception type and redacted message of the last failed attempt.",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notif_delivery_one_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "channel"], name="notif_delivery_status")]
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}: {self.status}"
