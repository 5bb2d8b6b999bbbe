"""Writes for institutions: registration, profile, status, service areas, contracts.

Every function checks the actor again (defence in depth behind ``access.py``), validates
before writing, locks the institution row it changes and records an audit row in the
institution's audit partition. A refused call changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

from django.db import IntegrityError, transaction

from doorstep.accounts.policy import Actor
from doorstep.catalog.models import ServiceItem
from doorstep.core import audit
from doorstep.core.errors import Forbidden, NotFound
from doorstep.regions.models import Region

from . import selectors
from .access import permits
from .enums import STATUS_TRANSITIONS, InstitutionStatus, InstitutionType
from .errors import (
    ContractAlreadyEnded,
    ContractDates,
    ContractIncentiveInvalid,
    ContractOverlap,
    ContractSharesSum,
    IllegalTransition,
    InstitutionFieldInvalid,
    InvalidPhone,
    LicenceNumberTaken,
    ServiceAreaExists,
)
from .models import Contract, Institution, ServiceArea

TOTAL_BP = 10_000
PHONE_RE = re.compile(r"^\+?\d[\d\- ]{3,22}\d$")

#: Fields an institution's own admin may change; platform admins may change all.
ADMIN_FIELDS = frozenset(
    {
        "address",
        "lat",
        "lng",
        "phone",
        "security_contact_name",
        "security_contact_phone",
        "prepayment_required",
    }
)
PLATFORM_FIELDS = ADMIN_FIELDS | {"name_zh", "name_en", "type", "licence_number", "region"}


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: Marks an optional argument the caller did not pass.
UNSET: Final = _Unset()


def _require_platform_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise Forbidden()


def _phone(value: str | None, field: str) -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"\D", "", raw)
    if not PHONE_RE.match(raw) or not 5 <= len(digits) <= 20:
        raise InvalidPhone(details={"field": field})
    return raw


def _required_text(value: str | None, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > max_length:
        raise InstitutionFieldInvalid(details={"field": field})
    return text


def _optional_text(value: str | None, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise InstitutionFieldInvalid(details={"field": field})
    return text


def _type(value: str | None) -> str:
    if value not in InstitutionType.values:
        raise InstitutionFieldInvalid(details={"field": "type"})
    return str(value)


def _position(lat: float | None, lng: float | None) -> tuple[float | None, float | None]:
    if lat is None and lng is None:
        return None, None
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InstitutionFieldInvalid(details={"field": "lat/lng"})
    return float(lat), float(lng)


def _licence_free(licence_number: str, *, exclude_pk: int | None = None) -> None:
    qs = Institution.objects.filter(licence_number=licence_number)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise LicenceNumberTaken(details={"field": "licence_number"})


def create_institution(
    *,
    actor: Actor,
    name_zh: str,
    name_en: str,
    type: str,
    licence_number: str,
    region: Region,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    phone: str = "",
    security_contact_name: str = "",
    security_contact_phone: str = "",
    prepayment_required: bool = True,
) -> Institution:
    """Register an institution (platform admins). It starts in ``onboarding``."""
    _require_platform_admin(actor)
    values: dict[str, Any] = {
        "name_zh": _required_text(name_zh, "name_zh", 128),
        "name_en": _required_text(name_en, "name_en", 256),
        "type": _type(type),
        "licence_number": _required_text(licence_number, "licence_number", 64),
        "region": region,
        "address": _optional_text(address, "address", 256),
        "phone": _phone(phone, "phone"),
        "security_contact_name": _optional_text(security_contact_name, "security_contact_name", 64),
        "security_contact_phone": _phone(security_contact_phone, "security_contact_phone"),
        "prepayment_required": bool(prepayment_required),
        "status": InstitutionStatus.ONBOARDING,
    }
    values["lat"], values["lng"] = _position(lat, lng)
    with transaction.atomic():
        _licence_free(values["licence_number"])
        try:
            with transaction.atomic():
                institution = Institution.objects.create(**values)
        except IntegrityError as exc:  # a concurrent registration of the same licence
            raise LicenceNumberTaken(details={"field": "licence_number"}) from exc
        audit.record(
            actor=actor.user,
            action="institution_created",
            object_type="institution",
            object_id=institution.pk,
            institution_id=institution.pk,
            changed_fields=[k for k, v in values.items() if v not in ("", None)],
            details={"type": institution.type, "region_code": region.code},
        )
    return institution


def update_institution(
    *,
    actor: Actor,
    institution: Institution,
    name_zh: str | _Unset | None = UNSET,
    name_en: str | _Unset | None = UNSET,
    type: str | _Unset | None = UNSET,
    licence_number: str | _Unset | None = UNSET,
    region: Region | _Unset | None = UNSET,
    address: str | _Unset | None = UNSET,
    lat: float | _Unset | None = UNSET,
    lng: float | _Unset | None = UNSET,
    phone: str | _Unset | None = UNSET,
    security_contact_name: str | _Unset | None = UNSET,
    security_contact_phone: str | _Unset | None = UNSET,
    prepayment_required: bool | _Unset | None = UNSET,
) -> Institution:
    """Change the profile. Platform admins may change every field; the institution's own
    admins only the contact, location and payment fields (403 ``forbidden`` otherwise)."""
    if not permits(actor, "change", institution):
        raise NotFound()
    given: dict[str, Any] = {
        k: v
        for k, v in {
            "name_zh": name_zh,
            "name_en": name_en,
            "type": type,
            "licence_number": licence_number,
            "region": region,
            "address": address,
            "lat": lat,
            "lng": lng,
            "phone": phone,
            "security_contact_name": security_contact_name,
            "security_contact_phone": security_contact_phone,
            "prepayment_required": prepayment_required,
        }.items()
        if not isinstance(v, _Unset)
    }
    allowed = PLATFORM_FIELDS if actor.is_platform_admin else ADMIN_FIELDS
    refused = sorted(set(given) - allowed)
    if refused:
        raise Forbidden(details={"fields": refused})
    with transaction.atomic():
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        clean: dict[str, Any] = {}
        for name, value in given.items():
            if name in ("name_zh", "name_en"):
                clean[name] = _required_text(value, name, 128 if name == "name_zh" else 256)
            elif name == "licence_number":
                clean[name] = _required_text(value, name, 64)
                _licence_free(clean[name], exclude_pk=locked.pk)
            elif name == "type":
                clean[name] = _type(value)
            elif name in ("phone", "security_contact_phone"):
                clean[name] = _phone(value, name)
            elif name == "address":
                clean[name] = _optional_text(value, name, 256)
            elif name == "security_contact_name":
                clean[name] = _optional_text(value, name, 64)
            elif name == "prepayment_required":
                if not isinstance(value, bool):
                    raise InstitutionFieldInvalid(details={"field": name})
                clean[name] = value
            elif name == "region":
                if not isinstance(value, Region):
                    raise InstitutionFieldInvalid(details={"field": name})
                clean[name] = value
        if "lat" in given or "lng" in given:
            clean["lat"], clean["lng"] = _position(
                given.get("lat", locked.lat), given.get("lng", locked.lng)
            )
        changed: list[str] = []
        for name, value in clean.items():
            current = locked.region_id if name == "region" else getattr(locked, name)
            if current != (value.pk if name == "region" else value):
                changed.append(name)
        for name in changed:
            setattr(locked, name, clean[name])
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor=actor.user,
                action="institution_updated",
                object_type="institution",
                object_id=locked.pk,
                institution_id=locked.pk,
                changed_fields=changed,
            )
    return locked


def change_status(
    *, actor: Actor, institution: Institution, to: str, reason: str = ""
) -> Institution:
    """Move the institution along ``STATUS_TRANSITIONS`` (platform admins).

    Anything else is 409 ``illegal_transition`` and changes nothing.
    """
    _require_platform_admin(actor)
    with transaction.atomic():
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        current = locked.status
        if to not in STATUS_TRANSITIONS.get(current, frozenset()):
            raise IllegalTransition(
                details={
                    "from": current,
                    "to": to,
                    "allowed": sorted(STATUS_TRANSITIONS.get(current, frozenset())),
                }
            )
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor.user,
            action="institution_status_changed",
            object_type="institution",
            object_id=locked.pk,
            institution_id=locked.pk,
            changed_fields=["status"],
            details={"from": current, "to": to, "reason": (reason or "").strip()[:256]},
        )
    return locked


def add_service_area(*, actor: Actor, institution: Institution, region: Region) -> ServiceArea:
    """The institution serves ``region`` and its subtree from now on (platform admins)."""
    _require_platform_admin(actor)
    with transaction.atomic():
        Institution.objects.select_for_update().get(pk=institution.pk)
        if ServiceArea.objects.filter(institution=institution, region=region).exists():
            raise ServiceAreaExists(details={"region_id": region.pk})
        area = ServiceArea.objects.create(institution=institution, region=region)
        audit.record(
            actor=actor.user,
            action="service_area_added",
            object_type="institution",
            object_id=institution.pk,
            institution_id=institution.pk,
            changed_fields=["service_areas"],
            details={"region_code": region.code},
        )
    return area


def remove_service_area(*, actor: Actor, institution: Institution, region: Region) -> None:
    """Stop serving ``region`` (platform admins). 404 when it was not served."""
    _require_platform_admin(actor)
    with transaction.atomic():
        Institution.objects.select_for_update().get(pk=institution.pk)
        deleted, _ = ServiceArea.objects.filter(institution=institution, region=region).delete()
        if not deleted:
            raise NotFound(details={"region_id": region.pk})
        audit.record(
            actor=actor.user,
            action="service_area_removed",
            object_type="institution",
            object_id=institution.pk,
            institution_id=institution.pk,
            changed_fields=["service_areas"],
            details={"region_code": region.code},
        )


def _shares(platform_bp: int, institution_bp: int, provider_bp: int) -> None:
    shares = {
        "platform_bp": platform_bp,
        "institution_bp": institution_bp,
        "provider_bp": provider_bp,
    }
    for field, value in shares.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= TOTAL_BP:
            raise ContractSharesSum(details={"field": field, "value": value})
    total = sum(shares.values())
    if total != TOTAL_BP:
        raise ContractSharesSum(details={"sum": total, "expected": TOTAL_BP})


#: The incentive terms of a contract (ADR 0024) and the most a fixed amount may be.
INCENTIVE_BP_FIELDS: Final = (
    "night_incentive_bp",
    "rural_incentive_bp",
    "difficult_incentive_bp",
    "incentive_platform_bp",
)
INCENTIVE_FEN_FIELDS: Final = (
    "night_incentive_fen",
    "rural_incentive_fen",
    "difficult_incentive_fen",
)
INCENTIVE_FIELDS: Final = (
    *INCENTIVE_BP_FIELDS,
    *INCENTIVE_FEN_FIELDS,
    "night_start",
    "night_end",
    "difficult_items",
)
MAX_INCENTIVE_FEN: Final = 100_000


def _incentives(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check the incentive terms; ``contract_incentive_invalid`` (422) names the field."""
    out: dict[str, Any] = {}
    for field, value in raw.items():
        if value is None:
            continue
        if field not in INCENTIVE_FIELDS:
            raise ContractIncentiveInvalid(details={"field": field})
        bad = ContractIncentiveInvalid(details={"field": field, "value": value})
        if field in INCENTIVE_BP_FIELDS or field in INCENTIVE_FEN_FIELDS:
            top = TOTAL_BP if field in INCENTIVE_BP_FIELDS else MAX_INCENTIVE_FEN
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise bad
        elif field in ("night_start", "night_end"):
            if not isinstance(value, dt.time) or value.tzinfo is not None:
                raise bad
        else:
            if not isinstance(value, list | tuple) or len(value) > 200:
                raise bad
            if not all(isinstance(c, str) for c in value):
                raise bad
            codes = sorted({c.strip() for c in value})
            known = set(ServiceItem.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise ContractIncentiveInvalid(details={"field": field, "unknown": unknown})
            value = codes
        out[field] = value
    return out


def add_contract(
    *,
    actor: Actor,
    institution: Institution,
    effective_from: dt.date,
    effective_to: dt.date | None,
    platform_bp: int,
    institution_bp: int,
    provider_bp: int,
    notes: str = "",
    incentives: Mapping[str, Any] | None = None,
) -> Contract:
    """Add a contract version (platform admins).

    Shares are basis points that add up to 10,000; ``effective_to`` is exclusive (empty:
    open-ended); the interval may not meet any existing version's interval. ``incentives``
    sets any of ``INCENTIVE_FIELDS`` (ADR 0024); the rest keep their defaults (none).
    """
    _require_platform_admin(actor)
    _shares(platform_bp, institution_bp, provider_bp)
    terms = _incentives(incentives or {})
    if effective_to is not None and effective_to <= effective_from:
        raise ContractDates(
            details={"effective_from": effective_from, "effective_to": effective_to}
        )
    text = (notes or "").strip()
    if len(text) > 256:
        raise InstitutionFieldInvalid(details={"field": "notes"})
    with transaction.atomic():
        Institution.objects.select_for_update().get(pk=institution.pk)
        clash = selectors.overlapping(institution, effective_from, effective_to).first()
        if clash is not None:
            raise ContractOverlap(
                details={
                    "contract_id": clash.pk,
                    "effective_from": clash.effective_from,
                    "effective_to": clash.effective_to,
                }
            )
        contract = Contract.objects.create(
            institution=institution,
            effective_from=effective_from,
            effective_to=effective_to,
            platform_bp=platform_bp,
            institution_bp=institution_bp,
            provider_bp=provider_bp,
            notes=text,
            **terms,
        )
        audit.record(
            actor=actor.user,
            action="contract_added",
            object_type="contract",
            object_id=contract.pk,
            institution_id=institution.pk,
            changed_fields=[
                "effective_from",
                "effective_to",
                "platform_bp",
                "institution_bp",
                "provider_bp",
                *sorted(terms),
            ],
            details={
                "effective_from": effective_from,
                "effective_to": effective_to,
                "platform_bp": platform_bp,
                "institution_bp": institution_bp,
                "provider_bp": provider_bp,
                **{k: (v.isoformat() if isinstance(v, dt.time) else v) for k, v in terms.items()},
            },
        )
    return contract


def end_contract(*, actor: Actor, contract: Contract, effective_to: dt.date) -> Contract:
    """Give an open-ended version its (exclusive) end date so a new one can follow."""
    _require_platform_admin(actor)
    with transaction.atomic():
        Institution.objects.select_for_update().get(pk=contract.institution_id)
        locked = Contract.objects.get(pk=contract.pk)
        if locked.effective_to is not None:
            raise ContractAlreadyEnded(details={"effective_to": locked.effective_to})
        if effective_to <= locked.effective_from:
            raise ContractDates(
                details={"effective_from": locked.effective_from, "effective_to": effective_to}
            )
        locked.effective_to = effective_to
        locked.save(update_fields=["effective_to"])
        audit.record(
            actor=actor.user,
            action="contract_ended",
            object_type="contract",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            changed_fields=["effective_to"],
            details={"effective_to": effective_to},
        )
    return locked
