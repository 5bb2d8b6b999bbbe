"""Elders: "my profile" in large text, and confirming a family member's link request."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.core.masking import mask_id_number, mask_phone
from doorstep.people import access
from doorstep.people import services as people
from doorstep.people.enums import FamilyLinkStatus
from doorstep.people.models import Consent, Elder, EmergencyContact, FamilyLink

from ..consent_texts import HEALTH_DATA_TEXT
from .common import role_page
from .records import care_records

ELDERS = (Role.ELDER,)


def _own_elder(actor: Actor) -> Elder | None:
    if actor.user_id is None:
        return None
    return access.elders_visible_to(actor).filter(user_id=actor.user_id).first()


@role_page(*ELDERS)
def my_profile(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    elder = _own_elder(actor)
    if elder is None:
        return render(request, "web/my_profile.html", {"elder": None})
    contacts = [
        {"contact": c, "phone": mask_phone(c.phone)}
        for c in EmergencyContact.objects.filter(elder=elder, is_active=True).order_by(
            "priority", "id"
        )
    ]
    links = list(
        FamilyLink.objects.filter(elder=elder)
        .exclude(status=FamilyLinkStatus.REVOKED)
        .select_related("user")
        .order_by("id")
    )
    consents = list(
        Consent.objects.filter(elder=elder).select_related("grantee").order_by("-granted_at")
    )
    return render(
        request,
        "web/my_profile.html",
        {
            "elder": elder,
            # Shown masked even to the elder: the page may be read on a shared screen.
            "id_number": mask_id_number(elder.id_number),
            "phone": mask_phone(elder.phone),
            "contacts": contacts,
            "links": links,
            "consents": consents,
            "health_data_text": HEALTH_DATA_TEXT,
            "records": care_records(elder.pk),
        },
    )


@require_POST
@role_page(*ELDERS)
def confirm_link(request: HttpRequest, link_id: int, *, actor: Actor) -> HttpResponse:
    link = access.access_family_link(actor=actor, link_id=link_id)
    try:
        people.confirm_family_link(actor=actor, link=link)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The family member is confirmed."))
    return redirect("web:my_profile")
