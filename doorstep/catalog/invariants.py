"""Catalogue invariants for ``manage.py check_invariants`` (ADR 0012)."""

from __future__ import annotations

from collections.abc import Iterator

from doorstep.core import clock
from doorstep.demo.invariants import invariant
from doorstep.organizations.models import ServiceArea

from . import selectors
from .models import Offering


@invariant("offerings_within_cap_and_area")
def offerings_within_cap_and_area() -> Iterator[str]:
    """Every active offering lies inside one of its institution's service areas and its
    price is at most the regional cap in effect today."""
    today = clock.today()
    areas: dict[int, list[str]] = {}
    for inst_id, path in ServiceArea.objects.values_list("institution_id", "region__path"):
        areas.setdefault(inst_id, []).append(path)
    caps: dict[tuple[int, int], int | None] = {}
    rows = Offering.objects.filter(is_active=True).select_related("item", "region")
    for o in rows.iterator(chunk_size=2000):
        if not any(o.region.path.startswith(p) for p in areas.get(o.institution_id, [])):
            yield f"offering {o.pk} is outside institution {o.institution_id}'s service areas"
        key = (o.item_id, o.region_id)
        if key not in caps:
            caps[key] = selectors.cap_for(o.item, o.region, today)
        cap = caps[key]
        if cap is not None and o.price_fen > cap:
            yield f"offering {o.pk} costs {o.price_fen} fen, above the cap {cap}"
