"""Family members: link to an elder, record proxy consent, see links, withdraw consent."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.people import access
from doorstep.people import services as people
from doorstep.people.enums import ConsentPurpose, FamilyLinkStatus, FamilyPermission
from doorstep.people.models import Consent, FamilyLink

from ..consent_texts import FAMILY_PROXY_TEXT, POLICY_VERSION
from ..forms import ConsentForm, FamilyLinkForm
from .common import role_page

FAMILY = (Role.FAMILY,)


def _links(actor: Actor) -> list[dict[str, object]]:
    """The actor's open links (pending or active), with the consents that cover them."""
    links = list(
        FamilyLink.objects.filter(user=actor.user)
        .exclude(status=FamilyLinkStatus.REVOKED)
        .select_related("elder", "elder__region")
        .order_by("id")
    )
    consents = Consent.objects.filter(
        elder_id__in=[link.elder_id for link in links],
        purpose=ConsentPurpose.FAMILY_PROXY_ACCESS,
        grantee_id=actor.user_id,
    ).order_by("-granted_at", "-id")
    by_elder: dict[int, list[Consent]] = {}
    for consent in consents:
        by_elder.setdefault(consent.elder_id, []).append(consent)
    vis = access.visibility(actor, [link.elder_id for link in links])
    readable = set(
        access.effective_family_links(actor.user.pk, "view_record").values_list(
            "elder_id", flat=True
        )
    )
    rows = []
    for link in links:
        v = vis[link.elder_id]
        elder_consents = by_elder.get(link.elder_id, [])
        rows.append(
            {
                "link": link,
                # Until the link is active the family member has only proven they know the
                # ID number and phone: show masked values, never more than they typed.
                "name": access.shown_name(link.elder.full_name, v),
                "id_number": access.shown_id_number(link.elder, v),
                "consents": elder_consents,
                "has_consent": any(c.withdrawn_at is None for c in elder_consents),
                # link active, view-record right and consent: the care-records page opens
                "can_read_records": link.elder_id in readable,
            }
        )
    return rows


@role_page(*FAMILY)
def family_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "web/family.html",
        {"rows": _links(actor), "form": FamilyLinkForm(), "consent_text": FAMILY_PROXY_TEXT},
    )


@role_page(*FAMILY)
def family_link(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = FamilyLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        permissions = [FamilyPermission.VIEW_RECORD.value]
        if data["place_orders"]:
            permissions.append(FamilyPermission.PLACE_ORDERS.value)
        if data["receive_alerts"]:
            permissions.append(FamilyPermission.RECEIVE_ALERTS.value)
        try:
            link = people.request_family_link(
                actor=actor,
                id_number=data["id_number"],
                phone=data["phone"],
                relationship=data["relationship"],
                permissions=permissions,
            )
        except NotFound:
            form.add_service_error(
                None,
                _("No elder matches this ID number and phone. Check both and try again."),
            )
        except ApplicationError as exc:
            form.add_service_error(exc.details.get("field"), exc.message)
        else:
            messages.success(
                request,
                _(
                    "Link requested. Now give your consent below; the elder or their "
                    "institution then confirms the link."
                ),
            )
            return redirect("web:family_consent", elder_id=link.elder_id)
    if request.method == "GET":
        return redirect("web:family")
    return render(
        request,
        "web/family.html",
        {"rows": _links(actor), "form": form, "consent_text": FAMILY_PROXY_TEXT},
        status=422,
    )


@role_page(*FAMILY)
def family_consent(request: HttpRequest, elder_id: int, *, actor: Actor) -> HttpResponse:
    """Show the proxy-consent notice and record the consent (family: for themself only)."""
    elder = access.access_elder_for_consent(actor=actor, elder_id=elder_id)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            people.record_consent(
                actor=actor,
                elder=elder,
                purpose=ConsentPurpose.FAMILY_PROXY_ACCESS,
                policy_version=POLICY_VERSION,
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your consent is recorded."))
            return redirect("web:family")
    vis = access.visibility(actor, [elder.pk])[elder.pk]
    return render(
        request,
        "web/family_consent.html",
        {
            "form": form,
            "elder": elder,
            "name": access.shown_name(elder.full_name, vis),
            "consent_text": FAMILY_PROXY_TEXT,
            "policy_version": POLICY_VERSION,
        },
        status=422 if form.errors else 200,
    )


@require_POST
@role_page(*FAMILY)
def family_withdraw(request: HttpRequest, consent_id: int, *, actor: Actor) -> HttpResponse:
    consent = access.access_consent(actor=actor, consent_id=consent_id)
    try:
        people.withdraw_consent(actor=actor, consent=consent)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your consent is withdrawn. Your access has stopped."))
    return redirect("web:family")
