"""Home devices (ADR 0030): the registry of the elders the user sees, with status, battery
and last contact; staff, operators and family register devices (the secret is shown once)
and retire them. Every lookup goes through ``devices.access``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.devices import access, services
from doorstep.devices.enums import DeviceType
from doorstep.devices.mosquitto import ACKS, EVENTS
from doorstep.people.models import Elder

from .common import role_page

ROLES = tuple(access.VIEW_ROLES)
MAX_ROWS = 300


def _manageable_elders(actor: Actor) -> list[Elder]:
    q = access.elders_q(actor, access.MANAGE_ROLES)
    qs = Elder.objects.filter(status="active").order_by("full_name", "id")
    if q is not None:
        qs = qs.filter(q)
    return list(qs[:MAX_ROWS])


def _page(request: HttpRequest, actor: Actor, **extra: object) -> HttpResponse:
    devices = list(
        access.devices_visible_to(actor).order_by("elder__full_name", "type", "id")[:MAX_ROWS]
    )
    manageable = _manageable_elders(actor)
    manage_ids = {e.pk for e in manageable}
    return render(
        request,
        "web/devices.html",
        {
            "devices": devices,
            "elders": manageable,
            "manage_ids": manage_ids,
            "types": DeviceType.choices,
            **extra,
        },
    )


@role_page(*ROLES)
def device_list(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return _page(request, actor)


@require_POST
@role_page(*ROLES)
def device_register(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    try:
        elder_id = int(request.POST.get("elder", ""))
    except ValueError:
        elder_id = 0
    elder = Elder.objects.filter(pk=elder_id).first()
    if elder is None:
        raise NotFound()
    try:
        device, secret = services.register_device(
            actor=actor,
            elder=elder,
            type=request.POST.get("type", ""),
            label=request.POST.get("label", ""),
        )
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        return _page(request, actor)
    # Rendered, not redirected: the secret is shown once and never stored in clear.
    return _page(
        request,
        actor,
        registered=device,
        secret=secret,
        events_topic=EVENTS.format(device.device_id),
        acks_topic=ACKS.format(device.device_id),
    )


@require_POST
@role_page(*ROLES)
def device_retire(request: HttpRequest, device_pk: int, *, actor: Actor) -> HttpResponse:
    device = access.access_device(actor=actor, device_pk=device_pk)
    try:
        services.retire_device(actor=actor, device=device)
    except ApplicationError as exc:
        if exc.status == 404:
            raise NotFound() from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The device was retired; it can no longer send."))
    return redirect("web:devices")
