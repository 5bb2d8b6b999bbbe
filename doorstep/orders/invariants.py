"""Invariants of orders and visits (issue 3, item 15), registered with ``check_invariants``.

Findings name rows by id only (never personal data).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Q

from doorstep.demo.invariants import invariant

from .enums import HOLDING_PROVIDER, CheckKind, VisitStatus
from .models import CheckEvent, Order, ServiceRecord, Visit, arrival_window
from .services._common import _dispatch_hook


@invariant("no_overlapping_visits")
def no_overlapping_visits() -> Iterator[str]:
    """No provider holds visits they cannot serve one after the other, each begun inside
    its arrival window (booked start to ``BOOKING_ARRIVAL_WINDOW_MINUTES`` later, ADR 0037;
    travel not counted), counting the visits they hold as second provider of a
    two-provider visit (ADR 0019); one sweep per provider in booked order."""
    rows = (
        Visit.objects.filter(provider__isnull=False, status__in=sorted(HOLDING_PROVIDER))
        .order_by("provider_id", "window_start", "id")
        .values_list("provider_id", "window_start", "pk", "window_end")
        .iterator(chunk_size=5000)
    )
    slots = _dispatch_hook("second_provider_slots")
    seconds = (
        sorted(
            (s.provider_id, s.visit.window_start, s.visit_id, s.visit.window_end) for s in slots()
        )
        if slots is not None
        else []
    )
    slack = arrival_window()
    current: int | None = None
    last_pk, ready = None, None
    for provider_id, start, pk, end in heapq.merge(rows, seconds):
        if provider_id != current:
            current, last_pk, ready = provider_id, pk, end
            continue
        begin = start if ready is None else max(start, ready)
        if begin > start + slack:
            yield f"provider {provider_id}: visits {last_pk} and {pk} overlap"
            # counted once: the next visit is checked against whichever ends later
            if ready is None or end > ready:
                last_pk, ready = pk, end
            continue
        last_pk, ready = pk, begin + (end - start)


@invariant("order_price_locked")
def order_price_locked() -> Iterator[str]:
    """Every order carries its locked price lines and a total."""
    rows = Order.objects.filter(Q(price_lines=[]) | Q(pricing_inputs={})).values_list(
        "pk", flat=True
    )
    for pk in rows.order_by("pk").iterator(chunk_size=5000):
        yield f"order {pk} has no locked price"
    totals = Order.objects.filter(total_fen__isnull=True).values_list("pk", flat=True)
    for pk in totals.order_by("pk"):
        yield f"order {pk} has no total"


@invariant("completed_visit_evidence")
def completed_visit_evidence() -> Iterator[str]:
    """Every completed (or reviewed) visit has a check-in, a check-out and a record."""
    done = Visit.objects.filter(status__in=[VisitStatus.COMPLETED, VisitStatus.REVIEWED])
    missing = done.annotate(
        has_in=Exists(CheckEvent.objects.filter(visit=OuterRef("pk"), kind=CheckKind.CHECK_IN)),
        has_out=Exists(CheckEvent.objects.filter(visit=OuterRef("pk"), kind=CheckKind.CHECK_OUT)),
        has_record=Exists(ServiceRecord.objects.filter(visit=OuterRef("pk"))),
    ).filter(Q(has_in=False) | Q(has_out=False) | Q(has_record=False))
    for pk, has_in, has_out, has_record in (
        missing.order_by("pk")
        .values_list("pk", "has_in", "has_out", "has_record")
        .iterator(chunk_size=5000)
    ):
        lacks = [
            name
            for name, ok in (("check-in", has_in), ("check-out", has_out), ("record", has_record))
            if not ok
        ]
        yield f"completed visit {pk} lacks {', '.join(lacks)}"
