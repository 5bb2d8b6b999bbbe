"""Alarms (ADR 0031): the operator's live console (HTMX polling every second, 204 when
nothing changed; a sound for new
critical alarms), one alarm with its timeline (polled every 2 s; acknowledge, note,
resolve), the elder's SOS button and the nurse's alarm, live location and "I am safe"
answer; the settings pages: an elder's thresholds, an institution's security contacts,
one's own alarm e-mail."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.alerts import access, rules, selectors
from doorstep.alerts import services as alerts
from doorstep.alerts.models import Alert
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.core.masking import mask_phone
from doorstep.health import access as health_access
from doorstep.orders.access import access_visit
from doorstep.organizations.models import Institution
from doorstep.people import access as people_access

from .common import role_page
from .loop_common import PROVIDERS, error_text

CONSOLE_ROLES = (Role.OPERATOR, Role.PLATFORM_ADMIN, Role.INSTITUTION_ADMIN)


def _console_actor(request: HttpRequest) -> Actor:
    actor = Actor.of(request.user)
    if not (actor.has(*CONSOLE_ROLES) or access.safety_institution_ids(actor)):
        raise Http404()
    return actor


CONSOLE_ROWS = 100


def _rows(actor: Actor) -> list[Alert]:
    return list(selectors.console(actor)[:CONSOLE_ROWS])


def _version(actor: Actor) -> str:
    """A digest of what the console list shows (each row's id, status, severity, count,
    escalation step, last time, nurse) and the language: equal digests, equal lists."""
    rows = selectors.console(actor).values_list(
        "id", "status", "severity", "count", "step", "last_at", "provider_id"
    )[:CONSOLE_ROWS]
    raw = repr((get_language(), list(rows))).encode()
    return hashlib.sha256(raw).hexdigest()[:20]


@login_required
def alarm_console(request: HttpRequest) -> HttpResponse:
    actor = _console_actor(request)
    return render(
        request,
        "web/alarms/console.html",
        {"alerts": _rows(actor), "version": _version(actor)},
    )


@login_required
def alarm_list(request: HttpRequest) -> HttpResponse:
    """The console's list, polled every second. The page sends the digest of the list it
    shows (``v``); when nothing changed the answer is 204 No Content, which HTMX leaves
    alone, so a quiet console costs one small query a second and no rendering."""
    actor = _console_actor(request)
    version = _version(actor)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    return render(request, "web/alarms/list.html", {"alerts": _rows(actor), "version": version})


def _alert(request: HttpRequest, alert_id: int) -> tuple[Actor, Alert]:
    actor = Actor.of(request.user)
    try:
        return actor, access.access_alert(actor=actor, alert_id=alert_id)
    except NotFound as exc:
        raise Http404() from exc


def _map_url(alert: Alert) -> str:
    if alert.lat is None or alert.lng is None:
        return ""
    return f"https://uri.amap.com/marker?position={alert.lng},{alert.lat}"


@login_required
def alarm_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    actor, alert = _alert(request, alert_id)
    elder = alert.elder
    phone = ""
    if elder is not None and elder.phone:
        unmasked = people_access.may(actor, elder, "view_unmasked_phone")
        phone = elder.phone if unmasked else mask_phone(elder.phone)
    return render(
        request,
        "web/alarms/detail.html",
        {
            "alert": alert,
            "elder": elder,
            "phone": phone,
            "events": list(selectors.timeline(alert)),
            "may_handle": access.may_handle(actor, alert),
            "may_resolve": access.may_handle(actor, alert, "resolve"),
            "map_url": _map_url(alert),
            "thresholds_link": elder is not None and health_access.may(actor, elder, "view"),
        },
    )


@login_required
def alarm_live(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The detail page's live part, polled every 2 s: status, the latest location and the
    timeline (out of band). The forms are not in it, so a note being typed is kept; once
    the alert is resolved the fragment comes back without its trigger and polling stops."""
    _actor, alert = _alert(request, alert_id)
    return render(
        request,
        "web/alarms/live_update.html",
        {"alert": alert, "events": list(selectors.timeline(alert)), "map_url": _map_url(alert)},
    )


@require_POST
@login_required
def alarm_act(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    actor, alert = _alert(request, alert_id)
    note = request.POST.get("note", "")
    done = {
        "acknowledge": _("Acknowledged: the escalation has stopped."),
        "note": _("Note added."),
        "resolve": _("Resolved."),
    }
    if action not in done:
        raise Http404()
    try:
        if action == "acknowledge":
            alerts.acknowledge(actor=actor, alert=alert, note=note)
        elif action == "note":
            alerts.add_note(actor=actor, alert=alert, note=note)
        else:
            alerts.resolve(actor=actor, alert=alert, note=note)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done[action])
    if request.POST.get("next") == "console":
        return redirect("web:alarms")
    return redirect("web:alarm", alert_id=alert.pk)


@require_POST
@role_page(Role.ELDER)
def sos_press(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The elder's big SOS button (the same key twice is one incident)."""
    try:
        _alert_row, created = alerts.press_sos(
            actor=actor, idempotency_key=request.POST.get("key", "")
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Help has been called. The call centre will phone you.")
            if created
            else _("Your SOS was already sent. Help is coming."),
        )
    return redirect("web:home")


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


@require_POST
@role_page(*PROVIDERS)
def nurse_alarm(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    """The one-click alarm on the visit screen, with the browser's location."""
    visit = access_visit(actor=actor, visit_id=visit_id)
    try:
        alerts.nurse_alarm(
            actor=actor,
            visit=visit,
            idempotency_key=request.POST.get("key", ""),
            lat=_float(request.POST.get("lat")),
            lng=_float(request.POST.get("lng")),
            accuracy=_float(request.POST.get("accuracy")),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.warning(
            request,
            _("Alarm sent to the security office and the call centre. Get to a safe place."),
        )
    return redirect("web:visit", visit_id=visit.pk)


@require_POST
@role_page(*PROVIDERS)
def nurse_location(request: HttpRequest, alert_id: int, *, actor: Actor) -> HttpResponse:
    """The visit screen posts the position every 15 s while the alarm is open (JSON)."""
    _actor, alert = _alert(request, alert_id)
    try:
        alerts.update_location(
            actor=actor,
            alert=alert,
            lat=request.POST.get("lat"),
            lng=request.POST.get("lng"),
            accuracy=request.POST.get("accuracy") or None,
        )
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"ok": True})


@require_POST
@role_page(*PROVIDERS)
def nurse_safe(request: HttpRequest, alert_id: int, *, actor: Actor) -> HttpResponse:
    """The nurse answers the overdue check-out prompt."""
    _actor, alert = _alert(request, alert_id)
    try:
        alerts.confirm_safe(actor=actor, alert=alert)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Thank you. Remember to check out when you leave."))
    return (
        redirect("web:visit", visit_id=alert.visit_id) if alert.visit_id else redirect("web:home")
    )


# --- settings: thresholds, security contacts, alarm e-mail ------------------------------

MEASURE_LABELS = {
    "systolic": gettext_lazy("Systolic blood pressure"),
    "diastolic": gettext_lazy("Diastolic blood pressure"),
    "glucose": gettext_lazy("Blood glucose"),
    "heart_rate": gettext_lazy("Heart rate"),
    "spo2": gettext_lazy("Oxygen saturation (SpO2)"),
    "temperature": gettext_lazy("Body temperature"),
}
BOUND_LABELS = (
    ("critical_low", gettext_lazy("Critical low")),
    ("warning_low", gettext_lazy("Warning low")),
    ("warning_high", gettext_lazy("Warning high")),
    ("critical_high", gettext_lazy("Critical high")),
)
UNIT_LABELS = {"mm[Hg]": "mmHg", "mmol/L": "mmol/L", "/min": "/min", "%": "%", "Cel": "°C"}


def _num(value: Decimal | None) -> str:
    """170.00 -> "170", 3.90 -> "3.9"; None -> ""."""
    return "" if value is None else format(value.normalize(), "f")


def _in_force(band: rules.Band) -> list[str]:
    parts = [
        (band.critical_low, _("critical"), "≤"),
        (band.warning_low, _("warning"), "≤"),
        (band.warning_high, _("warning"), "≥"),
        (band.critical_high, _("critical"), "≥"),
    ]
    return [f"{word} {op} {_num(value)}" for value, word, op in parts if value is not None]


def _threshold_rows(
    elder_id: int, *, typed: dict[str, str] | None = None, failed: str = ""
) -> list[dict[str, Any]]:
    rows = []
    for row in selectors.thresholds(elder_id):
        own = row.override
        values = {
            name: _num(getattr(own, name) if own is not None else None) for name in rules.BOUNDS
        }
        if typed is not None and row.measure == failed:
            values = {name: typed.get(name, "") for name in rules.BOUNDS}
        rows.append(
            {
                "measure": row.measure,
                "label": MEASURE_LABELS.get(row.measure, row.measure),
                "unit": UNIT_LABELS.get(row.unit, row.unit),
                "default": row.default,
                "in_force": _in_force(row.effective),
                "override": own,
                "fields": [
                    {"name": name, "label": label, "value": values[name]}
                    for name, label in BOUND_LABELS
                ],
                "plausible": row.plausible,
            }
        )
    return rows


@login_required
def alarm_thresholds(request: HttpRequest, elder_id: int) -> HttpResponse:
    """An elder's alert thresholds: readers of the health record see them, clinical staff
    of an institution caring for the elder set or clear the elder's own bounds."""
    actor = Actor.of(request.user)
    try:
        elder = health_access.access_record(actor=actor, elder_id=elder_id, part="alert_thresholds")
    except NotFound as exc:
        raise Http404() from exc
    may_change = health_access.may(actor, elder, "change")
    error, typed, failed, status = "", None, "", 200
    if request.method == "POST":
        measure = request.POST.get("measure", "")
        try:
            if request.POST.get("action") == "clear":
                alerts.clear_threshold(actor=actor, elder=elder, measure=measure)
                messages.success(request, _("Back to the platform's thresholds."))
            else:
                typed = {name: request.POST.get(name, "").strip() for name in rules.BOUNDS}
                alerts.set_threshold(actor=actor, elder=elder, measure=measure, **typed)
                messages.success(request, _("Thresholds saved."))
        except ApplicationError as exc:
            error, failed, status = error_text(exc), measure, exc.status
        else:
            return redirect("web:alarm_thresholds", elder_id=elder.pk)
    return render(
        request,
        "web/alarms/thresholds.html",
        {
            "elder": elder,
            "rows": _threshold_rows(elder.pk, typed=typed, failed=failed),
            "may_change": may_change,
            "error": error,
            "failed": failed,
        },
        status=status,
    )


def _managed_institutions(actor: Actor) -> list[Institution]:
    qs = Institution.objects.order_by("name_zh", "id")
    if actor.is_platform_admin:
        return list(qs)
    return list(qs.filter(pk__in=sorted(actor.institution_ids(Role.INSTITUTION_ADMIN))))


@login_required
def alarm_contacts_index(request: HttpRequest) -> HttpResponse:
    """Institutions whose security office contacts the user manages (one: straight there)."""
    actor = Actor.of(request.user)
    institutions = _managed_institutions(actor)
    if not institutions:
        raise Http404()
    if len(institutions) == 1:
        return redirect("web:alarm_contacts", institution_id=institutions[0].pk)
    return render(request, "web/alarms/contacts_index.html", {"institutions": institutions})


@login_required
def alarm_contacts(request: HttpRequest, institution_id: int) -> HttpResponse:
    """An institution's security office contacts: told at once of its nurses' alarms."""
    actor = Actor.of(request.user)
    try:
        institution = access.access_safety_institution(actor=actor, institution_id=institution_id)
    except NotFound as exc:
        raise Http404() from exc
    error, typed, status = "", "", 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                contact = access.access_safety_contact(
                    actor=actor,
                    institution_id=institution.pk,
                    contact_id=_int(request.POST.get("contact")),
                )
                alerts.remove_safety_contact(actor=actor, contact=contact)
                messages.success(request, _("Removed: no longer told of nurse alarms."))
            else:
                typed = request.POST.get("username", "").strip()
                user = alerts.contact_user(typed)
                alerts.add_safety_contact(actor=actor, institution=institution, user=user)
                messages.success(request, _("Added: told at once of every nurse alarm."))
        except NotFound as exc:
            raise Http404() from exc
        except ApplicationError as exc:
            error, status = error_text(exc), exc.status
        else:
            return redirect("web:alarm_contacts", institution_id=institution.pk)
    return render(
        request,
        "web/alarms/contacts.html",
        {
            "institution": institution,
            "contacts": list(selectors.safety_contacts(institution.pk)),
            "error": error,
            "typed": typed,
        },
        status=status,
    )


def _int(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        return 0


@login_required
def alarm_email(request: HttpRequest) -> HttpResponse:
    """The user's own alarm e-mail address (a duty mailbox): alert notifications also go
    there when the site sends e-mail."""
    actor = Actor.of(request.user)
    error, typed, status = "", "", 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "clear":
                alerts.clear_alarm_address(actor=actor)
                messages.success(request, _("Alarms are no longer e-mailed to you."))
            else:
                typed = request.POST.get("email", "")
                alerts.set_alarm_address(actor=actor, email=typed)
                messages.success(request, _("Alarms will also be e-mailed to this address."))
        except ApplicationError as exc:
            error, status = error_text(exc), exc.status
        else:
            return redirect("web:alarm_email")
    return render(
        request,
        "web/alarms/email.html",
        {"address": selectors.alarm_address(actor.user_id), "error": error, "typed": typed},
        status=status,
    )
