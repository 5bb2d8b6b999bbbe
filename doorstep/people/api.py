"""Elders API: register, find, read and change elders; households, emergency contacts,
family proxies, consents, insurance and the institutions serving an elder.

Every read goes through ``access`` (404 for elders the actor may not see) and every answer
is masked for the viewer: full ID numbers and phones only for roles that need them,
regulators see masked names and no street address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from doorstep.accounts.models import User
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.core.masking import mask_id_number, mask_name
from doorstep.organizations.models import Institution
from doorstep.regions.models import Region

from . import access, selectors, services
from .access import Visibility, age_on
from .enums import FamilyLinkStatus, InstitutionLinkStatus
from .errors import InvalidRegion
from .models import (
    Consent,
    Elder,
    ElderInstitutionLink,
    EmergencyContact,
    FamilyLink,
    Household,
    InsuranceEnrollment,
)

router = Router(tags=["people"])

MAX_LIMIT = 200

ID_EXAMPLE = "11010519491231002X"
PHONE_EXAMPLE = "13812345678"


# --- schemas ------------------------------------------------------------------------


class HouseholdIn(Schema):
    lives_alone: bool = Field(..., examples=[True])
    floor: int | None = Field(None, examples=[5], description="Storey, 1 = ground floor.")
    has_lift: bool = Field(False, examples=[False])
    dwelling_notes: str = Field("", examples=["Old walk-up; key with neighbour in 502."])
    share_with_elder_id: int | None = Field(
        None, description="Join the household of this elder (a couple living together)."
    )


class HouseholdOut(Schema):
    id: int
    lives_alone: bool
    floor: int | None
    has_lift: bool
    dwelling_notes: str


class ElderIn(Schema):
    full_name: str = Field(..., examples=["王秀英"])
    id_number: str = Field(
        ..., examples=[ID_EXAMPLE], description="GB 11643 resident ID number, 18 characters."
    )
    phone: str = Field("", examples=[PHONE_EXAMPLE], description="Mainland mobile number.")
    sex: str | None = Field(
        None, examples=["female"], description="Derived from the ID number when omitted."
    )
    birth_date: dt.date | None = Field(
        None, examples=["1949-12-31"], description="Derived from the ID number when omitted."
    )
    region_id: int = Field(..., description="Community (level 5) the elder lives in.")
    address: str = Field("", examples=["尹江路 12 弄 3 号 502 室"])
    lat: float | None = Field(None, examples=[29.8612])
    lng: float | None = Field(None, examples=[121.5433])
    care_level: int = Field(0, ge=0, le=5, examples=[2], description="0 independent - 5.")
    languages: list[str] = Field(default_factory=list, examples=[["zh"]])
    dialects: list[str] = Field(default_factory=list, examples=[["wu-ningbo"]])
    institution_id: int | None = Field(
        None, description="Institution to link (defaults to the registering staff's own)."
    )


class ElderPatch(Schema):
    full_name: str | None = Field(None, examples=["王秀英"])
    phone: str | None = Field(None, examples=[PHONE_EXAMPLE])
    region_id: int | None = None
    address: str | None = Field(None, examples=["尹江路 12 弄 3 号 502 室"])
    lat: float | None = Field(None, examples=[29.8612])
    lng: float | None = Field(None, examples=[121.5433])
    care_level: int | None = Field(None, ge=0, le=5, examples=[3])
    languages: list[str] | None = None
    dialects: list[str] | None = None
    status: str | None = Field(None, examples=["moved_away"])


class ElderOut(Schema):
    id: int
    full_name: str = Field(..., examples=["王秀英"], description="Masked (王**) for regulators.")
    id_number: str = Field(..., examples=["110***********002X"])
    id_number_masked: bool
    sex: str = Field(..., examples=["female"])
    birth_date: dt.date | None = Field(None, description="Hidden from regulators.")
    age: int = Field(..., examples=[76])
    phone: str = Field(..., examples=["138****5678"])
    phone_masked: bool
    region_id: int
    region_name: str = Field(..., examples=["尹江社区"])
    address: str
    lat: float | None
    lng: float | None
    care_level: int
    languages: list[str]
    dialects: list[str]
    status: str = Field(..., examples=["active"])
    household: HouseholdOut | None
    institution_ids: list[int]
    has_login: bool
    created_at: dt.datetime


class ElderPage(Schema):
    count: int
    items: list[ElderOut]


class ElderFilter(Schema):
    region_id: int | None = Field(None, description="Only this region's subtree.")
    status: str | None = Field(None, examples=["active"])
    care_level: int | None = Field(None, ge=0, le=5)
    institution_id: int | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ElderSearch(Schema):
    phone: str | None = Field(None, examples=[PHONE_EXAMPLE])
    id_number: str | None = Field(None, examples=[ID_EXAMPLE])
    name: str | None = Field(None, examples=["王"])
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ContactIn(Schema):
    name: str = Field(..., examples=["李明"])
    relationship: str = Field(..., examples=["child"])
    phone: str = Field(..., examples=["13900001111"])
    priority: int = Field(1, ge=1, le=9, examples=[1])


class ContactOut(Schema):
    id: int
    name: str
    relationship: str
    phone: str = Field(..., examples=["139****1111"])
    priority: int
    is_active: bool


class FamilyLinkIn(Schema):
    user_id: int = Field(..., description="The family member's user id.")
    relationship: str = Field(..., examples=["child"])
    permissions: list[str] = Field(
        default_factory=lambda: ["view_record"],
        examples=[["view_record", "place_orders", "receive_alerts"]],
        description="Any of view_record, place_orders, pay, receive_alerts.",
    )


class FamilyLinkRequestIn(Schema):
    id_number: str = Field(..., examples=[ID_EXAMPLE])
    phone: str = Field(..., examples=[PHONE_EXAMPLE], description="The elder's phone on file.")
    relationship: str = Field(..., examples=["child"])
    permissions: list[str] = Field(
        default_factory=lambda: ["view_record"], examples=[["view_record", "receive_alerts"]]
    )


class FamilyLinkOut(Schema):
    id: int
    elder_id: int
    elder_name: str = Field(..., description="Masked until the link is effective.")
    user_id: int
    user_name: str
    relationship: str
    permissions: list[str]
    status: str = Field(..., examples=["pending"])
    confirmed_at: dt.datetime | None
    activated_at: dt.datetime | None
    revoked_at: dt.datetime | None
    created_at: dt.datetime
    consent_active: bool = Field(
        ..., description="An un-withdrawn family_proxy_access consent covers this link."
    )
    effective: bool = Field(..., description="Active and consented: access works now.")


class ConsentIn(Schema):
    purpose: str = Field(..., examples=["family_proxy_access"])
    policy_version: str = Field(..., examples=["2026-01"])
    grantee_user_id: int | None = Field(
        None, description="family_proxy_access: the one proxy it covers (empty = all)."
    )
    institution_id: int | None = Field(
        None, description="data_sharing_with_institution: the institution."
    )


class ConsentOut(Schema):
    id: int
    elder_id: int
    purpose: str
    policy_version: str
    grantee_user_id: int | None
    institution_id: int | None
    granted_by_user_id: int
    granted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by_user_id: int | None
    is_active: bool


class InsuranceIn(Schema):
    scheme: str = Field(..., examples=["long_term_care"])
    number: str = Field("", examples=["LTC3302030001234"])
    ltc_disability_level: int | None = Field(None, ge=0, le=5, examples=[3])
    valid_from: dt.date = Field(..., examples=["2026-01-01"])
    valid_to: dt.date | None = Field(None, examples=["2026-12-31"])


class InsuranceOut(Schema):
    id: int
    scheme: str
    number: str = Field(..., examples=["LTC*********1234"])
    ltc_disability_level: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    is_active: bool


class InstitutionLinkIn(Schema):
    institution_id: int


class AcceptElderIn(Schema):
    institution_id: int
    id_number: str = Field(..., examples=[ID_EXAMPLE])
    phone: str = Field(..., examples=[PHONE_EXAMPLE])


class InstitutionLinkOut(Schema):
    id: int
    elder_id: int
    institution_id: int
    since: dt.date
    status: str
    ended_at: dt.datetime | None


# --- rendering ----------------------------------------------------------------------


def _household(h: Household | None) -> HouseholdOut | None:
    if h is None:
        return None
    return HouseholdOut(
        id=h.pk,
        lives_alone=h.lives_alone,
        floor=h.floor,
        has_lift=h.has_lift,
        dwelling_notes=h.dwelling_notes,
    )


def _elder(e: Elder, vis: Visibility) -> ElderOut:
    links = getattr(e, "active_institution_links", None)
    if links is None:
        links = list(e.institution_links.filter(status=InstitutionLinkStatus.ACTIVE))
    lat, lng = access.shown_point(e.lat, e.lng, vis)
    return ElderOut(
        id=e.pk,
        full_name=access.shown_name(e.full_name, vis),
        id_number=access.shown_id_number(e, vis),
        id_number_masked=not vis.full_id,
        sex=e.sex,
        birth_date=e.birth_date if vis.identity else None,
        age=age_on(e.birth_date, clock.today()),
        phone=access.shown_phone(e.phone, vis),
        phone_masked=not vis.full_phone,
        region_id=e.region_id,
        region_name=e.region.name,
        address=e.address if vis.identity else "",
        lat=lat,
        lng=lng,
        care_level=e.care_level,
        languages=list(e.languages),
        dialects=list(e.dialects),
        status=e.status,
        household=_household(e.household) if vis.identity else None,
        institution_ids=sorted(link.institution_id for link in links),
        has_login=e.user_id is not None,
        created_at=e.created_at,
    )


def _one(actor: Actor, e: Elder) -> ElderOut:
    return _elder(e, access.visibility(actor, [e.pk])[e.pk])


def _page(actor: Actor, qs: Any, limit: int, offset: int) -> ElderPage:
    count = qs.count()
    items = list(qs[offset : offset + limit])
    vis = access.visibility(actor, [e.pk for e in items])
    return ElderPage(count=count, items=[_elder(e, vis[e.pk]) for e in items])


def _region(region_id: int) -> Region:
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise InvalidRegion(details={"field": "region_id"})
    return region


def _institution(institution_id: int, field: str = "institution_id") -> Institution:
    inst = Institution.objects.filter(pk=institution_id).first()
    if inst is None:
        raise ValidationFailed(details={"field": field})
    return inst


def _user(user_id: int, field: str) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed(details={"field": field})
    return user


def _link(link: FamilyLink, consent_active: bool | None = None) -> FamilyLinkOut:
    if consent_active is None:
        consent_active = access.has_proxy_consent(link.elder_id, link.user_id)
    effective = link.status == FamilyLinkStatus.ACTIVE and consent_active
    name = link.elder.full_name
    return FamilyLinkOut(
        id=link.pk,
        elder_id=link.elder_id,
        elder_name=name if effective else mask_name(name),
        user_id=link.user_id,
        user_name=str(link.user),
        relationship=link.relationship,
        permissions=link.permissions,
        status=link.status,
        confirmed_at=link.confirmed_at,
        activated_at=link.activated_at,
        revoked_at=link.revoked_at,
        created_at=link.created_at,
        consent_active=consent_active,
        effective=effective,
    )


def _consent(c: Consent) -> ConsentOut:
    return ConsentOut(
        id=c.pk,
        elder_id=c.elder_id,
        purpose=c.purpose,
        policy_version=c.policy_version,
        grantee_user_id=c.grantee_id,
        institution_id=c.institution_id,
        granted_by_user_id=c.granted_by_id,
        granted_at=c.granted_at,
        withdrawn_at=c.withdrawn_at,
        withdrawn_by_user_id=c.withdrawn_by_id,
        is_active=c.is_active,
    )


def _contact(c: EmergencyContact, vis: Visibility) -> ContactOut:
    return ContactOut(
        id=c.pk,
        name=c.name,
        relationship=c.relationship,
        phone=access.shown_phone(c.phone, vis),
        priority=c.priority,
        is_active=c.is_active,
    )


def _insurance(i: InsuranceEnrollment, vis: Visibility) -> InsuranceOut:
    number = i.number
    return InsuranceOut(
        id=i.pk,
        scheme=i.scheme,
        number=number if vis.full_id else mask_id_number(number),
        ltc_disability_level=i.ltc_disability_level,
        valid_from=i.valid_from,
        valid_to=i.valid_to,
        is_active=i.is_active,
    )


def _inst_link(link: ElderInstitutionLink) -> InstitutionLinkOut:
    return InstitutionLinkOut(
        id=link.pk,
        elder_id=link.elder_id,
        institution_id=link.institution_id,
        since=link.since,
        status=link.status,
        ended_at=link.ended_at,
    )


def _visible(actor: Actor, elder_id: int) -> tuple[Elder, Visibility]:
    elder = access.access_elder(actor=actor, elder_id=elder_id)
    return elder, access.visibility(actor, [elder.pk])[elder.pk]


# --- elders -------------------------------------------------------------------------


@router.get("/elders", response={200: ElderPage, **ERRORS})
def list_elders(request: HttpRequest, filters: Query[ElderFilter]) -> ElderPage:
    """Elders the caller may see (platform: all; operator/regulator: region subtree;
    institution staff: linked elders; family: consented links; elder: self), by id."""
    actor = actor_of(request)
    qs = selectors.list_elders(
        actor=actor,
        region=_region(filters.region_id) if filters.region_id else None,
        status=filters.status,
        care_level=filters.care_level,
        institution_id=filters.institution_id,
    )
    page = _page(actor, qs, filters.limit, filters.offset)
    audit.record(
        actor=actor.user,
        action="list",
        object_type="elder",
        object_id="",
        institution_id=access.audit_institution(actor),
        details={"returned": len(page.items)},
    )
    return page


@router.get("/elders/search", response={200: ElderPage, **ERRORS})
def search_elders(request: HttpRequest, criteria: Query[ElderSearch]) -> ElderPage:
    """Find elders by exact phone or ID number (matched on keyed hashes) and/or part of
    the name; all given criteria must match. For operators and institution staff."""
    actor = actor_of(request)
    qs = selectors.search_elders(
        actor=actor, phone=criteria.phone, id_number=criteria.id_number, name=criteria.name
    )
    page = _page(actor, qs, criteria.limit, criteria.offset)
    audit.record(
        actor=actor.user,
        action="search",
        object_type="elder",
        object_id="",
        institution_id=access.audit_institution(actor),
        details={
            "by": sorted(k for k in ("phone", "id_number", "name") if getattr(criteria, k)),
            "returned": len(page.items),
        },
    )
    return page


@router.post("/elders", response={201: ElderOut, **ERRORS})
def register_elder(request: HttpRequest, payload: ElderIn) -> Status[ElderOut]:
    """Register an elder (operator, institution staff, platform admin, or the elder).
    Errors: 422 ``invalid_id_number`` (details.reason: length, check_digit, birth_date),
    ``id_sex_mismatch``, ``invalid_phone``; 409 ``duplicate_id_number``."""
    actor = actor_of(request)
    elder = services.register_elder(
        actor=actor,
        full_name=payload.full_name,
        id_number=payload.id_number,
        phone=payload.phone,
        sex=payload.sex,
        birth_date=payload.birth_date,
        region=_region(payload.region_id),
        address=payload.address,
        lat=payload.lat,
        lng=payload.lng,
        care_level=payload.care_level,
        languages=payload.languages,
        dialects=payload.dialects,
        institution=_institution(payload.institution_id) if payload.institution_id else None,
    )
    return Status(201, _one(actor, selectors.with_links(Elder.objects.filter(pk=elder.pk)).get()))


@router.post("/elders/accept", response={201: InstitutionLinkOut, **ERRORS})
def accept_elder(request: HttpRequest, payload: AcceptElderIn) -> Status[InstitutionLinkOut]:
    """Institution staff take on an already registered elder, proving presence with the
    ID number and phone on file (404 when they do not match)."""
    actor = actor_of(request)
    link = services.accept_elder(
        actor=actor,
        institution=_institution(payload.institution_id),
        id_number=payload.id_number,
        phone=payload.phone,
    )
    return Status(201, _inst_link(link))


@router.get("/elders/{elder_id}", response={200: ElderOut, **ERRORS})
def get_elder(request: HttpRequest, elder_id: int) -> ElderOut:
    """One elder, masked for the caller. Staff reads are audited."""
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id)
    return _one(actor, elder)


@router.patch("/elders/{elder_id}", response={200: ElderOut, **ERRORS})
def update_elder(request: HttpRequest, elder_id: int, payload: ElderPatch) -> ElderOut:
    """Change profile fields. Care level and status: staff only (403 otherwise)."""
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id, action="change")
    changes = payload.dict(exclude_unset=True)
    if "region_id" in changes:
        region_id = changes.pop("region_id")
        if region_id is None:
            raise InvalidRegion(details={"field": "region_id"})
        changes["region"] = _region(region_id)
    services.update_elder(actor=actor, elder=elder, **changes)
    fresh = Elder.objects.select_related("region", "household").get(pk=elder.pk)
    return _one(actor, fresh)


@router.put("/elders/{elder_id}/household", response={200: HouseholdOut, **ERRORS})
def set_household(request: HttpRequest, elder_id: int, payload: HouseholdIn) -> HouseholdOut:
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id, action="change")
    share = (
        access.access_elder(actor=actor, elder_id=payload.share_with_elder_id, action="change")
        if payload.share_with_elder_id
        else None
    )
    household = services.set_household(
        actor=actor,
        elder=elder,
        lives_alone=payload.lives_alone,
        floor=payload.floor,
        has_lift=payload.has_lift,
        dwelling_notes=payload.dwelling_notes,
        share_with=share,
    )
    return HouseholdOut(
        id=household.pk,
        lives_alone=household.lives_alone,
        floor=household.floor,
        has_lift=household.has_lift,
        dwelling_notes=household.dwelling_notes,
    )


@router.get("/elders/{elder_id}/contacts", response={200: list[ContactOut], **ERRORS})
def list_contacts(request: HttpRequest, elder_id: int) -> list[ContactOut]:
    actor = actor_of(request)
    elder, vis = _visible(actor, elder_id)
    return [_contact(c, vis) for c in elder.emergency_contacts.all()]


@router.post("/elders/{elder_id}/contacts", response={201: ContactOut, **ERRORS})
def add_contact(request: HttpRequest, elder_id: int, payload: ContactIn) -> Status[ContactOut]:
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id, action="change")
    contact = services.add_emergency_contact(
        actor=actor,
        elder=elder,
        name=payload.name,
        relationship=payload.relationship,
        phone=payload.phone,
        priority=payload.priority,
    )
    return Status(201, _contact(contact, access.visibility(actor, [elder.pk])[elder.pk]))


@router.post(
    "/elders/{elder_id}/contacts/{contact_id}/deactivate", response={200: ContactOut, **ERRORS}
)
def deactivate_contact(request: HttpRequest, elder_id: int, contact_id: int) -> ContactOut:
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id, action="change")
    contact = elder.emergency_contacts.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound()
    services.deactivate_emergency_contact(actor=actor, contact=contact)
    return _contact(contact, access.visibility(actor, [elder.pk])[elder.pk])


@router.get("/elders/{elder_id}/family-links", response={200: list[FamilyLinkOut], **ERRORS})
def list_elder_family_links(request: HttpRequest, elder_id: int) -> list[FamilyLinkOut]:
    actor = actor_of(request)
    elder, _vis = _visible(actor, elder_id)
    return [_link(link) for link in elder.family_links.select_related("elder", "user")]


@router.post("/elders/{elder_id}/family-links", response={201: FamilyLinkOut, **ERRORS})
def create_family_link(
    request: HttpRequest, elder_id: int, payload: FamilyLinkIn
) -> Status[FamilyLinkOut]:
    """The elder, or staff on their behalf, links a family member (confirmed at once;
    active when a family_proxy_access consent covers it)."""
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id, action="change")
    link = services.link_family(
        actor=actor,
        elder=elder,
        user=_user(payload.user_id, "user_id"),
        relationship=payload.relationship,
        permissions=payload.permissions,
    )
    return Status(201, _link(link))


@router.get("/family-links", response={200: list[FamilyLinkOut], **ERRORS})
def my_family_links(request: HttpRequest) -> list[FamilyLinkOut]:
    """The caller's own links as a family member, newest first."""
    actor = actor_of(request)
    links = FamilyLink.objects.filter(user=actor.user).select_related("elder", "user")
    return [_link(link) for link in links.order_by("-id")]


@router.post("/family-links", response={201: FamilyLinkOut, **ERRORS})
def request_family_link(
    request: HttpRequest, payload: FamilyLinkRequestIn
) -> Status[FamilyLinkOut]:
    """A family member asks to be linked, giving the elder's ID number and phone. The link
    stays pending until the elder or staff confirms; 404 when the pair does not match."""
    actor = actor_of(request)
    link = services.request_family_link(
        actor=actor,
        id_number=payload.id_number,
        phone=payload.phone,
        relationship=payload.relationship,
        permissions=payload.permissions,
    )
    return Status(201, _link(link))


@router.post("/family-links/{link_id}/confirm", response={200: FamilyLinkOut, **ERRORS})
def confirm_family_link(request: HttpRequest, link_id: int) -> FamilyLinkOut:
    actor = actor_of(request)
    link = services.confirm_family_link(
        actor=actor, link=access.access_family_link(actor=actor, link_id=link_id)
    )
    return _link(link)


@router.post("/family-links/{link_id}/revoke", response={200: FamilyLinkOut, **ERRORS})
def revoke_family_link(request: HttpRequest, link_id: int) -> FamilyLinkOut:
    actor = actor_of(request)
    link = services.revoke_family_link(
        actor=actor, link=access.access_family_link(actor=actor, link_id=link_id)
    )
    return _link(link)


@router.get("/elders/{elder_id}/consents", response={200: list[ConsentOut], **ERRORS})
def list_consents(request: HttpRequest, elder_id: int) -> list[ConsentOut]:
    actor = actor_of(request)
    elder, _vis = _visible(actor, elder_id)
    return [_consent(c) for c in elder.consents.all()]


@router.post("/elders/{elder_id}/consents", response={201: ConsentOut, **ERRORS})
def record_consent(request: HttpRequest, elder_id: int, payload: ConsentIn) -> Status[ConsentOut]:
    """Record a consent (the elder, staff, or a linked family member for their own proxy
    access on the elder's behalf)."""
    actor = actor_of(request)
    elder = access.access_elder_for_consent(actor=actor, elder_id=elder_id)
    consent = services.record_consent(
        actor=actor,
        elder=elder,
        purpose=payload.purpose,
        policy_version=payload.policy_version,
        grantee=_user(payload.grantee_user_id, "grantee_user_id")
        if payload.grantee_user_id
        else None,
        institution=_institution(payload.institution_id) if payload.institution_id else None,
    )
    return Status(201, _consent(consent))


@router.post("/consents/{consent_id}/withdraw", response={200: ConsentOut, **ERRORS})
def withdraw_consent(request: HttpRequest, consent_id: int) -> ConsentOut:
    """Withdraw a consent (kept on record with who and when). Family access that depended
    on it stops immediately."""
    actor = actor_of(request)
    consent = services.withdraw_consent(
        actor=actor, consent=access.access_consent(actor=actor, consent_id=consent_id)
    )
    return _consent(consent)


@router.get("/elders/{elder_id}/insurance", response={200: list[InsuranceOut], **ERRORS})
def list_insurance(request: HttpRequest, elder_id: int) -> list[InsuranceOut]:
    actor = actor_of(request)
    elder, vis = _visible(actor, elder_id)
    return [_insurance(i, vis) for i in elder.insurance.all()]


@router.post("/elders/{elder_id}/insurance", response={201: InsuranceOut, **ERRORS})
def add_insurance(
    request: HttpRequest, elder_id: int, payload: InsuranceIn
) -> Status[InsuranceOut]:
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id, action="change")
    enrollment = services.add_insurance(
        actor=actor,
        elder=elder,
        scheme=payload.scheme,
        number=payload.number,
        ltc_disability_level=payload.ltc_disability_level,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
    )
    return Status(201, _insurance(enrollment, access.visibility(actor, [elder.pk])[elder.pk]))


@router.get("/elders/{elder_id}/institutions", response={200: list[InstitutionLinkOut], **ERRORS})
def list_institution_links(request: HttpRequest, elder_id: int) -> list[InstitutionLinkOut]:
    actor = actor_of(request)
    elder, _vis = _visible(actor, elder_id)
    return [_inst_link(link) for link in elder.institution_links.all()]


@router.post("/elders/{elder_id}/institutions", response={201: InstitutionLinkOut, **ERRORS})
def link_institution(
    request: HttpRequest, elder_id: int, payload: InstitutionLinkIn
) -> Status[InstitutionLinkOut]:
    """Start serving the elder from an institution (platform admin or operator)."""
    actor = actor_of(request)
    elder = access.access_elder(actor=actor, elder_id=elder_id, action="change")
    link = services.link_institution(
        actor=actor, elder=elder, institution=_institution(payload.institution_id)
    )
    return Status(201, _inst_link(link))
