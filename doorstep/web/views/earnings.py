"""A provider's earnings page (issue 5, item 6): the month's visits with the price, who paid
it, the provider's own share and the contract incentives in it (night, rural, difficult
item; ADR 0024), and the month's total ("transparent distribution")."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from doorstep.accounts.policy import Actor
from doorstep.billing import selectors
from doorstep.billing.access import access_earner
from doorstep.billing.enums import IncentiveReason
from doorstep.core import clock
from doorstep.orders.models import Visit

from .common import role_page
from .loop_common import PROVIDERS


def _month(raw: str) -> tuple[dt.date, dt.datetime, dt.datetime]:
    today = clock.today()
    try:
        year, month = (int(x) for x in raw.split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    tz = timezone.get_current_timezone()
    start = dt.datetime(first.year, first.month, 1, tzinfo=tz)
    nxt = dt.datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=tz)
    return first, start, nxt


@role_page(*PROVIDERS)
def my_earnings(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    provider = access_earner(actor=actor, provider_id=None)
    first, start, end = _month(request.GET.get("month", ""))
    rows = selectors.earnings(provider.pk, start=start, end=end)
    visits = {
        v.pk: v
        for v in Visit.objects.filter(pk__in=[r.visit_id for r in rows]).select_related(
            "order__item"
        )
    }
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    nxt = end.date()
    return render(
        request,
        "web/earnings.html",
        {
            "month": first,
            "prev": prev.strftime("%Y-%m"),
            "next": nxt.strftime("%Y-%m") if nxt <= clock.today() else "",
            "rows": [
                {
                    "row": r,
                    "visit": visits.get(r.visit_id),
                    "incentives": [
                        {"reason": reason, "label": IncentiveReason(reason).label, "fen": fen}
                        for reason, fen in r.incentives
                    ],
                }
                for r in rows
            ],
            "total": sum(r.earned_fen for r in rows),
            "incentive_total": sum(r.incentive_fen for r in rows),
        },
    )
