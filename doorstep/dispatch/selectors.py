"""Reads of the dispatch app that other apps use (ADR 0019).

Second providers: a two-provider visit holds its first provider in ``orders.Visit`` and
its second in ``SecondProvider``. A second-provider row holds that provider's time while
it is in force: not released, the visit still holds a provider (``HOLDING_PROVIDER``),
and the visit has not been re-assigned since the row was written (a later
``Visit.assigned_at`` means the plan that wrote it no longer applies). The orders
overlap check, the pool, the board, plan acceptance and ``check_invariants`` read them
through these functions, so the second provider's busy time counts everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import F, QuerySet

from doorstep.orders.enums import HOLDING_PROVIDER

from .models import SecondProvider


def second_providers_in_force() -> QuerySet[SecondProvider]:
    """Second-provider rows that hold their provider's time (see the module docstring)."""
    return SecondProvider.objects.filter(
        released_at__isnull=True,
        visit__status__in=sorted(HOLDING_PROVIDER),
        visit__provider__isnull=False,
        visit__assigned_at__lte=F("created_at"),
    )


def second_provider_visit_id_query(provider_id: int) -> QuerySet[SecondProvider, Any]:
    """The ids of the visits ``provider_id`` holds as second provider, as a query to nest
    (``pk__in=...``): the caller's one query reads them, no extra round trip."""
    return second_providers_in_force().filter(provider_id=provider_id).values("visit_id")


def second_provider_visit_ids(
    provider_id: int, *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> set[int]:
    """Visits ``provider_id`` holds as second provider (windows overlapping
    ``start``-``end`` when given)."""
    qs = second_providers_in_force().filter(provider_id=provider_id)
    if start is not None:
        qs = qs.filter(visit__window_end__gt=start)
    if end is not None:
        qs = qs.filter(visit__window_start__lt=end)
    return set(qs.values_list("visit_id", flat=True))


def second_provider_ids_of(visit_ids: Iterable[int]) -> dict[int, set[int]]:
    """visit id -> the providers holding it as second provider."""
    out: dict[int, set[int]] = {}
    rows = second_providers_in_force().filter(visit_id__in=list(visit_ids))
    for visit_id, provider_id in rows.values_list("visit_id", "provider_id"):
        out.setdefault(visit_id, set()).add(provider_id)
    return out


def second_provider_slots() -> QuerySet[SecondProvider]:
    """Every second-provider row in force, with its visit's window (for invariants)."""
    return second_providers_in_force().select_related("visit")


def slot_open(**kwargs: Any) -> Any:
    """The orders services' capacity hook: ``slots.slot_open`` (ADR 0032)."""
    from .slots import slot_open as check

    return check(**kwargs)
