"""Institution staff: the patient blacklist (list with reason and review date, add an elder,
lift an entry), provider sanctions (the exit mechanism: warn, suspend, remove, lift) and
quality reviews (a low rating or a safety complaint opens one; close it with an outcome).

Who may see and change what is the quality app's (``quality.access``, ``RULES``); the
rules themselves are its services'. Forms are shown only to those who may act, and a POST
by anyone else is refused by the service, changing nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.organizations.models import Institution
from doorstep.people import access as people_access
from doorstep.quality import access, selectors
from doorstep.quality import services as quality
from doorstep.quality.enums import (
    BlacklistStatus,
    ReviewOutcome,
    ReviewStatus,
    SanctionKind,
    SanctionStatus,
)
from doorstep.quality.models import QualityReview
from doorstep.workforce.access import access_provider

from .common import role_page
from .elders import _rows as elder_rows
from .elders import _search as search_elders
from .loop_common import error_text

#: Who opens the blacklist page (RULES["blacklist"]["view"], tenant); of them, admins and
#: quality officers may add and lift (``change``).
BLACKLIST_ROLES = (
    Role.INSTITUTION_ADMIN,
    Role.INSTITUTION_QUALITY,
    Role.INSTITUTION_REVIEWER,
    Role.DISPATCHER,
)
SANCTION_ROLES = (Role.INSTITUTION_ADMIN, Role.INSTITUTION_QUALITY, Role.INSTITUTION_REVIEWER)
REVIEW_ROLES = (Role.INSTITUTION_QUALITY, Role.INSTITUTION_ADMIN)
LIST_LIMIT = 200


# --- patient blacklist -----------------------------------------------------------------


def _blacklist_url(institution_id: int, **extra: Any) -> str:
    query = {"institution": institution_id, **{k: v for k, v in extra.items() if v}}
    return f"{reverse('web:blacklist')}?{urlencode(query)}"


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@role_page(*BLACKLIST_ROLES)
def blacklist(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """One institution's blacklist (``?institution=``, default the first the actor acts
    for); ``?status=active|lifted|all``; ``?q=`` finds an elder to add, ``?elder=`` picks one."""
    institutions = list(
        Institution.objects.filter(pk__in=actor.institution_ids(*BLACKLIST_ROLES)).order_by("pk")
    )
    if not institutions:
        raise Http404()
    chosen = _int(request.GET.get("institution")) or institutions[0].pk
    institution = access.access_institution_blacklist(actor=actor, institution_id=chosen)
    status = request.GET.get("status", BlacklistStatus.ACTIVE)
    if status not in (*BlacklistStatus.values, "all"):
        status = BlacklistStatus.ACTIVE
    entries = list(
        selectors.blacklist_of(institution.pk, status=None if status == "all" else status)
        .select_related("created_by", "lifted_by")
        .order_by("review_date", "pk")[:LIST_LIMIT]
    )
    vis = people_access.visibility(actor, {e.elder_id for e in entries})
    today = clock.today()
    rows = [
        {
            "entry": e,
            "name": people_access.shown_name(e.elder.full_name, vis[e.elder_id]),
            "reason": e.reason if access.sees_blacklist_reason(actor, e) else None,
            "due": e.status == BlacklistStatus.ACTIVE and e.review_date <= today,
        }
        for e in entries
    ]
    can_change = access.may_for_institution(actor, "blacklist", "change", institution.pk)
    term = request.GET.get("q", "").strip()
    candidates: list[dict[str, Any]] = []
    search_error = None
    if can_change:
        elder_id = _int(request.GET.get("elder"))
        if elder_id is not None:
            found = list(people_access.elders_visible_to(actor).filter(pk=elder_id))
            candidates = elder_rows(actor, found)
        elif term:
            candidates, search_error = search_elders(actor, term)
            candidates = candidates[:10]
    return render(
        request,
        "web/loop/blacklist.html",
        {
            "institution": institution,
            "institutions": institutions,
            "status": status,
            "statuses": [*BlacklistStatus.choices, ("all", _("All"))],
            "rows": rows,
            "can_change": can_change,
            "term": term,
            "candidates": candidates,
            "search_error": search_error,
            "min_review": (today + dt.timedelta(days=1)).isoformat(),
            "default_review": (today + dt.timedelta(days=90)).isoformat(),
            "S": BlacklistStatus,
        },
    )


@require_POST
@role_page(*BLACKLIST_ROLES)
def blacklist_add(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    institution = access.access_institution_blacklist(
        actor=actor, institution_id=_int(request.POST.get("institution")) or 0
    )
    elder = (
        people_access.elders_visible_to(actor)
        .filter(pk=_int(request.POST.get("elder")) or 0)
        .first()
    )
    if elder is None:
        raise Http404()
    back = HttpResponseRedirect(_blacklist_url(institution.pk, elder=elder.pk))
    try:
        review_date = dt.date.fromisoformat(request.POST.get("review_date", ""))
    except ValueError:
        messages.error(request, _("Give the date to review the decision."))
        return back
    try:
        quality.blacklist_patient(
            actor=actor,
            institution=institution,
            elder=elder,
            reason=request.POST.get("reason", ""),
            review_date=review_date,
        )
    except NotFound:
        raise  # may see but not change the list: 404 like the API
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return back
    messages.success(request, _("On the blacklist: new bookings from this patient are refused."))
    return HttpResponseRedirect(_blacklist_url(institution.pk))


@require_POST
@role_page(*BLACKLIST_ROLES)
def blacklist_lift(request: HttpRequest, entry_id: int, *, actor: Actor) -> HttpResponse:
    entry = access.access_blacklist_entry(actor=actor, entry_id=entry_id)
    try:
        quality.lift_blacklist(actor=actor, entry=entry, reason=request.POST.get("reason", ""))
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Lifted: the patient may book again."))
    return HttpResponseRedirect(_blacklist_url(entry.institution_id))


# --- provider sanctions (the exit mechanism) -------------------------------------------


def _provider(actor: Actor, provider_id: int) -> Any:
    provider = access_provider(actor=actor, provider_id=provider_id, action="view")
    if not access.sees_provider_sanctions(actor, provider):
        raise Http404()
    return provider


def _is_admin(actor: Actor, institution_id: int | None) -> bool:
    return actor.is_platform_admin or (
        institution_id is not None
        and institution_id in actor.institution_ids(Role.INSTITUTION_ADMIN)
    )


@role_page(*SANCTION_ROLES)
def provider_sanctions(request: HttpRequest, provider_id: int, *, actor: Actor) -> HttpResponse:
    provider = _provider(actor, provider_id)
    sanctions = list(selectors.sanctions_of(access.sanctions_for(actor), provider.pk))
    now = clock.now()
    can_change = provider.institution_id is not None and access.may_for_institution(
        actor, "sanction", "change", provider.institution_id
    )
    is_admin = _is_admin(actor, provider.institution_id)
    kinds = [
        (k, label) for k, label in SanctionKind.choices if is_admin or k != SanctionKind.REMOVAL
    ]
    return render(
        request,
        "web/loop/sanctions.html",
        {
            "provider": provider,
            "rows": [
                {
                    "sanction": s,
                    "in_force": selectors.sanction_in_force(s, at=now),
                    "may_lift": can_change
                    and s.status == SanctionStatus.ACTIVE
                    and (s.kind != SanctionKind.REMOVAL or is_admin),
                }
                for s in sanctions
            ],
            "blocked": selectors.assignment_block_reason(provider, at=now),
            "quality": selectors.quality_of(provider.pk),
            "can_change": can_change,
            "kinds": kinds,
            "min_until": (clock.today() + dt.timedelta(days=1)).isoformat(),
            "may_verify": actor.has(Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER),
        },
    )


@require_POST
@role_page(*SANCTION_ROLES)
def sanction_add(request: HttpRequest, provider_id: int, *, actor: Actor) -> HttpResponse:
    provider = _provider(actor, provider_id)
    ends_at = None
    raw_until = request.POST.get("until", "").strip()
    if raw_until:
        try:
            last_day = dt.date.fromisoformat(raw_until)
        except ValueError:
            messages.error(request, _("Give the last day of the suspension as a date."))
            return redirect("web:provider_sanctions", provider_id=provider.pk)
        # The suspension covers the whole last day: it ends at the next midnight.
        ends_at = timezone.make_aware(
            dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min),
            timezone.get_current_timezone(),
        )
    try:
        quality.sanction_provider(
            actor=actor,
            provider=provider,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
            ends_at=ends_at,
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Sanction recorded; the provider is told."))
    return redirect("web:provider_sanctions", provider_id=provider.pk)


@require_POST
@role_page(*SANCTION_ROLES)
def sanction_lift(request: HttpRequest, sanction_id: int, *, actor: Actor) -> HttpResponse:
    sanction = access.access_sanction(actor=actor, sanction_id=sanction_id)
    try:
        quality.lift_sanction(actor=actor, sanction=sanction, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Sanction lifted; the provider is told."))
    return redirect("web:provider_sanctions", provider_id=sanction.provider_id)


# --- quality reviews -------------------------------------------------------------------


def _review_rows(actor: Actor, reviews: list[QualityReview]) -> list[dict[str, Any]]:
    return [
        {
            "review": r,
            "may_close": r.status == ReviewStatus.OPEN
            and access.may_for_institution(actor, "quality_review", "change", r.institution_id),
        }
        for r in reviews
    ]


def _reviews(actor: Actor) -> Any:
    return selectors.reviews_visible_to(actor).select_related(
        "visit", "visit__order__item", "rating", "complaint", "handled_by"
    )


@role_page(*REVIEW_ROLES)
def quality_reviews(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    status = request.GET.get("status", ReviewStatus.OPEN)
    if status not in ReviewStatus.values:
        status = ReviewStatus.OPEN
    reviews = list(_reviews(actor).filter(status=status).order_by("created_at", "pk")[:LIST_LIMIT])
    return render(
        request,
        "web/loop/quality_reviews.html",
        {
            "rows": _review_rows(actor, reviews),
            "status": status,
            "statuses": ReviewStatus.choices,
            "outcomes": ReviewOutcome.choices,
            "single": False,
        },
    )


@role_page(*REVIEW_ROLES)
def quality_review(request: HttpRequest, review_id: int, *, actor: Actor) -> HttpResponse:
    """One review (the link in the notification that opened it)."""
    review = _reviews(actor).filter(pk=review_id).first()
    if review is None:
        raise Http404()
    return render(
        request,
        "web/loop/quality_reviews.html",
        {
            "rows": _review_rows(actor, [review]),
            "status": review.status,
            "statuses": ReviewStatus.choices,
            "outcomes": ReviewOutcome.choices,
            "single": True,
        },
    )


@require_POST
@role_page(*REVIEW_ROLES)
def quality_review_close(request: HttpRequest, review_id: int, *, actor: Actor) -> HttpResponse:
    review = selectors.reviews_visible_to(actor).filter(pk=review_id).first()
    if review is None:
        raise Http404()
    try:
        quality.close_review(
            actor=actor,
            review=review,
            outcome=request.POST.get("outcome", ""),
            notes=request.POST.get("notes", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:quality_review", review_id=review.pk)
    messages.success(request, _("Review closed."))
    return redirect("web:quality_reviews")
