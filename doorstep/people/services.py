"""Writes for elders, households, contacts, family proxies, consents and insurance.

Each function is the one way to make its change: it checks the actor's right through
``access``, validates, writes inside ``transaction.atomic`` and records an audit row with
the names of the changed fields only (never their values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership, User
from doorstep.accounts.policy import RULES, Actor
from doorstep.accounts.validators import normalize_phone
from doorstep.core import audit, clock, crypto
from doorstep.core.errors import Forbidden, NotFound, ValidationFailed
from doorstep.organizations.models import Institution
from doorstep.regions.enums import Level
from doorstep.regions.models import Region

from . import access
from .enums import (
    ConsentPurpose,
    ElderStatus,
    FamilyLinkStatus,
    FamilyPermission,
    InstitutionLinkStatus,
    InsuranceScheme,
    Relationship,
)
from .errors import (
    ConsentAlreadyWithdrawn,
    DuplicateIdNumber,
    ElderProfileExists,
    FamilyLinkExists,
    FamilyLinkNotPending,
    FamilyLinkRevoked,
    InstitutionLinkExists,
    InvalidInsurance,
    InvalidLocation,
    InvalidRegion,
    NotAFamilyMember,
    NotAllowedToChange,
    NotAllowedToRegister,
)
from .models import (
    CARE_LEVEL_MAX,
    Consent,
    Elder,
    ElderInstitutionLink,
    EmergencyContact,
    FamilyLink,
    Household,
    InsuranceEnrollment,
)
from .validators import check_consistent, parse_id_number

#: Elder fields only staff may change (they feed pricing and dispatch).
ASSESSMENT_FIELDS = frozenset({"care_level", "status"})
UPDATABLE_FIELDS = frozenset(
    {
        "full_name",
        "phone",
        "region",
        "address",
        "lat",
        "lng",
        "care_level",
        "languages",
        "dialects",
        "status",
    }
)


# --- helpers ----------------------------------------------------------------------


def _invalid(code: str, message: Any, field: str) -> ValidationFailed:
    return ValidationFailed(code, message, details={"field": field})


def _check_name(full_name: str) -> str:
    name = (full_name or "").strip()
    if not name or len(name) > 64:
        raise _invalid("invalid_name", _("Enter the real name (1 to 64 characters)."), "full_name")
    return name


def _check_region(region: Region) -> None:
    if region.level != Level.COMMUNITY:
        raise InvalidRegion(details={"field": "region_id"})


def _check_point(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None):
        raise InvalidLocation(details={"field": "lat"})
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidLocation(details={"field": "lat"})


def _check_care_level(level: int) -> None:
    if not 0 <= level <= CARE_LEVEL_MAX:
        raise _invalid(
            "invalid_care_level", _("The care level is a whole number from 0 to 5."), "care_level"
        )


def _check_words(values: Iterable[str], field: str) -> list[str]:
    out = [str(v).strip() for v in values]
    if any(not v or len(v) > 32 for v in out) or len(out) > 10:
        raise _invalid(
            "invalid_language", _("List at most 10 languages, each 1 to 32 characters."), field
        )
    return sorted(set(out), key=out.index)


def _audit(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    fields: Iterable[str] = (),
    details: dict[str, Any] | None = None,
) -> None:
    audit.record(
        actor=actor.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        institution_id=access.audit_institution(actor),
        changed_fields=fields,
        details=details,
    )


def _require_change(actor: Actor, elder: Elder) -> None:
    if not access.may(actor, elder, "change"):
        raise NotFound()


def _serves(institution: Institution, region: Region) -> bool:
    """True when ``region`` lies inside one of the institution's service areas."""
    paths = institution.service_areas.values_list("region__path", flat=True)
    return any(region.path.startswith(p) for p in paths)


def _register_scope(actor: Actor, region: Region, institution: Institution | None) -> str | None:
    """The scope under which ``actor`` may register an elder here, or ``None``."""
    table = RULES["elder"]["create"]
    for role in sorted(actor.roles):
        scope = table.get(role)
        if scope == "all":
            return scope
        if scope == "region" and any(region.path.startswith(p) for p in actor.region_paths(role)):
            return scope
        if (
            scope == "tenant"
            and institution is not None
            and (institution.pk in actor.institution_ids(role))
            and _serves(institution, region)
        ):
            return scope
    if table.get(Role.ELDER) == "self" and actor.has(Role.ELDER):
        return "self"
    return None


# --- elders -----------------------------------------------------------------------


@transaction.atomic
def register_elder(
    *,
    actor: Actor,
    full_name: str,
    id_number: str,
    region: Region,
    phone: str = "",
    sex: str | None = None,
    birth_date: dt.date | None = None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    care_level: int = 0,
    languages: Iterable[str] = (),
    dialects: Iterable[str] = (),
    institution: Institution | None = None,
) -> Elder:
    """Register an elder. Operators (in their region), institution staff (linking their
    institution), platform admins, or the elder themself (their login becomes the profile's).

    Raises ``invalid_id_number``, ``id_sex_mismatch``, ``invalid_phone`` (422) and
    ``duplicate_id_number`` (409); nothing is written when any check fails.
    """
    if institution is None:
        staff_insts = sorted(actor.institution_ids(*RULES["elder"]["create"].keys()))
        if len(staff_insts) == 1:
            institution = Institution.objects.get(pk=staff_insts[0])
    scope = _register_scope(actor, region, institution)
    if scope is None:
        raise NotAllowedToRegister()
    info = parse_id_number(id_number, today=clock.today())
    check_consistent(info, sex=sex, birth_date=birth_date)
    name = _check_name(full_name)
    phone_norm = normalize_phone(phone) if phone else ""
    _check_region(region)
    _check_point(lat, lng)
    _check_care_level(care_level)
    langs = _check_words(languages, "languages")
    dials = _check_words(dialects, "dialects")
    own_user = actor.user if scope == "self" else None
    if own_user is not None and Elder.objects.filter(user=own_user).exists():
        raise ElderProfileExists()
    id_hash = crypto.search_hash(info.number)
    if Elder.objects.filter(id_number_hash=id_hash).exists():
        raise DuplicateIdNumber(details={"field": "id_number"})
    try:
        with transaction.atomic():
            elder = Elder.objects.create(
                user=own_user,
                full_name=name,
                id_number_encrypted=crypto.encrypt(info.number),
                id_number_hash=id_hash,
                sex=info.sex,
                birth_date=info.birth_date,
                phone_encrypted=crypto.encrypt(phone_norm) if phone_norm else "",
                phone_hash=crypto.search_hash(phone_norm) if phone_norm else "",
                region=region,
                address=address.strip(),
                lat=lat,
                lng=lng,
                care_level=care_level,
                languages=langs,
                dialects=dials,
                created_by=actor.user,
            )
    except IntegrityError:
        raise DuplicateIdNumber(details={"field": "id_number"}) from None
    fields = ["full_name", "id_number", "sex", "birth_date", "region"]
    fields += [
        f
        for f, v in (
            ("phone", phone_norm),
            ("address", address),
            ("lat", lat),
            ("lng", lng),
            ("languages", langs),
            ("dialects", dials),
        )
        if v
    ]
    _audit(actor, "create", "elder", elder.pk, fields, {"scope": scope})
    if institution is not None and scope in ("all", "region", "tenant"):
        _link_institution(actor=actor, elder=elder, institution=institution)
    return elder


@transaction.atomic
def update_elder(*, actor: Actor, elder: Elder, **changes: Any) -> Elder:
    """Change profile fields (``UPDATABLE_FIELDS``; ``phone`` as text, ``region`` as a
    Region). Care level and status are for staff only. Unknown fields are refused."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationFailed(details={"fields": sorted(unknown)})
    elder = Elder.objects.select_for_update().get(pk=elder.pk)
    _require_change(actor, elder)
    if ASSESSMENT_FIELDS & set(changes) and not access.may(actor, elder, "change_assessment"):
        raise NotAllowedToChange(details={"fields": sorted(ASSESSMENT_FIELDS & set(changes))})
    changed: list[str] = []
    for field, value in changes.items():
        if field == "full_name":
            value = _check_name(value)
        elif field == "phone":
            norm = normalize_phone(value) if value else ""
            if norm == elder.phone:
                continue
            elder.phone_encrypted = crypto.encrypt(norm) if norm else ""
            elder.phone_hash = crypto.search_hash(norm) if norm else ""
            changed.append("phone")
            continue
        elif field == "region":
            _check_region(value)
        elif field == "care_level":
            _check_care_level(value)
        elif field in ("languages", "dialects"):
            value = _check_words(value, field)
        elif field == "status" and value not in ElderStatus.values:
            raise ValidationFailed(details={"field": "status"})
        elif field == "address":
            value = (value or "").strip()
        if getattr(elder, field) != value:
            setattr(elder, field, value)
            changed.append(field)
    _check_point(elder.lat, elder.lng)
    if changed:
        save_fields = [{"phone": "phone_encrypted"}.get(f, f) for f in changed] + (
            ["phone_hash"] if "phone" in changed else []
        )
        elder.save(update_fields=[*save_fields, "updated_at"])
        _audit(actor, "update", "elder", elder.pk, changed)
    return elder


@transaction.atomic
def set_household(
    *,
    actor: Actor,
    elder: Elder,
    lives_alone: bool,
    floor: int | None,
    has_lift: bool,
    dwelling_notes: str = "",
    share_with: Elder | None = None,
) -> Household:
    """Create or update the elder's household; ``share_with`` joins another elder's
    household (both must be changeable by the actor)."""
    elder = Elder.objects.select_for_update().get(pk=elder.pk)
    _require_change(actor, elder)
    if floor is not None and not -5 <= floor <= 200:
        raise _invalid("invalid_floor", _("The floor must be between -5 and 200."), "floor")
    household: Household | None
    if share_with is not None:
        _require_change(actor, share_with)
        household = share_with.household
        if household is None:
            household = Household.objects.create()
            Elder.objects.filter(pk=share_with.pk).update(household=household)
    else:
        household = elder.household
    created = household is None
    if household is None:
        household = Household()
    changed = [
        f
        for f, v in (
            ("lives_alone", lives_alone),
            ("floor", floor),
            ("has_lift", has_lift),
            ("dwelling_notes", dwelling_notes.strip()),
        )
        if created or getattr(household, f) != v
    ]
    household.lives_alone = lives_alone
    household.floor = floor
    household.has_lift = has_lift
    household.dwelling_notes = dwelling_notes.strip()
    household.save()
    if elder.household_id != household.pk:
        elder.household = household
        elder.save(update_fields=["household", "updated_at"])
        changed.append("household")
    if changed:
        _audit(actor, "update", "household", household.pk, changed, {"elder_id": elder.pk})
    return household


@transaction.atomic
def add_emergency_contact(
    *,
    actor: Actor,
    elder: Elder,
    name: str,
    relationship: str,
    phone: str,
    priority: int = 1,
) -> EmergencyContact:
    _require_change(actor, elder)
    clean = (name or "").strip()
    if not clean or len(clean) > 64:
        raise _invalid("invalid_name", _("Enter the real name (1 to 64 characters)."), "name")
    if relationship not in Relationship.values:
        raise ValidationFailed(details={"field": "relationship"})
    norm = normalize_phone(phone)
    if not 1 <= priority <= 9:
        raise _invalid("invalid_priority", _("The priority is a number from 1 to 9."), "priority")
    contact = EmergencyContact.objects.create(
        elder=elder,
        name=clean,
        relationship=relationship,
        phone_encrypted=crypto.encrypt(norm),
        priority=priority,
    )
    _audit(
        actor,
        "create",
        "emergency_contact",
        contact.pk,
        ["name", "relationship", "phone", "priority"],
        {"elder_id": elder.pk},
    )
    return contact


@transaction.atomic
def deactivate_emergency_contact(*, actor: Actor, contact: EmergencyContact) -> EmergencyContact:
    _require_change(actor, contact.elder)
    if contact.is_active:
        contact.is_active = False
        contact.save(update_fields=["is_active", "updated_at"])
        _audit(actor, "deactivate", "emergency_contact", contact.pk, ["is_active"])
    return contact


# --- institutions -----------------------------------------------------------------


def _link_institution(
    *, actor: Actor, elder: Elder, institution: Institution
) -> ElderInstitutionLink:
    if ElderInstitutionLink.objects.filter(
        elder=elder, institution=institution, status=InstitutionLinkStatus.ACTIVE
    ).exists():
        raise InstitutionLinkExists()
    link = ElderInstitutionLink.objects.create(
        elder=elder, institution=institution, since=clock.today(), created_by=actor.user
    )
    audit.record(
        actor=actor.user,
        action="create",
        object_type="elder_institution_link",
        object_id=link.pk,
        institution_id=institution.pk,
        changed_fields=["elder", "institution", "since"],
        details={"elder_id": elder.pk},
    )
    return link


@transaction.atomic
def link_institution(
    *, actor: Actor, elder: Elder, institution: Institution
) -> ElderInstitutionLink:
    """Start serving an elder from ``institution`` (platform admin, or an operator whose
    region holds the elder)."""
    if not access.may(actor, elder, "change", scopes={"all", "region"}):
        raise NotFound()
    return _link_institution(actor=actor, elder=elder, institution=institution)


@transaction.atomic
def accept_elder(
    *, actor: Actor, institution: Institution, id_number: str, phone: str
) -> ElderInstitutionLink:
    """Institution staff take on an already registered elder who is in front of them: they
    prove it with the resident ID number and the mobile phone on file (404 on mismatch)."""
    if institution.pk not in actor.institution_ids(
        *[r for r, s in RULES["elder"]["create"].items() if s == "tenant"]
    ):
        raise NotAllowedToRegister()
    elder = _match_elder(id_number, phone)
    return _link_institution(actor=actor, elder=elder, institution=institution)


@transaction.atomic
def end_institution_link(*, actor: Actor, link: ElderInstitutionLink) -> ElderInstitutionLink:
    if not (
        access.may(actor, link.elder, "change", scopes={"all", "region"})
        or link.institution_id in actor.institution_ids(Role.INSTITUTION_ADMIN)
    ):
        raise NotFound()
    if link.status == InstitutionLinkStatus.ACTIVE:
        link.status = InstitutionLinkStatus.ENDED
        link.ended_at = clock.now()
        link.save(update_fields=["status", "ended_at"])
        audit.record(
            actor=actor.user,
            action="end",
            object_type="elder_institution_link",
            object_id=link.pk,
            institution_id=link.institution_id,
            changed_fields=["status", "ended_at"],
        )
    return link


# --- family proxies ---------------------------------------------------------------


def _match_elder(id_number: str, phone: str) -> Elder:
    """The elder with exactly this ID number and phone; 404 otherwise (no oracle)."""
    info = parse_id_number(id_number)
    phone_norm = normalize_phone(phone)
    elder = Elder.objects.filter(
        id_number_hash=crypto.search_hash(info.number),
        phone_hash=crypto.search_hash(phone_norm),
    ).first()
    if elder is None:
        raise NotFound()
    return elder


def _check_permissions(permissions: Iterable[str]) -> set[str]:
    perms = set(permissions)
    unknown = perms - set(FamilyPermission.values)
    if unknown:
        raise ValidationFailed(details={"field": "permissions", "unknown": sorted(unknown)})
    return perms


def _is_confirmer(actor: Actor, elder: Elder) -> bool:
    """The elder themself, or staff who may change the elder's record."""
    if elder.user_id is not None and elder.user_id == actor.user_id:
        return True
    return access.may(actor, elder, "change", scopes=access.STAFF_SCOPES)


@transaction.atomic
def link_family(
    *,
    actor: Actor,
    elder: Elder,
    user: User,
    relationship: str,
    permissions: Iterable[str],
) -> FamilyLink:
    """Link a family member to an elder.

    Requested by the family member (``actor.user == user``): pending until the elder, or
    staff on the elder's behalf, confirms. Created by the elder or staff: confirmed at once.
    The link is active once confirmed AND a ``family_proxy_access`` consent covers it.
    """
    perms = _check_permissions(permissions)
    if relationship not in Relationship.values:
        raise ValidationFailed(details={"field": "relationship"})
    requesting = actor.user_id == user.pk
    if not requesting and not _is_confirmer(actor, elder):
        raise NotFound()
    if not Membership.objects.filter(user=user, role=Role.FAMILY, is_active=True).exists():
        raise NotAFamilyMember(details={"field": "user_id"})
    if elder.user_id == user.pk:
        raise NotAFamilyMember(details={"field": "user_id"})
    if (
        FamilyLink.objects.filter(elder=elder, user=user)
        .exclude(status=FamilyLinkStatus.REVOKED)
        .exists()
    ):
        raise FamilyLinkExists()
    now = clock.now()
    link = FamilyLink(
        elder=elder,
        user=user,
        relationship=relationship,
        can_view_record=FamilyPermission.VIEW_RECORD in perms,
        can_place_orders=FamilyPermission.PLACE_ORDERS in perms,
        can_pay=FamilyPermission.PAY in perms,
        can_receive_alerts=FamilyPermission.RECEIVE_ALERTS in perms,
        requested_by=actor.user,
    )
    if not requesting:
        link.confirmed_by = actor.user
        link.confirmed_at = now
        if access.has_proxy_consent(elder.pk, user.pk):
            link.status = FamilyLinkStatus.ACTIVE
            link.activated_at = now
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise FamilyLinkExists() from None
    _audit(
        actor,
        "create",
        "family_link",
        link.pk,
        ["elder", "user", "relationship", "permissions", "status"],
        {"elder_id": elder.pk, "status": link.status},
    )
    return link


@transaction.atomic
def request_family_link(
    *, actor: Actor, id_number: str, phone: str, relationship: str, permissions: Iterable[str]
) -> FamilyLink:
    """A family member asks to be linked, proving they know the elder's ID number and
    phone. A mismatch answers 404 whether or not the ID number exists."""
    if not actor.has(Role.FAMILY):
        raise Forbidden("not_a_family_member", NotAFamilyMember.default_message)
    elder = _match_elder(id_number, phone)
    return link_family(
        actor=actor,
        elder=elder,
        user=actor.user,
        relationship=relationship,
        permissions=permissions,
    )


@transaction.atomic
def confirm_family_link(*, actor: Actor, link: FamilyLink) -> FamilyLink:
    """The elder (or staff on their behalf) confirms a pending request."""
    link = FamilyLink.objects.select_for_update().select_related("elder").get(pk=link.pk)
    if link.user_id == actor.user_id or not _is_confirmer(actor, link.elder):
        raise NotFound()
    if link.status != FamilyLinkStatus.PENDING or link.confirmed_at is not None:
        raise FamilyLinkNotPending()
    now = clock.now()
    link.confirmed_by = actor.user
    link.confirmed_at = now
    fields = ["confirmed_by", "confirmed_at"]
    if access.has_proxy_consent(link.elder_id, link.user_id):
        link.status = FamilyLinkStatus.ACTIVE
        link.activated_at = now
        fields += ["status", "activated_at"]
    link.save(update_fields=fields)
    _audit(actor, "confirm", "family_link", link.pk, fields, {"status": link.status})
    return link


@transaction.atomic
def revoke_family_link(*, actor: Actor, link: FamilyLink) -> FamilyLink:
    """End a link: by the family member, the elder, or staff. Never deleted."""
    link = FamilyLink.objects.select_for_update().select_related("elder").get(pk=link.pk)
    if link.user_id != actor.user_id and not _is_confirmer(actor, link.elder):
        raise NotFound()
    if link.status == FamilyLinkStatus.REVOKED:
        raise FamilyLinkRevoked()
    link.status = FamilyLinkStatus.REVOKED
    link.revoked_by = actor.user
    link.revoked_at = clock.now()
    link.save(update_fields=["status", "revoked_by", "revoked_at"])
    _audit(actor, "revoke", "family_link", link.pk, ["status", "revoked_by", "revoked_at"])
    return link


# --- consents ---------------------------------------------------------------------


@transaction.atomic
def record_consent(
    *,
    actor: Actor,
    elder: Elder,
    purpose: str,
    policy_version: str,
    grantee: User | None = None,
    institution: Institution | None = None,
) -> Consent:
    """Record a consent. The elder, staff who may change the record, or a family member
    with an open link (on the elder's behalf, for themself only). Recording
    ``family_proxy_access`` activates confirmed links it covers."""
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed(details={"field": "purpose"})
    version = (policy_version or "").strip()
    if not version or len(version) > 32:
        raise _invalid(
            "invalid_policy_version",
            _("Give the version of the privacy notice shown."),
            "policy_version",
        )
    is_family = (
        not _is_confirmer(actor, elder)
        and FamilyLink.objects.filter(elder=elder, user=actor.user)
        .exclude(status=FamilyLinkStatus.REVOKED)
        .exists()
    )
    if not is_family and not _is_confirmer(actor, elder):
        raise NotFound()
    if is_family and (
        purpose != ConsentPurpose.FAMILY_PROXY_ACCESS
        or (grantee is not None and grantee.pk != actor.user_id)
    ):
        raise NotAllowedToChange(details={"field": "purpose"})
    if is_family:
        grantee = actor.user
    if purpose != ConsentPurpose.FAMILY_PROXY_ACCESS:
        grantee = None
    if purpose != ConsentPurpose.DATA_SHARING_WITH_INSTITUTION:
        institution = None
    elif institution is None:
        raise ValidationFailed(details={"field": "institution_id"})
    now = clock.now()
    consent = Consent.objects.create(
        elder=elder,
        purpose=purpose,
        grantee=grantee,
        institution=institution,
        policy_version=version,
        granted_by=actor.user,
        granted_at=now,
    )
    _audit(
        actor,
        "grant",
        "consent",
        consent.pk,
        ["purpose", "policy_version", "granted_by", "granted_at"],
        {"elder_id": elder.pk, "purpose": purpose},
    )
    if purpose == ConsentPurpose.FAMILY_PROXY_ACCESS:
        waiting = FamilyLink.objects.select_for_update().filter(
            elder=elder, status=FamilyLinkStatus.PENDING, confirmed_at__isnull=False
        )
        if grantee is not None:
            waiting = waiting.filter(user=grantee)
        for link in waiting:
            link.status = FamilyLinkStatus.ACTIVE
            link.activated_at = now
            link.save(update_fields=["status", "activated_at"])
            _audit(actor, "activate", "family_link", link.pk, ["status", "activated_at"])
    return consent


@transaction.atomic
def withdraw_consent(*, actor: Actor, consent: Consent) -> Consent:
    """Withdraw a consent: a new state on the row, never a delete. Access that depends on
    it (family proxies for ``family_proxy_access``) stops at the next read."""
    consent = Consent.objects.select_for_update().select_related("elder").get(pk=consent.pk)
    uid = actor.user_id
    party = uid is not None and uid in (
        consent.elder.user_id,
        consent.granted_by_id,
        consent.grantee_id,
    )
    if not party and not _is_confirmer(actor, consent.elder):
        raise NotFound()
    if consent.withdrawn_at is not None:
        raise ConsentAlreadyWithdrawn()
    consent.withdrawn_at = clock.now()
    consent.withdrawn_by = actor.user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _audit(
        actor,
        "withdraw",
        "consent",
        consent.pk,
        ["withdrawn_at", "withdrawn_by"],
        {"elder_id": consent.elder_id, "purpose": consent.purpose},
    )
    return consent


# --- insurance --------------------------------------------------------------------


@transaction.atomic
def add_insurance(
    *,
    actor: Actor,
    elder: Elder,
    scheme: str,
    number: str = "",
    ltc_disability_level: int | None = None,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> InsuranceEnrollment:
    _require_change(actor, elder)
    if scheme not in InsuranceScheme.values:
        raise ValidationFailed(details={"field": "scheme"})
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInsurance(details={"field": "valid_to"})
    if ltc_disability_level is not None and (
        scheme != InsuranceScheme.LONG_TERM_CARE or not 0 <= ltc_disability_level <= 5
    ):
        raise InvalidInsurance(details={"field": "ltc_disability_level"})
    clean = "".join((number or "").split())
    if len(clean) > 64:
        raise InvalidInsurance(details={"field": "number"})
    enrollment = InsuranceEnrollment.objects.create(
        elder=elder,
        scheme=scheme,
        number_encrypted=crypto.encrypt(clean) if clean else "",
        ltc_disability_level=ltc_disability_level,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    fields = ["scheme", "valid_from"] + [
        f
        for f, v in (
            ("number", clean),
            ("ltc_disability_level", ltc_disability_level is not None),
            ("valid_to", valid_to),
        )
        if v
    ]
    _audit(actor, "create", "insurance_enrollment", enrollment.pk, fields, {"elder_id": elder.pk})
    return enrollment
