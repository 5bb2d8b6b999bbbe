"""Escalation: take a step of an alert's chain (tell its recipients, set the next timer)
and ``escalate_due``, run every 15 s, for alerts whose timer ran out (ADR 0031)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.core import clock
from doorstep.notifications.channels import channels_for
from doorstep.notifications.services import notify_many

from .. import chains, recipients
from ..enums import EventKind, Kind, Severity, Status, Step
from ..models import Alert, AlertEvent

KIND_TEXT = dict(Kind.choices)
STEP_TEXT = dict(Step.choices)


def _event(
    alert: Alert,
    kind: str,
    at: dt.datetime,
    *,
    actor: Any = None,
    step: str = "",
    channel: str = "",
    recipient: Any = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> AlertEvent:
    return AlertEvent(
        alert=alert,
        kind=kind,
        at=at,
        actor=actor,
        step=step,
        channel=channel,
        recipient=recipient,
        note=note,
        data=data or {},
    )


def _notify(
    alert: Alert,
    users: Iterable[Any],
    *,
    step: str,
    now: dt.datetime,
    title: Any,
    body: Any,
    link: str,
    params: dict[str, Any],
    kind: str = EventKind.NOTIFIED,
) -> int:
    """Tell each user once (in-app plus the configured channels) and log it."""
    unique = {u.pk: u for u in users if u is not None}
    if not unique:
        return 0
    severity = alert.severity
    sent = notify_many(
        [
            {
                "recipient": user,
                "kind": f"alert.{alert.kind}",
                "title": title,
                "body": body,
                "link": link,
                "data": {"alert_id": alert.pk, "step": step},
                "severity": severity,
                "params": params,
            }
            for user in unique.values()
        ]
    )
    AlertEvent.objects.bulk_create(
        [
            _event(
                alert,
                kind,
                now,
                step=step,
                channel=",".join(sorted(c.name for c in channels_for(notification))),
                recipient=notification.recipient,
                data={"notification_id": notification.pk},
            )
            for notification in sent
        ]
    )
    return len(unique)


def _params(alert: Alert) -> dict[str, Any]:
    elder = alert.elder
    return {
        "what": KIND_TEXT.get(alert.kind, alert.kind),
        "elder": elder.full_name if elder is not None else "",
        "address": (elder.address if elder is not None else "") or "",
        "count": alert.count,
    }


def _take_step(alert: Alert, index: int, now: dt.datetime, *, repeat: bool = False) -> None:
    """Take step ``index`` of the alert's chain; a step with nobody to tell is passed at
    once to the next. Sets the time of the next step (none after the last)."""
    chain = chains.chain_for(alert.kind, alert.severity)
    while True:
        entry = chains.step_at(chain, index)
        if entry is None:
            alert.next_escalation_at = None
            break
        step = entry[0]
        if index > 0 and not repeat:
            AlertEvent.objects.create(
                alert=alert, kind=EventKind.ESCALATED, at=now, step=step, data={"index": index}
            )
        told = _tell(alert, step, now, repeat=repeat)
        alert.step, alert.step_index = step, index
        if told or step == Step.EMERGENCY:
            alert.notified_at = now
            following = chains.step_at(chain, index + 1)
            due = now + dt.timedelta(seconds=following[1]) if following else None
            if repeat and due is not None and alert.next_escalation_at is not None:
                due = min(due, alert.next_escalation_at)  # a repeat never delays the chain
            alert.next_escalation_at = due
            break
        index += 1  # nobody to tell at this step: the next one now
    alert.save(
        update_fields=["step", "step_index", "notified_at", "next_escalation_at", "severity"]
    )


def _tell(alert: Alert, step: str, now: dt.datetime, *, repeat: bool) -> int:
    """Notify the recipients of ``step``; returns how many were told."""
    params = _params(alert)
    staff_link = f"/alarms/{alert.pk}/"
    again = _("(again) ") if repeat else ""
    params["again"] = again
    if step == Step.FAMILY:
        return _notify(
            alert,
            recipients.family(alert),
            step=step,
            now=now,
            title=_("%(again)sAlert for %(elder)s: %(what)s"),
            body=_("Please check on %(elder)s now. The call centre is told if nobody "
                   "acknowledges the alert."),
            link=staff_link,
            params=params,
        )  # fmt: skip
    if step == Step.OPERATOR:
        return _notify(
            alert,
            recipients.operators(alert),
            step=step,
            now=now,
            title=_("%(again)sAlarm: %(what)s (%(elder)s)"),
            body=_("Open the alarm console, call the elder and acknowledge the alarm."),
            link=staff_link,
            params=params,
        )
    if step == Step.RESPONDER:
        # Providers nearby are not (yet) allowed to see who it is: no name in the text.
        return _notify(
            alert,
            recipients.responders(alert),
            step=step,
            now=now,
            title=_("Urgent: someone near you needs help (%(what)s)"),
            body=_("Open the alarm to see the address and tell the call centre you are going."),
            link=staff_link,
            params={"what": params["what"]},
        )
    if step == Step.NURSE:
        link = f"/schedule/{alert.visit_id}/" if alert.visit_id else staff_link
        return _notify(
            alert,
            recipients.nurse(alert),
            step=step,
            now=now,
            title=_("Are you safe? Your visit should have ended"),
            body=_("Check out, or tap \"I am safe\" on the visit screen. If you do not "
                   "answer, the security office and the call centre are alerted."),
            link=link,
            params={},
        )  # fmt: skip
    if step == Step.SAFETY:
        if alert.kind == Kind.CHECKOUT_OVERDUE and alert.severity != Severity.CRITICAL:
            alert.severity = Severity.CRITICAL
        provider = alert.provider
        params["nurse"] = (provider.user.display_name or provider.user.username) if provider else ""
        return _notify(
            alert,
            recipients.safety(alert),
            step=step,
            now=now,
            title=_("%(again)sNurse alarm: %(nurse)s (%(what)s)"),
            body=_("Open the alarm for the nurse's live location and call them now."),
            link=staff_link,
            params=params,
        )
    if step == Step.EMERGENCY:
        people = [*recipients.operators(alert), *recipients.safety_contacts(alert)]
        if alert.kind not in (Kind.NURSE_ALARM, Kind.CHECKOUT_OVERDUE):
            people += recipients.family(alert)
        number = "110 / 120" if alert.kind in (Kind.NURSE_ALARM, Kind.CHECKOUT_OVERDUE) else "120"
        params["number"] = number
        told = _notify(
            alert,
            people,
            step=step,
            now=now,
            title=_("Nobody has acknowledged: call %(number)s now (%(what)s)"),
            body=_("The alarm was not acknowledged along the whole chain. Call emergency "
                   "services (%(number)s) and then acknowledge the alarm."),
            link=staff_link,
            params=params,
            kind=EventKind.EMERGENCY_PROMPT,
        )  # fmt: skip
        if not told:
            AlertEvent.objects.create(
                alert=alert, kind=EventKind.EMERGENCY_PROMPT, at=now, step=step
            )
        return told
    raise ValueError(f"unknown escalation step {step!r}")


def escalate_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Take the next step of every open alert whose timer ran out; returns how many moved.

    Safe to run concurrently: each alert is locked with ``SKIP LOCKED`` and re-checked, so
    two runs never take the same step twice (the other run skips the locked row).
    """
    now = now or clock.now()
    moved = 0
    ids = list(
        Alert.objects.filter(status=Status.OPEN, next_escalation_at__lte=now)
        .order_by("next_escalation_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for alert_id in ids:
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=alert_id, status=Status.OPEN, next_escalation_at__lte=now)
                .select_related("elder", "provider__user")
                .first()
            )
            if alert is None:
                continue  # taken by another run, acknowledged or resolved meanwhile
            _take_step(alert, alert.step_index + 1, now)
            moved += 1
    return moved
