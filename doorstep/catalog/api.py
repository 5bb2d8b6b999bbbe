"""The catalogue, quotes, price caps, institution offerings and intake suggestions
(/api/v1/). Handlers only parse, look up through ``access``/``selectors``, call
``services`` and render (ADR 0012).
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language, gettext
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from doorstep.accounts.enums import INSTITUTION_STAFF, PROVIDER_ROLES, Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import Forbidden, NotFound
from doorstep.organizations.models import Institution
from doorstep.people.access import access_elder, audit_institution
from doorstep.regions.access import access_region
from doorstep.regions.models import Region
from doorstep.workforce import eligibility

from . import intake, pricing, selectors, services
from .access import (
    access_institution_offerings,
    access_item,
    access_offering,
    access_package,
    offerings_for,
)
from .enums import CategoryGroup, RiskLevel
from .errors import ChoiceRequired, LocationRequired, NotOffered
from .models import Offering, PriceCap, ServiceCategory, ServiceItem, ServicePackage

router = Router(tags=["catalog"])

#: Roles whose quote for an elder is an audited read of the elder's record.
STAFF_ROLES = (
    INSTITUTION_STAFF | PROVIDER_ROLES | {Role.OPERATOR, Role.REGULATOR, Role.PLATFORM_ADMIN}
)


def _zh() -> bool:
    return (get_language() or "en").lower().startswith("zh")


def _name(obj: Any) -> str:
    return str(obj.name_zh if _zh() else obj.name_en)


# --- schemas --------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    group: CategoryGroup
    group_label: str
    item_count: int


class RequirementOut(Schema):
    preset: str
    provider_kinds: list[str]
    min_title: str
    min_title_rank: int
    min_years: int
    certificates: list[str]
    clinical: bool


class ItemOut(Schema):
    id: int
    code: str
    category: str
    group: CategoryGroup
    name: str
    name_zh: str
    name_en: str
    provider_kinds: list[str]
    requirement: RequirementOut
    is_clinical: bool
    duration_minutes: int
    risk_level: RiskLevel
    requires_assessment: bool
    assessment_validity_days: int
    base_price_fen: int
    is_active: bool


class ConsumableOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    unit: str
    price_fen: int


class TemplateFieldOut(Schema):
    key: str
    label: str
    label_zh: str
    label_en: str
    type: str
    unit: str
    loinc: str
    required: bool
    min: float | None
    max: float | None
    choices: list[str]


class PackageOut(Schema):
    id: int
    code: str
    item_id: int
    item_code: str
    name: str
    name_zh: str
    name_en: str
    visit_count: int
    interval_days: int
    discount_bp: int
    is_active: bool


class ItemDetailOut(ItemOut):
    synonyms: list[str]
    contraindications: str
    contraindications_zh: str
    contraindications_en: str
    consumables: list[ConsumableOut]
    documentation_template: list[TemplateFieldOut]
    packages: list[PackageOut]


class ItemPage(Schema):
    items: list[ItemOut]
    count: int


class ItemFilter(Schema):
    group: CategoryGroup | None = None
    category: str | None = None
    q: str | None = Field(None, max_length=64)
    region: int | None = Field(None, description="Only items offered in this region.")
    provider_kind: str | None = None
    offset: int = Field(0, ge=0)
    limit: int = Field(50, ge=1, le=200)


class PackageFilter(Schema):
    item_id: int | None = None


def _requirement(item: ServiceItem) -> RequirementOut:
    req = selectors.requirement_for(item)
    return RequirementOut(
        preset=item.eligibility_preset,
        provider_kinds=sorted(req.kinds),
        min_title=req.min_title,
        min_title_rank=eligibility.TITLE_RANK.get(req.min_title, 0),
        min_years=req.min_years,
        certificates=sorted(req.certificate_kinds),
        clinical=req.clinical,
    )


def _item_fields(item: ServiceItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "code": item.code,
        "category": item.category.code,
        "group": CategoryGroup(item.category.group),
        "name": _name(item),
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "provider_kinds": list(item.provider_kinds),
        "requirement": _requirement(item),
        "is_clinical": item.is_clinical,
        "duration_minutes": item.duration_minutes,
        "risk_level": RiskLevel(item.risk_level),
        "requires_assessment": item.requires_assessment,
        "assessment_validity_days": item.assessment_validity_days,
        "base_price_fen": item.base_price_fen,
        "is_active": item.is_active,
    }


def _package_out(p: ServicePackage) -> PackageOut:
    return PackageOut(
        id=p.pk,
        code=p.code,
        item_id=p.item_id,
        item_code=p.item.code,
        name=_name(p),
        name_zh=p.name_zh,
        name_en=p.name_en,
        visit_count=p.visit_count,
        interval_days=p.interval_days,
        discount_bp=p.discount_bp,
        is_active=p.is_active,
    )


def _detail(item: ServiceItem) -> ItemDetailOut:
    zh = _zh()
    return ItemDetailOut(
        **_item_fields(item),
        synonyms=list(item.synonyms),
        contraindications=item.contraindications_zh if zh else item.contraindications_en,
        contraindications_zh=item.contraindications_zh,
        contraindications_en=item.contraindications_en,
        consumables=[
            ConsumableOut(
                code=c["code"],
                name=c["name_zh"] if zh else c["name_en"],
                name_zh=c["name_zh"],
                name_en=c["name_en"],
                unit=c.get("unit", ""),
                price_fen=c["price_fen"],
            )
            for c in item.consumables
        ],
        documentation_template=[
            TemplateFieldOut(
                key=f["key"],
                label=f["label_zh"] if zh else f["label_en"],
                label_zh=f["label_zh"],
                label_en=f["label_en"],
                type=f["type"],
                unit=f.get("unit", ""),
                loinc=f.get("loinc", ""),
                required=bool(f.get("required")),
                min=f.get("min"),
                max=f.get("max"),
                choices=list(f.get("choices") or []),
            )
            for f in item.documentation_template
        ],
        packages=[
            _package_out(p) for p in item.packages.filter(is_active=True).select_related("item")
        ],
    )


# --- catalogue reads ------------------------------------------------------------------


@router.get("/catalog/categories", response={200: list[CategoryOut], **ERRORS})
def list_categories(request: HttpRequest) -> list[CategoryOut]:
    """Every category with its group and the number of active items."""
    actor_of(request)
    counts: dict[int, int] = {}
    for cat_id in ServiceItem.objects.filter(is_active=True).values_list("category_id", flat=True):
        counts[cat_id] = counts.get(cat_id, 0) + 1
    return [
        CategoryOut(
            id=c.pk,
            code=c.code,
            name=_name(c),
            name_zh=c.name_zh,
            name_en=c.name_en,
            group=CategoryGroup(c.group),
            group_label=str(CategoryGroup(c.group).label),
            item_count=counts.get(c.pk, 0),
        )
        for c in ServiceCategory.objects.all()
    ]


@router.get("/catalog/items", response={200: ItemPage, **ERRORS})
def list_items(request: HttpRequest, filters: Query[ItemFilter]) -> ItemPage:
    """Active items, filtered by group, category code, ``q`` (name or code), region
    (offered there by some institution) and provider kind; paginated."""
    actor = actor_of(request)
    region = access_region(actor=actor, region_id=filters.region) if filters.region else None
    qs = selectors.items(
        group=filters.group,
        category=filters.category,
        q=filters.q,
        region=region,
        provider_kind=filters.provider_kind,
    )
    page = list(qs[filters.offset : filters.offset + filters.limit])
    return ItemPage(items=[ItemOut(**_item_fields(i)) for i in page], count=qs.count())


@router.get("/catalog/items/{item_id}", response={200: ItemDetailOut, **ERRORS})
def get_item(request: HttpRequest, item_id: int) -> ItemDetailOut:
    """One item with its consumables, documentation template and packages."""
    return _detail(access_item(actor=actor_of(request), item_id=item_id))


@router.get("/catalog/packages", response={200: list[PackageOut], **ERRORS})
def list_packages(request: HttpRequest, filters: Query[PackageFilter]) -> list[PackageOut]:
    actor_of(request)
    qs = ServicePackage.objects.filter(is_active=True, item__is_active=True).select_related("item")
    if filters.item_id is not None:
        qs = qs.filter(item_id=filters.item_id)
    return [_package_out(p) for p in qs.order_by("id")]


# --- quotes ---------------------------------------------------------------------------


class QuoteIn(Schema):
    item_id: int | None = None
    package_id: int | None = None
    elder_id: int | None = Field(None, description="Quote for this elder (care level, home).")
    region_id: int | None = Field(None, description="Browsing without an elder: the region.")
    care_level: int = Field(0, ge=0, le=5, description="Browsing without an elder.")
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    institution_id: int | None = Field(None, description="Omit to compare every institution.")
    at: dt.datetime | None = Field(None, description="Visit start; default now.")

    model_config = {
        "json_schema_extra": {
            "examples": [{"item_id": 1, "elder_id": 1, "at": "2026-06-01T09:00:00+08:00"}]
        }
    }


class LineOut(Schema):
    code: str
    amount_fen: int
    label: str


class PayerLineOut(Schema):
    payer: str = Field(description="Scheme code (e.g. long_term_care) or self_pay.")
    name: str = Field(description="The payer's name in the caller's language.")
    amount_fen: int
    reason: str


class QuoteOut(Schema):
    institution_id: int | None
    institution_name: str | None
    offering_id: int | None
    base_price_fen: int
    visit_fen: int
    visit_count: int
    total_fen: int
    cap_fen: int | None
    capped: bool
    distance_m: int | None
    policy_version: str
    lines: list[LineOut]
    payers: list[PayerLineOut] = Field(
        default_factory=list,
        description="Who pays how much (ADR 0023), for a quote for an elder; self-pay last.",
    )


class QuotesOut(Schema):
    item_id: int
    package_id: int | None
    at: dt.datetime
    care_level: int
    reference: QuoteOut
    quotes: list[QuoteOut]


# The quote builds plain dicts: ninja validates the response once against the schemas above
# (building Schema objects here would validate every line twice).
def _lines(q: pricing.Quote) -> list[dict[str, Any]]:
    lang = "zh" if _zh() else "en"
    return [
        {"code": ln.code, "amount_fen": ln.amount_fen, "label": ln.text(gettext, lang)}
        for ln in q.lines
    ]


def _quote_out(
    inp: pricing.QuoteInput, q: pricing.Quote, offering: Offering | None
) -> dict[str, Any]:
    return {
        "institution_id": offering.institution_id if offering else None,
        "institution_name": _name(offering.institution) if offering else None,
        "offering_id": offering.pk if offering else None,
        "base_price_fen": inp.base_price_fen,
        "visit_fen": q.visit_fen,
        "visit_count": q.visit_count,
        "total_fen": q.total_fen,
        "cap_fen": inp.cap_fen,
        "capped": q.capped,
        "distance_m": q.distance_m,
        "policy_version": inp.policy.version,
        "lines": _lines(q),
    }


def _where(actor: Actor, payload: QuoteIn) -> tuple[Region, int, tuple[float, float] | None]:
    if payload.elder_id is not None:
        # The quote shows the care level: a staff member's quote is an audited read of the
        # record; the elder's and their family's own quotes are not (ADR 0012).
        elder = access_elder(actor=actor, elder_id=payload.elder_id, record_read=False)
        if elder.user_id != actor.user_id and actor.has(*STAFF_ROLES):
            audit.record(
                actor=actor.user,
                action="read",
                object_type="elder",
                object_id=elder.pk,
                institution_id=audit_institution(actor),
                details={"purpose": "quote"},
            )
        return elder.region, elder.care_level, selectors.home_of(elder)
    if payload.region_id is None:
        raise LocationRequired()
    region = access_region(actor=actor, region_id=payload.region_id)
    home = (
        (payload.lat, payload.lng) if payload.lat is not None and payload.lng is not None else None
    )
    if home is None and region.centroid_lat is not None and region.centroid_lng is not None:
        home = (region.centroid_lat, region.centroid_lng)
    return region, payload.care_level, home


@router.post("/catalog/quote", response={200: QuotesOut, **ERRORS})
def quote(request: HttpRequest, payload: QuoteIn) -> dict[str, Any]:
    """The price of an item or package with every step as a line, in the caller's
    language: for one institution (``institution_id``) or every institution offering it
    where the elder lives (cheapest first). ``reference`` prices the catalogue's base
    price with no travel. Nothing is written; ``lock_price`` freezes it on an order."""
    actor = actor_of(request)
    if (payload.item_id is None) == (payload.package_id is None):
        raise ChoiceRequired()
    package = (
        access_package(actor=actor, package_id=payload.package_id)
        if payload.package_id is not None
        else None
    )
    item = package.item if package else access_item(actor=actor, item_id=payload.item_id or 0)
    region, care_level, home = _where(actor, payload)
    at = payload.at or clock.now()
    offerings = selectors.offerings_for(item, region)
    if payload.institution_id is not None:
        offerings = [o for o in offerings if o.institution_id == payload.institution_id]
        if not offerings:
            raise NotOffered(details={"institution_id": payload.institution_id})
    ref_in, priced = services.quote_offerings(
        item=item,
        package=package,
        offerings=offerings,
        region=region,
        care_level=care_level,
        home=home,
        when=at,
    )
    quotes = [_quote_out(inp, q, offering) for offering, inp, q in priced]
    if payload.elder_id is not None and quotes:
        # Each payer's share before booking (ADR 0023); enrolment, rules and usage are
        # read once, the split of each institution's price is pure.
        from doorstep.billing import payer_rules

        elder = access_elder(actor=actor, elder_id=payload.elder_id, record_read=False)
        ctx = payer_rules.payer_context(elder=elder, item=item, on=payer_rules.local_date(at))
        for row in quotes:
            row["payers"] = payer_rules.share_lines(ctx, payer_rules.quote(ctx, row["total_fen"]))
    quotes.sort(key=lambda x: (x["total_fen"], x["institution_id"] or 0))
    return {
        "item_id": item.pk,
        "package_id": package.pk if package else None,
        "at": at,
        "care_level": care_level,
        "reference": _quote_out(ref_in, pricing.quote(ref_in), None),
        "quotes": quotes,
    }


class PolicyOut(Schema):
    region_id: int
    version: str
    complexity_bp: dict[str, int]
    title_bp: dict[str, int]
    specialist_bp: int
    free_radius_m: int
    distance_fee_fen_per_km: int
    detour_factor_pct: int
    night_start_hour: int
    night_end_hour: int
    night_surcharge_bp: int
    holidays: list[dt.date]
    holiday_surcharge_bp: int


class PolicyQuery(Schema):
    region_id: int
    on: dt.date | None = None


@router.get("/catalog/pricing-policy", response={200: PolicyOut, **ERRORS})
def pricing_policy(request: HttpRequest, query: Query[PolicyQuery]) -> PolicyOut:
    """The pricing parameters in effect in a region (nearest ancestor's policy, else the
    platform defaults): coefficients in basis points, distances in metres."""
    region = access_region(actor=actor_of(request), region_id=query.region_id)
    return _policy_out(region, query.on or clock.today())


def _policy_out(region: Region, on: dt.date) -> PolicyOut:
    p = selectors.policy_for(region, on)
    return PolicyOut(
        region_id=region.pk,
        version=p.version,
        complexity_bp={str(k): v for k, v in sorted(p.complexity_bp.items())},
        title_bp={str(k): v for k, v in sorted(p.title_bp.items())},
        specialist_bp=p.specialist_bp,
        free_radius_m=p.free_radius_m,
        distance_fee_fen_per_km=p.distance_fee_fen_per_km,
        detour_factor_pct=p.detour_factor_pct,
        night_start_hour=p.night_start_hour,
        night_end_hour=p.night_end_hour,
        night_surcharge_bp=p.night_surcharge_bp,
        holidays=sorted(p.holidays),
        holiday_surcharge_bp=p.holiday_surcharge_bp,
    )


class PolicyIn(Schema):
    region_id: int
    effective_from: dt.date
    complexity_bp: dict[int, int] | None = Field(None, description="Care level -> bp.")
    title_bp: dict[int, int] | None = Field(None, description="Title rank -> bp.")
    specialist_bp: int | None = None
    free_radius_m: int | None = Field(None, description="Metres.")
    distance_fee_fen_per_km: int | None = None
    detour_factor_pct: int | None = None
    night_start_hour: int | None = None
    night_end_hour: int | None = None
    night_surcharge_bp: int | None = None
    holidays: list[dt.date] | None = None
    holiday_surcharge_bp: int | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [{"region_id": 1, "effective_from": "2026-01-01", "free_radius_m": 5000}]
        }
    }


@router.post("/catalog/pricing-policy", response={201: PolicyOut, **ERRORS})
def publish_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    """Publish a new version of a region's pricing parameters (platform admins); omitted
    parameters keep the values in effect there."""
    actor = actor_of(request)
    if not actor.is_platform_admin:
        raise Forbidden()
    region = access_region(actor=actor, region_id=payload.region_id)
    services.publish_pricing_policy(
        actor=actor, region=region, **payload.model_dump(exclude={"region_id"})
    )
    return Status(201, _policy_out(region, payload.effective_from))


# --- price caps -----------------------------------------------------------------------


class CapOut(Schema):
    id: int
    item_id: int
    item_code: str
    region_id: int
    region_name: str
    cap_fen: int
    effective_from: dt.date
    effective_to: dt.date | None


class CapIn(Schema):
    item_id: int
    region_id: int
    cap_fen: int = Field(..., gt=0, description="Fen.")
    effective_from: dt.date
    effective_to: dt.date | None = Field(None, description="Exclusive; empty = open.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"item_id": 1, "region_id": 2, "cap_fen": 9000, "effective_from": "2026-01-01"}
            ]
        }
    }


class CapFilter(Schema):
    item_id: int | None = None
    region_id: int | None = None


def _cap_out(c: PriceCap) -> CapOut:
    return CapOut(
        id=c.pk,
        item_id=c.item_id,
        item_code=c.item.code,
        region_id=c.region_id,
        region_name=_name(c.region),
        cap_fen=c.cap_fen,
        effective_from=c.effective_from,
        effective_to=c.effective_to,
    )


@router.get("/catalog/price-caps", response={200: list[CapOut], **ERRORS})
def list_caps(request: HttpRequest, filters: Query[CapFilter]) -> list[CapOut]:
    """Regional guidance prices (public to every signed-in user). With ``region_id``: the
    caps set on that region and its ancestors."""
    actor = actor_of(request)
    qs = PriceCap.objects.select_related("item", "region").order_by("item_id", "id")
    if filters.item_id is not None:
        qs = qs.filter(item_id=filters.item_id)
    if filters.region_id is not None:
        region = access_region(actor=actor, region_id=filters.region_id)
        qs = qs.filter(region__path__in=selectors.ancestor_paths(region))
    return [_cap_out(c) for c in qs[:500]]


@router.post("/catalog/price-caps", response={201: CapOut, **ERRORS})
def create_cap(request: HttpRequest, payload: CapIn) -> Status[CapOut]:
    """Record a regional guidance price (platform admins)."""
    actor = actor_of(request)
    if not actor.is_platform_admin:
        raise Forbidden()
    item = access_item(actor=actor, item_id=payload.item_id)
    region = access_region(actor=actor, region_id=payload.region_id)
    cap = services.set_price_cap(
        actor=actor,
        item=item,
        region=region,
        cap_fen=payload.cap_fen,
        effective_from=payload.effective_from,
        effective_to=payload.effective_to,
    )
    return Status(201, _cap_out(PriceCap.objects.select_related("item", "region").get(pk=cap.pk)))


# --- offerings ------------------------------------------------------------------------


class OfferingOut(Schema):
    id: int
    institution_id: int
    item_id: int
    item_code: str
    item_name: str
    region_id: int
    region_name: str
    price_fen: int
    cap_fen: int | None
    is_active: bool


class OfferingIn(Schema):
    item_id: int
    region_id: int
    price_fen: int = Field(..., description="Base price of one visit, fen.")

    model_config = {
        "json_schema_extra": {"examples": [{"item_id": 1, "region_id": 3, "price_fen": 6000}]}
    }


class OfferingPatch(Schema):
    price_fen: int | None = Field(None, description="Fen.")
    is_active: bool | None = None

    model_config = {"json_schema_extra": {"examples": [{"price_fen": 7500}]}}


class OfferingFilter(Schema):
    item_id: int | None = None
    region_id: int | None = None
    active: bool | None = None


def _offering_out(o: Offering) -> OfferingOut:
    return OfferingOut(
        id=o.pk,
        institution_id=o.institution_id,
        item_id=o.item_id,
        item_code=o.item.code,
        item_name=_name(o.item),
        region_id=o.region_id,
        region_name=_name(o.region),
        price_fen=o.price_fen,
        cap_fen=selectors.cap_for(o.item, o.region, clock.today()),
        is_active=o.is_active,
    )


def _region(actor: Actor, region_id: int) -> Region:
    try:
        return access_region(actor=actor, region_id=region_id)
    except NotFound as exc:
        raise NotFound(details={"region_id": region_id}) from exc


@router.get("/institutions/{institution_id}/offerings", response={200: list[OfferingOut], **ERRORS})
def list_offerings(
    request: HttpRequest, institution_id: int, filters: Query[OfferingFilter]
) -> list[OfferingOut]:
    """What the institution offers where, at what price (its admins; others 404)."""
    actor = actor_of(request)
    inst: Institution = access_institution_offerings(actor=actor, institution_id=institution_id)
    qs = offerings_for(actor).filter(institution=inst).order_by("item_id", "region_id")
    if filters.item_id is not None:
        qs = qs.filter(item_id=filters.item_id)
    if filters.region_id is not None:
        qs = qs.filter(region_id=filters.region_id)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return [_offering_out(o) for o in qs]


@router.post("/institutions/{institution_id}/offerings", response={201: OfferingOut, **ERRORS})
def create_offering(
    request: HttpRequest, institution_id: int, payload: OfferingIn
) -> Status[OfferingOut]:
    """Offer an item in a region of the institution's service areas at a price within the
    regional cap (422 ``price_above_cap`` / ``outside_service_area``)."""
    actor = actor_of(request)
    inst = access_institution_offerings(actor=actor, institution_id=institution_id)
    item = access_item(actor=actor, item_id=payload.item_id)
    region = _region(actor, payload.region_id)
    offering = services.create_offering(
        actor=actor,
        institution=inst,
        item=item,
        region=region,
        price_fen=payload.price_fen,
        on=clock.today(),
    )
    return Status(201, _offering_out(access_offering(actor=actor, offering_id=offering.pk)))


@router.patch("/offerings/{offering_id}", response={200: OfferingOut, **ERRORS})
def update_offering(request: HttpRequest, offering_id: int, payload: OfferingPatch) -> OfferingOut:
    """Change the price (within the cap) or (de)activate an offering."""
    actor = actor_of(request)
    offering = access_offering(actor=actor, offering_id=offering_id)
    services.update_offering(
        actor=actor,
        offering=offering,
        price_fen=payload.price_fen,
        is_active=payload.is_active,
        on=clock.today(),
    )
    return _offering_out(access_offering(actor=actor, offering_id=offering_id))


# --- intake suggestions ---------------------------------------------------------------


class SuggestIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)
    limit: int = Field(5, ge=1, le=20)

    model_config = {"json_schema_extra": {"examples": [{"text": "她需要换尿管"}]}}


class SuggestionOut(Schema):
    item_id: int
    code: str
    name: str
    score: float
    matched: list[str]


class SuggestOut(Schema):
    text: str
    suggestions: list[SuggestionOut]


@router.post("/catalog/suggest", response={200: SuggestOut, **ERRORS})
def suggest(request: HttpRequest, payload: SuggestIn) -> SuggestOut:
    """Catalogue items ranked for a need typed in Chinese or English (phone intake)."""
    actor_of(request)
    found = intake.suggest(selectors.intake_index(), payload.text, payload.limit)
    names = {i.pk: i for i in ServiceItem.objects.filter(pk__in=[s.item_id for s in found])}
    return SuggestOut(
        text=payload.text,
        suggestions=[
            SuggestionOut(
                item_id=s.item_id,
                code=s.code,
                name=_name(names[s.item_id]),
                score=s.score,
                matched=list(s.matched),
            )
            for s in found
            if s.item_id in names
        ],
    )
