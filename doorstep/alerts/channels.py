"""The alarm e-mail channel (SMTP through Django's e-mail backend; ADR 0005, ADR 0031).

Enable it with ``DOORSTEP_NOTIFICATION_CHANNELS=in_app,doorstep.alerts.channels.AlarmEmailChannel``
and the ``EMAIL_HOST``/``EMAIL_PORT``/``EMAIL_HOST_USER``/``EMAIL_HOST_PASSWORD``/
``EMAIL_USE_TLS`` settings. It takes only alert notifications (``alert.*``) of recipients
with an alarm address (``AlarmAddress``: a duty mailbox of an operator or a security
office). The text goes in the recipient's language; the address is never logged.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from doorstep.notifications.models import Notification

from .models import AlarmAddress


class AlarmEmailChannel:
    name = "email"

    def wants(self, notification: Notification) -> bool:
        return (
            notification.kind.startswith("alert.")
            and AlarmAddress.objects.filter(
                user_id=notification.recipient_id, is_active=True
            ).exists()
        )

    def send(self, notification: Notification) -> None:
        row = AlarmAddress.objects.filter(user_id=notification.recipient_id, is_active=True).first()
        if row is None:
            return  # the address was removed after the notification: nothing to send
        language = notification.recipient.preferred_language
        body = notification.body_in(language)
        if notification.link:
            base = getattr(settings, "DOORSTEP_SITE_URL", "").rstrip("/")
            body = f"{body}\n\n{base}{notification.link}"
        send_mail(
            subject=notification.title_in(language),
            message=body,
            from_email=None,
            recipient_list=[row.email],
            fail_silently=False,
        )
