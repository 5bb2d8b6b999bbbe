"""Call-centre operators: find an elder by phone, name or ID number; register a new one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.people import access, selectors
from doorstep.people import services as people
from doorstep.people.models import Elder
from doorstep.regions.enums import Level
from doorstep.regions.models import Region

from ..forms import ElderRegisterForm, ElderSearchForm
from .common import role_page
from .records import care_records

OPERATORS = (Role.OPERATOR,)
MAX_RESULTS = 20


def _criteria(term: str) -> dict[str, str]:
    """Which search a term means: 11 digits a phone, 18 characters an ID, else a name."""
    compact = "".join(term.split()).replace("-", "")
    if compact.startswith("+86"):
        compact = compact[3:]
    if compact.isdigit() and len(compact) == 11:
        return {"phone": compact}
    if len(compact) == 18 and compact[:17].isdigit():
        return {"id_number": compact}
    if compact.isdigit() and len(compact) >= 6:
        # Looks like a number but is neither: let the ID check explain what is wrong.
        return {"id_number": compact}
    return {"name": term.strip()}


def _rows(actor: Actor, elders: list[Elder]) -> list[dict[str, Any]]:
    vis = access.visibility(actor, [e.pk for e in elders])
    return [
        {
            "elder": e,
            "name": access.shown_name(e.full_name, vis[e.pk]),
            "id_number": access.shown_id_number(e, vis[e.pk]),
            "phone": access.shown_phone(e.phone, vis[e.pk]),
        }
        for e in elders
    ]


def _search(actor: Actor, term: str) -> tuple[list[dict[str, Any]], str | None]:
    if not term.strip():
        return [], None
    try:
        found = list(selectors.search_elders(actor=actor, **_criteria(term))[: MAX_RESULTS + 1])
    except ApplicationError as exc:
        return [], str(exc.message)
    return _rows(actor, found), None


@role_page(*OPERATORS)
def elder_search(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = ElderSearchForm(request.GET or None)
    term = form.cleaned_data["q"] if form.is_valid() else ""
    rows, error = _search(actor, term)
    return render(
        request,
        "web/elders.html",
        {
            "form": form,
            "rows": rows[:MAX_RESULTS],
            "more": len(rows) > MAX_RESULTS,
            "error": error,
            "term": term,
        },
    )


@role_page(*OPERATORS)
def elder_results(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The HTMX partial with search results."""
    form = ElderSearchForm(request.GET or None)
    term = form.cleaned_data["q"] if form.is_valid() else ""
    rows, error = _search(actor, term)
    return render(
        request,
        "web/partials/elder_results.html",
        {"rows": rows[:MAX_RESULTS], "more": len(rows) > MAX_RESULTS, "error": error, "term": term},
    )


def _communities(actor: Actor) -> QuerySet[Region]:
    """Communities inside the operator's region subtrees (where they may register)."""
    qs = Region.objects.filter(level=Level.COMMUNITY).order_by("path")
    paths = actor.region_paths(Role.OPERATOR)
    if "" in paths:
        return qs
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return qs.filter(q)


@role_page(*OPERATORS)
def elder_register(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = ElderRegisterForm(
        request.POST if request.method == "POST" else None, regions=_communities(actor)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            elder = people.register_elder(
                actor=actor,
                full_name=data["full_name"],
                id_number=data["id_number"],
                phone=data["phone"],
                region=data["region"],
                address=data["address"],
            )
        except ApplicationError as exc:
            form.add_service_error(exc.details.get("field"), exc.message)
        else:
            messages.success(request, _("The elder is registered."))
            return redirect("web:elder", elder_id=elder.pk)
    status = 422 if form.errors else 200
    return render(request, "web/elder_register.html", {"form": form}, status=status)


@role_page(*OPERATORS)
def elder_detail(request: HttpRequest, elder_id: int, *, actor: Actor) -> HttpResponse:
    """The elder's summary as the operator may see it (the read is audited)."""
    elder = access.access_elder(actor=actor, elder_id=elder_id)
    row = _rows(actor, [elder])[0]
    return render(
        request,
        "web/elder_detail.html",
        {"row": row, "elder": elder, "records": care_records(elder.pk)},
    )
