"""Call-centre operators: the phone intake console. Find the elder, type the need in
Chinese or English, pick one of the suggested items and book it on the elder's behalf
(the item page, in the operator's name, channel ``phone``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.catalog import intake as classifier
from doorstep.catalog import selectors as catalog_selectors
from doorstep.catalog.models import ServiceItem
from doorstep.people.access import access_elder, shown_name, visibility

from .common import role_page
from .elders import _search

MAX_NEED = 500


@role_page(Role.OPERATOR)
def intake_console(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    term = (request.GET.get("q") or "").strip()[:64]
    need = (request.GET.get("need") or "").strip()[:MAX_NEED]
    raw = request.GET.get("elder") or ""
    elder = (
        access_elder(actor=actor, elder_id=int(raw), record_read=False) if raw.isdigit() else None
    )
    rows, error = _search(actor, term) if elder is None else ([], None)
    suggestions = []
    if elder is not None and need:
        found = classifier.suggest(catalog_selectors.intake_index(), need, 5)
        items = {i.pk: i for i in ServiceItem.objects.filter(pk__in=[s.item_id for s in found])}
        suggestions = [
            {"item": items[s.item_id], "score": s.score, "matched": s.matched}
            for s in found
            if s.item_id in items
        ]
    return render(
        request,
        "web/loop/intake.html",
        {
            "term": term,
            "rows": rows[:10],
            "error": error,
            "elder": elder,
            "elder_name": (
                shown_name(elder.full_name, visibility(actor, [elder.pk])[elder.pk])
                if elder
                else ""
            ),
            "need": need,
            "suggestions": suggestions,
        },
    )
