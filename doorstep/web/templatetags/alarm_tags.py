"""Alarm panels embedded in other pages: the elder's SOS button on the home page and the
nurse's safety panel on the visit screen (ADR 0031)."""

from __future__ import annotations

import uuid
from typing import Any

from django import template

from doorstep.accounts.policy import Actor
from doorstep.alerts import selectors, services

register = template.Library()


@register.inclusion_tag("web/partials/sos_panel.html", takes_context=True)
def sos_panel(context: dict[str, Any]) -> dict[str, Any]:
    """The big SOS button, for an elder with a profile; with the open SOS, if any."""
    request = context.get("request")
    user = getattr(request, "user", None)
    elder = services.own_elder(Actor.of(user)) if user is not None else None
    if elder is None:
        return {"show": False}
    return {
        "show": True,
        "key": uuid.uuid4().hex,
        "open_sos": selectors.latest_sos(elder_id=elder.pk),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/partials/nurse_safety.html", takes_context=True)
def nurse_safety(context: dict[str, Any], visit: Any) -> dict[str, Any]:
    """The alarm button while on the way or checked in, the open alarm (its location is
    posted while checked in) and the overdue check-out prompt."""
    request = context.get("request")
    user_id = getattr(getattr(request, "user", None), "pk", None)
    if user_id is None:
        return {"show": False}
    return {
        "show": visit.status in services.ON_VISIT,
        "visit": visit,
        "key": uuid.uuid4().hex,
        "alarm": selectors.open_nurse_alarm(user_id=user_id, visit_id=visit.pk),
        "overdue": selectors.open_overdue(visit_id=visit.pk),
        "checked_in": visit.status in services.CHECKED_IN,
        "csrf_token": context.get("csrf_token"),
    }
