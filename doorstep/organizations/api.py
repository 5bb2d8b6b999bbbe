"""Institutions API: the public directory, profile, status, service areas and contracts."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound
from doorstep.core.masking import mask_name, mask_phone
from doorstep.regions.access import access_region
from doorstep.regions.models import Region

from . import selectors, services
from .access import (
    access_institution,
    access_institution_contracts,
    access_institution_for_change,
    access_institution_for_platform,
    may_see_security_contact,
)
from .enums import InstitutionStatus, InstitutionType
from .errors import NoCurrentContract
from .models import Contract, Institution

router = Router(tags=["institutions"])


class RegionRef(Schema):
    id: int
    code: str
    level: int
    name: str


class SecurityContactOut(Schema):
    name: str
    phone: str
    masked: bool = Field(..., description="True when the caller may not see the full contact.")


class InstitutionOut(Schema):
    id: int
    name: str
    name_zh: str
    name_en: str
    type: InstitutionType
    licence_number: str
    status: InstitutionStatus
    region: RegionRef
    address: str
    lat: float | None
    lng: float | None
    phone: str
    prepayment_required: bool
    service_areas: list[RegionRef]
    security_contact: SecurityContactOut


class InstitutionPage(Schema):
    items: list[InstitutionOut]
    count: int


class InstitutionFilter(Schema):
    q: str | None = Field(None, description="Part of a name, or the exact licence number.")
    type: InstitutionType | None = None
    status: InstitutionStatus | None = None
    region: int | None = Field(None, description="Registered inside this region's subtree.")
    serves: int | None = Field(None, description="Has a service area covering this region.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class InstitutionIn(Schema):
    name_zh: str = Field(..., examples=["江北区甬江街道社区卫生服务中心"])
    name_en: str = Field(..., examples=["Yongjiang Street Community Health Centre"])
    type: InstitutionType
    licence_number: str = Field(..., examples=["PDY-330205-0007"])
    region_id: int
    address: str = ""
    lat: float | None = Field(None, description="Degrees, WGS-84.")
    lng: float | None = Field(None, description="Degrees, WGS-84.")
    phone: str = Field("", examples=["0574-87000000"])
    security_contact_name: str = ""
    security_contact_phone: str = Field("", examples=["0574-87000110"])
    prepayment_required: bool = True


class InstitutionPatch(Schema):
    name_zh: str | None = None
    name_en: str | None = None
    type: InstitutionType | None = None
    licence_number: str | None = None
    region_id: int | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    phone: str | None = None
    security_contact_name: str | None = None
    security_contact_phone: str | None = None
    prepayment_required: bool | None = None


class StatusIn(Schema):
    status: InstitutionStatus
    reason: str = Field("", max_length=256, description="Why; no personal data.")


class ServiceAreaIn(Schema):
    region_id: int


class ContractOut(Schema):
    id: int
    effective_from: dt.date
    effective_to: dt.date | None = Field(..., description="Exclusive; null = open-ended.")
    platform_bp: int = Field(..., description="Basis points (1/100 of a percent).")
    institution_bp: int
    provider_bp: int
    signed_at: dt.datetime
    notes: str
    night_start: dt.time = Field(..., description="Night hours start, local time (ADR 0024).")
    night_end: dt.time = Field(..., description="Night hours end, exclusive, local time.")
    night_incentive_bp: int = Field(..., description="Extra basis points of the price.")
    night_incentive_fen: int = Field(..., description="Extra fen per visit.")
    rural_incentive_bp: int
    rural_incentive_fen: int
    difficult_incentive_bp: int
    difficult_incentive_fen: int
    difficult_items: list[str] = Field(..., description="Item codes; high-risk items count too.")
    incentive_platform_bp: int = Field(
        ..., description="Part of each incentive the platform funds; the institution the rest."
    )


class ContractIn(Schema):
    effective_from: dt.date = Field(..., examples=["2027-01-01"])
    effective_to: dt.date | None = Field(None, description="Exclusive; null = open-ended.")
    platform_bp: int = Field(..., examples=[1500])
    institution_bp: int = Field(..., examples=[2500])
    provider_bp: int = Field(..., examples=[6000])
    notes: str = ""
    # Incentives (ADR 0024); omitted = none (night hours default 22:00-06:00).
    night_start: dt.time | None = Field(None, examples=["22:00"])
    night_end: dt.time | None = Field(None, examples=["06:00"])
    night_incentive_bp: int | None = Field(None, examples=[1000])
    night_incentive_fen: int | None = Field(None, examples=[0])
    rural_incentive_bp: int | None = None
    rural_incentive_fen: int | None = Field(None, examples=[1500])
    difficult_incentive_bp: int | None = None
    difficult_incentive_fen: int | None = None
    difficult_items: list[str] | None = None
    incentive_platform_bp: int | None = Field(None, examples=[5000])


class ContractEndIn(Schema):
    effective_to: dt.date = Field(..., description="Exclusive end date.")


def _ref(region: Region) -> RegionRef:
    return RegionRef(id=region.pk, code=region.code, level=region.level, name=region.name)


def _out(actor: Actor, inst: Institution) -> InstitutionOut:
    full = may_see_security_contact(actor, inst)
    return InstitutionOut(
        id=inst.pk,
        name=inst.name,
        name_zh=inst.name_zh,
        name_en=inst.name_en,
        type=InstitutionType(inst.type),
        licence_number=inst.licence_number,
        status=InstitutionStatus(inst.status),
        region=_ref(inst.region),
        address=inst.address,
        lat=inst.lat,
        lng=inst.lng,
        phone=inst.phone,
        prepayment_required=inst.prepayment_required,
        service_areas=[_ref(a.region) for a in inst.service_areas.all()],
        security_contact=SecurityContactOut(
            name=inst.security_contact_name if full else mask_name(inst.security_contact_name),
            phone=inst.security_contact_phone if full else mask_phone(inst.security_contact_phone),
            masked=not full,
        ),
    )


def _fresh(actor: Actor, institution_id: int) -> InstitutionOut:
    inst = selectors.directory().get(pk=institution_id)
    return _out(actor, inst)


@router.get("", response={200: InstitutionPage, **ERRORS})
def list_institutions(request: HttpRequest, filters: Query[InstitutionFilter]) -> InstitutionPage:
    """The public directory (any authenticated user), filtered and paginated."""
    actor = actor_of(request)
    region = access_region(actor=actor, region_id=filters.region) if filters.region else None
    serves = access_region(actor=actor, region_id=filters.serves) if filters.serves else None
    qs = selectors.directory(
        q=filters.q, type=filters.type, status=filters.status, region=region, serves=serves
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return InstitutionPage(items=[_out(actor, i) for i in page], count=qs.count())


@router.post("", response={201: InstitutionOut, **ERRORS})
def create_institution(request: HttpRequest, payload: InstitutionIn) -> Status[InstitutionOut]:
    """Register an institution (platform admins); it starts in ``onboarding``."""
    actor = actor_of(request)
    region = access_region(actor=actor, region_id=payload.region_id)
    data = payload.model_dump(exclude={"region_id"})
    inst = services.create_institution(actor=actor, region=region, **data)
    return Status(201, _fresh(actor, inst.pk))


@router.get("/{institution_id}", response={200: InstitutionOut, **ERRORS})
def get_institution(request: HttpRequest, institution_id: int) -> InstitutionOut:
    actor = actor_of(request)
    inst = access_institution(actor=actor, institution_id=institution_id)
    return _fresh(actor, inst.pk)


@router.patch("/{institution_id}", response={200: InstitutionOut, **ERRORS})
def update_institution(
    request: HttpRequest, institution_id: int, payload: InstitutionPatch
) -> InstitutionOut:
    """Change the profile: platform admins any field; the institution's own admins the
    address, position, phones, security contact and prepayment flag."""
    actor = actor_of(request)
    inst = access_institution_for_change(actor=actor, institution_id=institution_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    if "region_id" in changes:
        region_id = changes.pop("region_id")
        changes["region"] = (
            access_region(actor=actor, region_id=region_id) if region_id is not None else None
        )
    services.update_institution(actor=actor, institution=inst, **changes)
    return _fresh(actor, inst.pk)


@router.post("/{institution_id}/status", response={200: InstitutionOut, **ERRORS})
def change_status(request: HttpRequest, institution_id: int, payload: StatusIn) -> InstitutionOut:
    """onboarding -> active -> suspended -> active (platform admins); else 409."""
    actor = actor_of(request)
    inst = access_institution_for_platform(actor=actor, institution_id=institution_id)
    services.change_status(actor=actor, institution=inst, to=payload.status, reason=payload.reason)
    return _fresh(actor, inst.pk)


@router.post("/{institution_id}/service-areas", response={201: InstitutionOut, **ERRORS})
def add_service_area(
    request: HttpRequest, institution_id: int, payload: ServiceAreaIn
) -> Status[InstitutionOut]:
    actor = actor_of(request)
    inst = access_institution_for_platform(actor=actor, institution_id=institution_id)
    region = access_region(actor=actor, region_id=payload.region_id)
    services.add_service_area(actor=actor, institution=inst, region=region)
    return Status(201, _fresh(actor, inst.pk))


@router.delete("/{institution_id}/service-areas/{region_id}", response={204: None, **ERRORS})
def remove_service_area(request: HttpRequest, institution_id: int, region_id: int) -> Status[None]:
    actor = actor_of(request)
    inst = access_institution_for_platform(actor=actor, institution_id=institution_id)
    region = access_region(actor=actor, region_id=region_id)
    services.remove_service_area(actor=actor, institution=inst, region=region)
    return Status(204, None)


@router.get("/{institution_id}/contracts", response={200: list[ContractOut], **ERRORS})
def list_contracts(request: HttpRequest, institution_id: int) -> list[Contract]:
    """Every contract version, oldest first (platform admins, the institution's admins and
    finance officers, regulators over its region; 404 for others)."""
    inst = access_institution_contracts(actor=actor_of(request), institution_id=institution_id)
    return list(selectors.contracts(inst))


@router.get("/{institution_id}/contracts/current", response={200: ContractOut, **ERRORS})
def current_contract(
    request: HttpRequest, institution_id: int, on: dt.date | None = None
) -> Contract:
    """The version in force on ``on`` (default today); 404 ``no_current_contract``."""
    inst = access_institution_contracts(actor=actor_of(request), institution_id=institution_id)
    contract = selectors.current_contract(inst, on or clock.today())
    if contract is None:
        raise NoCurrentContract()
    return contract


@router.post("/{institution_id}/contracts", response={201: ContractOut, **ERRORS})
def add_contract(
    request: HttpRequest, institution_id: int, payload: ContractIn
) -> Status[Contract]:
    """Add a version (platform admins): shares sum to 10,000 bp; dates may not overlap.
    Optional incentives for night, rural and difficult-item visits (ADR 0024); bad terms
    answer 422 ``contract_incentive_invalid`` naming the field."""
    actor = actor_of(request)
    inst = access_institution_for_platform(actor=actor, institution_id=institution_id)
    data = payload.model_dump()
    incentives = {k: data.pop(k) for k in services.INCENTIVE_FIELDS}
    contract = services.add_contract(actor=actor, institution=inst, incentives=incentives, **data)
    return Status(201, contract)


@router.post("/{institution_id}/contracts/{contract_id}/end", response={200: ContractOut, **ERRORS})
def end_contract(
    request: HttpRequest, institution_id: int, contract_id: int, payload: ContractEndIn
) -> Contract:
    """Set the exclusive end date of an open-ended version (platform admins)."""
    actor = actor_of(request)
    inst = access_institution_for_platform(actor=actor, institution_id=institution_id)
    contract = selectors.contracts(inst).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound()
    return services.end_contract(actor=actor, contract=contract, effective_to=payload.effective_to)
