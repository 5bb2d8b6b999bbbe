"""Elder, family and operator: browse the catalogue, see a quote line by line, book."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.catalog import selectors as catalog_selectors
from doorstep.catalog import services as catalog_services
from doorstep.catalog.access import access_item
from doorstep.catalog.enums import CategoryGroup
from doorstep.catalog.models import Offering, ServiceItem
from doorstep.core import clock
from doorstep.core.errors import ApplicationError
from doorstep.dispatch import slots as dispatch_slots
from doorstep.orders import services as orders
from doorstep.orders.enums import Channel
from doorstep.orders.models import arrival_window
from doorstep.people.access import access_elder
from doorstep.people.models import Elder

from .common import role_page
from .loop_common import BOOKERS, error_text, own_elders

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _lang() -> str:
    return "zh" if (get_language() or "").startswith("zh") else "en"


@role_page(*BOOKERS)
def catalog_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Items by group; ``?group=`` narrows to one group."""
    group = request.GET.get("group") or ""
    if group not in CategoryGroup.values:
        group = ""
    items = list(catalog_selectors.items(group=group or None))
    by_group: dict[str, list[ServiceItem]] = {}
    for item in items:
        by_group.setdefault(item.category.group, []).append(item)
    groups = [(g, label, by_group.get(g, [])) for g, label in CategoryGroup.choices]
    return render(
        request,
        "web/loop/catalog.html",
        {
            "groups": [g for g in groups if g[2]],
            "all_groups": CategoryGroup.choices,
            "group": group,
            "elder_id": request.GET.get("elder", ""),
            "need": request.GET.get("need", ""),
        },
    )


def _hhmm(when: dt.datetime) -> str:
    return when.astimezone(SHANGHAI).strftime("%H:%M")


class BookingForm(forms.Form):
    offering = forms.TypedChoiceField(label=gettext_lazy("Institution"), coerce=int)
    day = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    slot = forms.ChoiceField(
        label=gettext_lazy("Arrival time"),
        help_text=gettext_lazy("The provider arrives between the two times you choose."),
    )
    need_text = forms.CharField(
        label=gettext_lazy("What is needed (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        offerings: list[Offering],
        times: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["offering"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (o.pk, o.institution.name_zh if _lang() == "zh" else o.institution.name_en)
            for o in offerings
        ]
        slot = self.fields["slot"]
        assert isinstance(slot, forms.ChoiceField)
        slot.choices = times

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, slot = data.get("day"), data.get("slot")
        if day and slot:
            hour, minute = (int(x) for x in str(slot).split(":"))
            start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)
            if start <= clock.now():
                self.add_error("day", _("Choose a time in the future."))
            data["window_start"] = start
        return data


def _start_times(
    actor: Actor, item: ServiceItem, elder: Elder | None, offering: Offering | None, day: dt.date
) -> tuple[list[tuple[str, str]], int, int]:
    """The start-time choices of the booking form on ``day``, how many are full (ADR 0032)
    and how many are marked recommended (ADR 0038). The elder and family see only times
    the institution can still serve; operators and institution staff see every time, the
    full ones marked (they may book past them)."""
    grid = dispatch_slots.start_times(day)
    window = arrival_window()

    def label(o: dispatch_slots.Offer) -> str:  # the arrival window, ADR 0037
        text = f"{_hhmm(o.start)}–{_hhmm(o.start + window)}" if window else _hhmm(o.start)
        if not o.open:
            return f"{text} ({_('fully booked')})"
        return f"{text} · {_('Recommended')}" if o.recommended else text

    if elder is None or offering is None or not settings.BOOKING_CAPACITY_CHECK:
        return [(_hhmm(t), label(dispatch_slots.Offer(t, True, 0, ""))) for t in grid], 0, 0
    found = dispatch_slots.openings(
        institution_id=offering.institution_id, item=item, elder=elder, day=day, starts=grid
    )
    full = sum(1 for o in found if not o.open)
    shown = [o for o in found if o.open] if actor.has(Role.ELDER, Role.FAMILY) else found
    return (
        [(_hhmm(o.start), label(o)) for o in shown],
        full,
        sum(1 for o in shown if o.recommended),
    )


def _elder_for(actor: Actor, request: HttpRequest) -> tuple[Elder | None, list[Elder]]:
    """The elder being booked for and the choices: operators name one (``?elder=``), an
    elder or family member picks from their own."""
    raw = request.POST.get("elder") or request.GET.get("elder") or ""
    if actor.has(Role.OPERATOR) and raw.isdigit():
        elder = access_elder(actor=actor, elder_id=int(raw), record_read=False)
        return elder, [elder]
    choices = list(own_elders(actor))
    chosen = next((e for e in choices if str(e.pk) == raw), None)
    return chosen or (choices[0] if choices else None), choices


def _quotes(
    item: ServiceItem, elder: Elder | None, offerings: list[Offering]
) -> list[dict[str, Any]]:
    if elder is None:
        return []
    rows: list[dict[str, Any]] = []
    home = catalog_selectors.home_of(elder)
    when = clock.now() + dt.timedelta(days=1)
    lang = _lang()
    from doorstep.billing import payer_rules

    payer_ctx = payer_rules.payer_context(elder=elder, item=item, on=payer_rules.local_date(when))
    for offering in offerings:
        _inp, q = catalog_services.quote_for(
            item=item,
            package=None,
            offering=offering,
            region=elder.region,
            care_level=elder.care_level,
            home=home,
            when=when,
        )
        rows.append(
            {
                "offering": offering,
                "total_fen": q.total_fen,
                "capped": q.capped,
                "lines": [
                    {"label": ln.text(_, lang), "amount_fen": ln.amount_fen} for ln in q.lines
                ],
                # Who pays what (ADR 0023): shown only when a payer takes a share.
                "payers": (
                    payer_rules.share_lines(payer_ctx, payer_rules.quote(payer_ctx, q.total_fen))
                    if payer_ctx.insured
                    else []
                ),
            }
        )
    rows.sort(key=lambda r: (r["total_fen"], r["offering"].institution_id))
    return rows


@role_page(*BOOKERS)
def item_page(request: HttpRequest, item_id: int, *, actor: Actor) -> HttpResponse:
    """The item, its quote from each institution serving the elder, and the booking form.
    The start times follow the chosen institution and day (the form reloads itself with
    HTMX when either changes)."""
    item = access_item(actor=actor, item_id=item_id)
    elder, elders = _elder_for(actor, request)
    offerings = catalog_selectors.offerings_for(item, elder.region) if elder else []
    quotes = _quotes(item, elder, offerings)
    ordered = [q["offering"] for q in quotes]
    source = request.POST if request.method == "POST" else request.GET
    raw_offering = source.get("offering") or ""
    offering = next((o for o in ordered if str(o.pk) == raw_offering), None)
    offering = offering or (ordered[0] if ordered else None)
    day = clock.today() + dt.timedelta(days=1)
    with contextlib.suppress(ValueError):  # no day or not a date: tomorrow
        day = dt.date.fromisoformat(source.get("day") or "")
    times, full, recommended = _start_times(actor, item, elder, offering, day)
    values = [t for t, _label in times]
    chosen = source.get("slot") or "09:00"  # the first choice offered when it is not there
    initial = {
        "day": day.isoformat(),
        "slot": chosen if chosen in values else (values[0] if values else ""),
        "need_text": source.get("need_text") or request.GET.get("need", ""),
        "offering": offering.pk if offering else None,
    }
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        offerings=ordered,
        times=times,
        initial=initial,
    )
    error = None
    if request.method == "POST" and elder is not None and form.is_valid():
        offering = next(o for o in ordered if o.pk == form.cleaned_data["offering"])
        try:
            order = orders.place_order(
                actor=actor,
                elder=elder,
                institution=offering.institution,
                item=item,
                window_start=form.cleaned_data["window_start"],
                channel=Channel.PHONE if actor.has(Role.OPERATOR) else Channel.APP,
                need_text=form.cleaned_data["need_text"],
            )
        except ApplicationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("Booked. We will keep you informed at every step."))
            if actor.has(Role.ELDER, Role.FAMILY):
                return redirect("web:order", order_id=order.pk)
            return redirect("web:intake")
    return render(
        request,
        "web/loop/item.html",
        {
            "item": item,
            "elder": elder,
            "elders": elders,
            "quotes": quotes,
            "form": form,
            "error": error,
            "is_operator": actor.has(Role.OPERATOR),
            "no_times": bool(elder and ordered and not times),
            "full_times": full,
            "recommended_times": recommended,
            "self_service": actor.has(Role.ELDER, Role.FAMILY),
        },
    )
