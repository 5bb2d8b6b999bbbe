"""Writes of the catalogue and the price lock used when an order is placed (ADR 0012).

* ``create_offering`` / ``update_offering``: an institution's admin decides which items it
  offers in which of its areas at what price (never above the regional cap).
* ``set_price_cap``: the platform records a regional guidance price.
* ``lock_price``: the orders app calls it when placing an order; it returns the quote
  lines, the total and a snapshot of every input so the price never changes afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.db import IntegrityError, transaction

from doorstep.accounts.policy import Actor
from doorstep.core import audit
from doorstep.core.errors import Forbidden
from doorstep.organizations.enums import MEDICAL_TYPES
from doorstep.organizations.models import Institution
from doorstep.regions.models import Region

from . import pricing, selectors
from .errors import (
    ChoiceRequired,
    ClinicalNeedsMedicalInstitution,
    InvalidDates,
    InvalidPolicy,
    InvalidPrice,
    ItemInactive,
    NotOffered,
    OfferingExists,
    OutsideServiceArea,
    PriceAboveCap,
)
from .models import Offering, PriceCap, PricingPolicy, ServiceItem, ServicePackage


def _price(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0 or value > 10**8:
        raise InvalidPrice(details={"field": "price_fen"})
    return value


def _check_cap(item: ServiceItem, region: Region, price_fen: int, on: dt.date) -> None:
    cap = selectors.cap_for(item, region, on)
    if cap is not None and price_fen > cap:
        raise PriceAboveCap(details={"cap_fen": cap, "price_fen": price_fen})


def create_offering(
    *,
    actor: Actor,
    institution: Institution,
    item: ServiceItem,
    region: Region,
    price_fen: int,
    on: dt.date,
) -> Offering:
    """Offer ``item`` in ``region`` (inside a service area) at ``price_fen`` (<= cap)."""
    _price(price_fen)
    if not item.is_active:
        raise ItemInactive()
    if item.is_clinical and institution.type not in MEDICAL_TYPES:
        raise ClinicalNeedsMedicalInstitution(details={"item": item.code})
    if not selectors.region_in_service_areas(institution, region):
        raise OutsideServiceArea(details={"region_id": region.pk})
    _check_cap(item, region, price_fen, on)
    with transaction.atomic():
        if Offering.objects.filter(institution=institution, item=item, region=region).exists():
            raise OfferingExists()
        try:
            with transaction.atomic():
                offering = Offering.objects.create(
                    institution=institution, item=item, region=region, price_fen=price_fen
                )
        except IntegrityError as exc:  # a concurrent create won
            raise OfferingExists() from exc
        audit.record(
            actor=actor.user,
            action="catalog.offering.create",
            object_type="offering",
            object_id=offering.pk,
            institution_id=institution.pk,
            changed_fields=["item", "region", "price_fen", "is_active"],
            details={"item": item.code, "region": region.code, "price_fen": price_fen},
        )
    return offering


def update_offering(
    *,
    actor: Actor,
    offering: Offering,
    price_fen: int | None = None,
    is_active: bool | None = None,
    on: dt.date,
) -> Offering:
    """Change the price (within the cap) or (de)activate an offering."""
    if price_fen is not None:
        _price(price_fen)
    with transaction.atomic():
        row = (
            Offering.objects.select_for_update()
            .select_related("item", "region")
            .get(pk=offering.pk)
        )
        changed: dict[str, Any] = {}
        if price_fen is not None and price_fen != row.price_fen:
            _check_cap(row.item, row.region, price_fen, on)
            changed["price_fen"] = (row.price_fen, price_fen)
            row.price_fen = price_fen
        if is_active is not None and is_active != row.is_active:
            if is_active:
                _check_cap(row.item, row.region, row.price_fen, on)
            changed["is_active"] = (row.is_active, is_active)
            row.is_active = is_active
        if changed:
            row.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor=actor.user,
                action="catalog.offering.update",
                object_type="offering",
                object_id=row.pk,
                institution_id=row.institution_id,
                changed_fields=list(changed),
                details={k: {"from": a, "to": b} for k, (a, b) in changed.items()},
            )
    return row


def set_price_cap(
    *,
    actor: Actor,
    item: ServiceItem,
    region: Region,
    cap_fen: int,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
) -> PriceCap:
    """Record a regional guidance price (platform admins). Existing offerings above it are
    still capped at quote time: the quote never exceeds the cap."""
    if not actor.is_platform_admin:
        raise Forbidden()
    _price(cap_fen)
    if effective_to is not None and effective_to <= effective_from:
        raise InvalidDates(details={"field": "effective_to"})
    with transaction.atomic():
        cap = PriceCap.objects.create(
            region=region,
            item=item,
            cap_fen=cap_fen,
            effective_from=effective_from,
            effective_to=effective_to,
        )
        audit.record(
            actor=actor.user,
            action="catalog.price_cap.create",
            object_type="price_cap",
            object_id=cap.pk,
            changed_fields=["region", "item", "cap_fen", "effective_from", "effective_to"],
            details={"item": item.code, "region": region.code, "cap_fen": cap_fen},
        )
    return cap


def _bp_table(table: dict[int, int] | None, field_name: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in (table or {}).items():
        if not 0 <= int(key) <= 5 or not 0 < int(value) <= 50000:
            raise InvalidPolicy(details={"field": field_name, "key": key})
        out[str(int(key))] = int(value)
    return out


def publish_pricing_policy(
    *,
    actor: Actor,
    region: Region,
    effective_from: dt.date,
    complexity_bp: dict[int, int] | None = None,
    title_bp: dict[int, int] | None = None,
    specialist_bp: int | None = None,
    free_radius_m: int | None = None,
    distance_fee_fen_per_km: int | None = None,
    detour_factor_pct: int | None = None,
    night_start_hour: int | None = None,
    night_end_hour: int | None = None,
    night_surcharge_bp: int | None = None,
    holidays: list[dt.date] | None = None,
    holiday_surcharge_bp: int | None = None,
) -> PricingPolicy:
    """A new version of ``region``'s pricing parameters (platform admins). Parameters not
    given are taken from the policy in effect there (nearest ancestor or defaults)."""
    if not actor.is_platform_admin:
        raise Forbidden()
    base = selectors.policy_for(region, effective_from)
    values: dict[str, Any] = {
        "complexity_bp": _bp_table(complexity_bp or dict(base.complexity_bp), "complexity_bp"),
        "title_bp": _bp_table(title_bp or dict(base.title_bp), "title_bp"),
        "specialist_bp": base.specialist_bp if specialist_bp is None else specialist_bp,
        "free_radius_m": base.free_radius_m if free_radius_m is None else free_radius_m,
        "distance_fee_fen_per_km": base.distance_fee_fen_per_km
        if distance_fee_fen_per_km is None
        else distance_fee_fen_per_km,
        "detour_factor_pct": base.detour_factor_pct
        if detour_factor_pct is None
        else detour_factor_pct,
        "night_start_hour": base.night_start_hour if night_start_hour is None else night_start_hour,
        "night_end_hour": base.night_end_hour if night_end_hour is None else night_end_hour,
        "night_surcharge_bp": base.night_surcharge_bp
        if night_surcharge_bp is None
        else night_surcharge_bp,
        "holidays": sorted(
            d.isoformat() for d in (base.holidays if holidays is None else holidays)
        ),
        "holiday_surcharge_bp": base.holiday_surcharge_bp
        if holiday_surcharge_bp is None
        else holiday_surcharge_bp,
    }
    checks = {
        "specialist_bp": 0 < values["specialist_bp"] <= 50000,
        "free_radius_m": 0 <= values["free_radius_m"] <= 100_000,
        "distance_fee_fen_per_km": 0 <= values["distance_fee_fen_per_km"] <= 10_000,
        "detour_factor_pct": 100 <= values["detour_factor_pct"] <= 300,
        "night_start_hour": 0 <= values["night_start_hour"] <= 23,
        "night_end_hour": 0 <= values["night_end_hour"] <= 23,
        "night_surcharge_bp": 0 <= values["night_surcharge_bp"] <= 20000,
        "holiday_surcharge_bp": 0 <= values["holiday_surcharge_bp"] <= 20000,
    }
    bad = sorted(k for k, ok in checks.items() if not ok)
    if bad:
        raise InvalidPolicy(details={"fields": bad})
    with transaction.atomic():
        # Lock the region's versions so two publishers cannot take the same number.
        last = (
            PricingPolicy.objects.select_for_update()
            .filter(region=region)
            .order_by("-version")
            .first()
        )
        policy = PricingPolicy.objects.create(
            region=region,
            version=(last.version + 1) if last else 1,
            effective_from=effective_from,
            created_by=actor.user,
            **values,
        )
        audit.record(
            actor=actor.user,
            action="catalog.pricing_policy.publish",
            object_type="pricing_policy",
            object_id=policy.pk,
            changed_fields=sorted(values),
            details={"region": region.code, "version": policy.version},
        )
    return policy


@dataclass(frozen=True)
class LockedPrice:
    """A price frozen on an order: the quote lines, the totals and every input."""

    item_id: int
    package_id: int | None
    institution_id: int
    offering_id: int
    visit_count: int
    visit_fen: int
    total_fen: int
    cap_fen: int | None
    lines: list[dict[str, Any]]
    inputs: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form to store on the order (``Order.price_snapshot``)."""
        return asdict(self)


def _line_dict(line: pricing.Line) -> dict[str, Any]:
    return {
        "code": line.code,
        "amount_fen": line.amount_fen,
        "label": line.label,
        "params": line.params,
    }


def quote_for(
    *,
    item: ServiceItem,
    package: ServicePackage | None,
    offering: Offering,
    region: Region,
    care_level: int,
    home: tuple[float, float] | None,
    when: dt.datetime,
    origin: tuple[float, float] | None = None,
    consumables: tuple[pricing.Consumable, ...] | None = None,
) -> tuple[pricing.QuoteInput, pricing.Quote]:
    """Quote ``item`` (or ``package``) from ``offering`` for a home in ``region``."""
    inp = selectors.quote_input(
        item=item,
        region=region,
        start=when,
        base_price_fen=offering.price_fen,
        care_level=care_level,
        origin=origin or selectors.institution_origin(offering.institution),
        home=home,
        visit_count=package.visit_count if package else 1,
        discount_bp=package.discount_bp if package else 0,
        consumables=consumables,
    )
    return inp, pricing.quote(inp)


def quote_offerings(
    *,
    item: ServiceItem,
    package: ServicePackage | None,
    offerings: list[Offering],
    region: Region,
    care_level: int,
    home: tuple[float, float] | None,
    when: dt.datetime,
) -> tuple[pricing.QuoteInput, list[tuple[Offering, pricing.QuoteInput, pricing.Quote]]]:
    """The reference input (catalogue base price, no travel) and a quote per offering.

    Cap, policy and consumables depend only on the item and the region, so they are looked
    up once; each offering changes only the base price and the origin."""
    reference = selectors.quote_input(
        item=item,
        region=region,
        start=when,
        base_price_fen=item.base_price_fen,
        care_level=care_level,
        origin=None,
        home=None,
        visit_count=package.visit_count if package else 1,
        discount_bp=package.discount_bp if package else 0,
    )
    out = []
    for offering in offerings:
        inp = replace(
            reference,
            base_price_fen=offering.price_fen,
            origin=selectors.institution_origin(offering.institution),
            home=home,
        )
        out.append((offering, inp, pricing.quote(inp)))
    return reference, out


def _resolve(item: ServiceItem | None, package: ServicePackage | None) -> ServiceItem:
    if (item is None) == (package is None):
        raise ChoiceRequired()
    if package is not None:
        if not package.is_active:
            raise ItemInactive()
        item = package.item
    assert item is not None
    if not item.is_active:
        raise ItemInactive()
    return item


def lock_price(
    *,
    item: ServiceItem | None,
    package: ServicePackage | None,
    institution: Institution,
    elder: Any,
    when: dt.datetime,
    provider_base: tuple[float, float] | None = None,
    consumables: tuple[pricing.Consumable, ...] | None = None,
) -> LockedPrice:
    """The price of an order placed now for ``elder`` with ``institution``.

    Give exactly one of ``item`` / ``package``. ``when`` is the (first) visit's start
    (aware). Distance is measured from ``provider_base`` when known, else from the
    institution. Raises ``not_offered`` (422) when the institution does not offer the item
    where the elder lives, ``item_inactive`` when the item or package is withdrawn. The
    caller stores ``LockedPrice.as_dict()`` on the order; nothing is written here.
    """
    the_item = _resolve(item, package)
    offering = selectors.offering_for(the_item, institution, elder.region)
    if offering is None:
        raise NotOffered(details={"item": the_item.code})
    home = selectors.home_of(elder)
    inp, q = quote_for(
        item=the_item,
        package=package,
        offering=offering,
        region=elder.region,
        care_level=elder.care_level,
        home=home,
        when=when,
        origin=provider_base,
        consumables=consumables,
    )
    return LockedPrice(
        item_id=the_item.pk,
        package_id=package.pk if package else None,
        institution_id=institution.pk,
        offering_id=offering.pk,
        visit_count=q.visit_count,
        visit_fen=q.visit_fen,
        total_fen=q.total_fen,
        cap_fen=inp.cap_fen,
        lines=[_line_dict(ln) for ln in q.lines],
        inputs={
            "base_price_fen": inp.base_price_fen,
            "start": inp.start.isoformat(),
            "care_level": inp.care_level,
            "min_title_rank": inp.min_title_rank,
            "specialist": inp.specialist,
            "distance_m": q.distance_m,
            "cap_fen": inp.cap_fen,
            "visit_count": inp.visit_count,
            "discount_bp": inp.discount_bp,
            "policy_version": inp.policy.version,
            "consumables": [asdict(c) for c in inp.consumables],
        },
    )
