"""Every state change of providers and their credentials (ADR 0009).

Each function is keyword-only, runs in one transaction, locks the provider row it
changes, validates before writing (a refused action changes nothing), records the
transition in ``VerificationEvent`` and the audit log, and queues notifications with
``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.models import User
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden, ValidationFailed
from doorstep.notifications.services import notify
from doorstep.organizations.models import Institution
from doorstep.regions.models import Region

from . import access
from .enums import (
    LICENSED_KINDS,
    REQUIRED_CERTIFICATE,
    CertificateKind,
    CertificateStatus,
    ProviderKind,
    TransportMode,
    VerificationStatus,
    can_transition,
)
from .errors import (
    FieldNotEditable,
    IllegalTransition,
    InstitutionRequired,
    InvalidDates,
    InvalidLocation,
    LicenceRequired,
    LicenceTaken,
    ProviderExists,
    ReasonRequired,
    TitleNotAllowed,
)
from .models import Certificate, Provider, VerificationEvent

V = VerificationStatus

#: Fields that decide what a provider may do; changing them on a verified provider sends
#: the provider back to re-verification, and only staff may change them once submitted.
CREDENTIAL_FIELDS = frozenset(
    {"kind", "institution", "licence_number", "title", "practice_start_date"}
)
#: Fields a provider keeps up to date themselves at any time.
PROFILE_FIELDS = frozenset(
    {
        "specialties",
        "languages",
        "home_lat",
        "home_lng",
        "home_region",
        "service_radius_km",
        "transport_mode",
    }
)
#: Fields only staff change.
STAFF_FIELDS = frozenset({"is_active"})
NOT_NULL_FIELDS = frozenset(
    {
        "kind",
        "title",
        "specialties",
        "languages",
        "service_radius_km",
        "transport_mode",
        "is_active",
    }
)
EDITABLE_BY_SELF_STATUSES = frozenset({V.DRAFT, V.REJECTED, V.REVERIFICATION_REQUIRED})
MAX_RADIUS_KM = 100.0
MAX_REASON_LENGTH = 1000
#: Reasons the system records on transitions it makes itself (shown translated by
#: ``SYSTEM_REASONS``); reviewers' reasons are free text.
REASON_CERTIFICATE_EXPIRED = "certificate_expired"
REASON_CREDENTIALS_CHANGED = "credentials_changed"
SYSTEM_REASONS: dict[str, Any] = {
    REASON_CERTIFICATE_EXPIRED: _("A required certificate expired."),
    REASON_CREDENTIALS_CHANGED: _("Credentials were changed after verification."),
}


# --- validation helpers --------------------------------------------------------------


def _clean_licence(value: str | None) -> str | None:
    value = (value or "").strip().upper()
    return value or None


def _check_licence_free(licence_number: str | None, *, exclude_pk: int | None = None) -> None:
    if licence_number is None:
        return
    qs = Provider.objects.filter(licence_number=licence_number)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise LicenceTaken()


def _check_kind_and_title(kind: str, title: str) -> None:
    if kind not in ProviderKind.values:
        raise ValidationFailed(
            "invalid_kind", _("Unknown kind of provider."), details={"kind": kind}
        )
    if title and kind != ProviderKind.NURSE:
        raise TitleNotAllowed(details={"kind": kind, "title": title})


def _check_location(
    lat: float | None, lng: float | None, radius_km: float, transport_mode: str
) -> None:
    if (lat is None) != (lng is None):
        raise InvalidLocation(details={"fields": ["home_lat", "home_lng"]})
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidLocation(details={"fields": ["home_lat", "home_lng"]})
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise ValidationFailed(
            "invalid_radius",
            _("The service radius must be more than 0 and at most 100 km."),
            details={"service_radius_km": radius_km},
        )
    if transport_mode not in TransportMode.values:
        raise ValidationFailed(
            "invalid_transport_mode",
            _("Unknown transport mode."),
            details={"transport_mode": transport_mode},
        )


def _string_list(value: Iterable[str]) -> list[str]:
    return [str(v).strip() for v in value if str(v).strip()]


def _lock(provider: Provider) -> Provider:
    return Provider.objects.select_for_update().get(pk=provider.pk)


# --- notifications -------------------------------------------------------------------


def _notify(
    provider: Provider, kind: str, title: Any, body: Any, params: dict[str, Any] | None = None
) -> None:
    """After commit, put a message in the provider's inbox (both languages are stored by
    ``notifications.services.notify``; ``title``/``body`` stay lazy until then)."""
    user = provider.user
    text = format_lazy(body, **params) if params else body
    link = f"/providers/{provider.pk}/"
    data = {"provider_id": provider.pk, "status": provider.verification_status}

    transaction.on_commit(
        lambda: notify(recipient=user, kind=kind, title=title, body=text, link=link, data=data),
        robust=True,  # a failed notification must not turn a committed change into an error
    )


# --- registration and profile --------------------------------------------------------


@transaction.atomic
def register_provider(
    *,
    actor: Actor,
    user: User,
    kind: str,
    institution: Institution | None = None,
    licence_number: str | None = None,
    title: str = "",
    practice_start_date: dt.date | None = None,
    specialties: Iterable[str] = (),
    languages: Iterable[str] = (),
    home_lat: float | None = None,
    home_lng: float | None = None,
    home_region: Region | None = None,
    service_radius_km: float = 5.0,
    transport_mode: str = TransportMode.E_BIKE,
) -> Provider:
    """Create a provider profile in ``draft``.

    An institution admin registers people for their own institution, a platform admin for
    any; anyone may register themselves (self-registration) as a draft.
    """
    is_self = actor.user_id == user.pk
    may_for_institution = actor.is_platform_admin or (
        institution is not None and institution.pk in actor.institution_ids(Role.INSTITUTION_ADMIN)
    )
    if not (is_self or may_for_institution):
        raise Forbidden()
    _check_kind_and_title(kind, title)
    if kind != ProviderKind.VOLUNTEER and institution is None and not is_self:
        raise InstitutionRequired()
    licence = _clean_licence(licence_number)
    _check_location(home_lat, home_lng, service_radius_km, transport_mode)
    if practice_start_date is not None and practice_start_date > clock.today():
        raise InvalidDates(details={"practice_start_date": str(practice_start_date)})
    if Provider.objects.filter(user=user).exists():
        raise ProviderExists()
    _check_licence_free(licence)
    try:
        with transaction.atomic():
            provider = Provider.objects.create(
                user=user,
                kind=kind,
                institution=institution,
                licence_number=licence,
                title=title,
                practice_start_date=practice_start_date,
                specialties=_string_list(specialties),
                languages=_string_list(languages),
                home_lat=home_lat,
                home_lng=home_lng,
                home_region=home_region,
                service_radius_km=service_radius_km,
                transport_mode=transport_mode,
            )
    except IntegrityError as exc:  # a concurrent registration won the race
        if Provider.objects.filter(user=user).exists():
            raise ProviderExists() from exc
        raise LicenceTaken() from exc
    audit.record(
        actor=actor.user,
        action="provider.register",
        object_type="provider",
        object_id=provider.pk,
        institution_id=provider.institution_id,
        changed_fields=["kind", "institution", "licence_number", "title", "practice_start_date"],
        details={"kind": kind, "self_registration": is_self},
    )
    return provider


@transaction.atomic
def update_provider(*, actor: Actor, provider: Provider, changes: dict[str, Any]) -> Provider:
    """Change profile or credential fields.

    Staff (institution admin of the provider's institution, platform admin) may change
    anything; moving a provider to another institution is for platform admins (or the
    provider while not under review). The provider changes profile fields any time and
    credential fields only in draft, rejected or re-verification. Changing a credential
    field of a verified provider sends them back to ``reverification_required``.
    """
    access.require(actor, provider, "change")
    provider = _lock(provider)
    unknown = set(changes) - CREDENTIAL_FIELDS - PROFILE_FIELDS - STAFF_FIELDS
    if unknown:
        raise ValidationFailed(details={"unknown_fields": sorted(unknown)})
    nulls = sorted(k for k, v in changes.items() if v is None and k in NOT_NULL_FIELDS)
    if nulls:
        raise ValidationFailed(details={"null_fields": nulls})
    is_staff = actor.is_platform_admin or (
        provider.institution_id in actor.institution_ids(Role.INSTITUTION_ADMIN)
    )
    changed = {k: v for k, v in changes.items() if _current(provider, k) != v}
    if "licence_number" in changed:
        changed["licence_number"] = _clean_licence(changed["licence_number"])
        if changed["licence_number"] == provider.licence_number:
            del changed["licence_number"]
    credential_changes = set(changed) & CREDENTIAL_FIELDS
    if not is_staff:
        if set(changed) & STAFF_FIELDS:
            raise Forbidden()
        if credential_changes and provider.verification_status not in EDITABLE_BY_SELF_STATUSES:
            raise FieldNotEditable(details={"fields": sorted(credential_changes)})
    if "institution" in changed and not (
        actor.is_platform_admin or (not is_staff and actor.user_id == provider.user_id)
    ):
        raise Forbidden()
    kind = changed.get("kind", provider.kind)
    title = changed.get("title", provider.title)
    _check_kind_and_title(kind, title or "")
    _check_location(
        changed.get("home_lat", provider.home_lat),
        changed.get("home_lng", provider.home_lng),
        changed.get("service_radius_km", provider.service_radius_km),
        changed.get("transport_mode", provider.transport_mode),
    )
    start = changed.get("practice_start_date")
    if start is not None and start > clock.today():
        raise InvalidDates(details={"practice_start_date": str(start)})
    if "licence_number" in changed:
        _check_licence_free(changed["licence_number"], exclude_pk=provider.pk)
    if not changed:
        return provider
    if credential_changes and provider.verification_status == V.VERIFIED:
        # Leave ``verified`` first: a verified nurse must never be without a licence.
        _move(
            actor=actor,
            provider=provider,
            to_status=V.REVERIFICATION_REQUIRED,
            reason=REASON_CREDENTIALS_CHANGED,
        )
    for name, value in changed.items():
        if name in ("specialties", "languages"):
            value = _string_list(value)
        setattr(provider, name, value)
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError as exc:  # a concurrent update took the licence number
        if "licence_number" in changed:
            raise LicenceTaken() from exc
        raise
    audit.record(
        actor=actor.user,
        action="provider.update",
        object_type="provider",
        object_id=provider.pk,
        institution_id=provider.institution_id,
        changed_fields=sorted(changed),
    )
    return provider


def _current(provider: Provider, name: str) -> Any:
    if name == "institution":
        return provider.institution
    if name == "home_region":
        return provider.home_region
    return getattr(provider, name)


@transaction.atomic
def add_certificate(
    *,
    actor: Actor,
    provider: Provider,
    kind: str,
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> Certificate:
    """Record a credential. One already past its expiry date is stored as expired."""
    access.require(actor, provider, "change")
    provider = _lock(provider)
    if kind not in CertificateKind.values:
        raise ValidationFailed(
            "invalid_certificate_kind", _("Unknown kind of certificate."), details={"kind": kind}
        )
    today = clock.today()
    if issued_on is not None and issued_on > today:
        raise InvalidDates(details={"issued_on": str(issued_on)})
    if issued_on is not None and expires_on is not None and expires_on < issued_on:
        raise InvalidDates(details={"issued_on": str(issued_on), "expires_on": str(expires_on)})
    status = (
        CertificateStatus.EXPIRED
        if expires_on is not None and expires_on < today
        else CertificateStatus.VALID
    )
    cert = Certificate.objects.create(
        provider=provider,
        kind=kind,
        number=number.strip(),
        issuer=issuer.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        status=status,
    )
    audit.record(
        actor=actor.user,
        action="certificate.add",
        object_type="certificate",
        object_id=cert.pk,
        institution_id=provider.institution_id,
        changed_fields=["kind", "number", "issuer", "issued_on", "expires_on", "status"],
        details={"provider_id": provider.pk, "kind": kind, "status": status},
    )
    return cert


# --- the verification workflow -------------------------------------------------------


def _move(
    *,
    actor: Actor | None,
    provider: Provider,
    to_status: str,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> Provider:
    """Apply one transition to a locked provider and record it; 409 when not allowed."""
    from_status = provider.verification_status
    if not can_transition(from_status, to_status):
        raise IllegalTransition(details={"from": from_status, "to": to_status})
    provider.verification_status = to_status
    fields = ["verification_status", "updated_at"]
    for name, value in (extra or {}).items():
        setattr(provider, name, value)
        fields.append(name)
    provider.save(update_fields=fields)
    user = actor.user if actor is not None else None
    VerificationEvent.objects.create(
        provider=provider,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        at=clock.now(),
        reason=reason,
    )
    audit.record(
        actor=user,
        action=f"provider.{to_status}",
        object_type="provider",
        object_id=provider.pk,
        institution_id=provider.institution_id,
        changed_fields=[f for f in fields if f != "updated_at"],
        details={"from": from_status, "to": to_status},
    )
    return provider


@transaction.atomic
def submit_for_verification(*, actor: Actor, provider: Provider) -> Provider:
    """The provider (or their institution's admin) asks the institution to verify them."""
    access.require(actor, provider, "change")
    provider = _lock(provider)
    if not can_transition(provider.verification_status, V.SUBMITTED):
        raise IllegalTransition(details={"from": provider.verification_status, "to": V.SUBMITTED})
    if provider.institution_id is None:
        raise InstitutionRequired()
    return _move(
        actor=actor, provider=provider, to_status=V.SUBMITTED, extra={"rejection_reason": ""}
    )


@transaction.atomic
def start_review(*, actor: Actor, provider: Provider) -> Provider:
    access.require(actor, provider, "verify")
    provider = _lock(provider)
    return _move(actor=actor, provider=provider, to_status=V.UNDER_REVIEW)


def _required_credential(provider: Provider, today: dt.date) -> tuple[str | None, str]:
    """The credential ``provider``'s kind requires and its state on ``today``: ``valid``,
    ``missing`` (never recorded, or only revoked) or ``lapsed`` (expired)."""
    required = REQUIRED_CERTIFICATE.get(provider.kind)
    if required is None:
        return None, "valid"
    certs = list(Certificate.objects.filter(provider=provider, kind=required))
    if any(
        c.status == CertificateStatus.VALID and (c.expires_on is None or c.expires_on >= today)
        for c in certs
    ):
        return required, "valid"
    if any(c.status != CertificateStatus.REVOKED for c in certs):
        return required, "lapsed"
    return required, "missing"


@transaction.atomic
def verify(*, actor: Actor, provider: Provider) -> Provider:
    """The practice institution confirms the provider's identity and credentials.

    Nurses and doctors need a licence number (422 ``licence_required``); every kind with a
    required credential (``REQUIRED_CERTIFICATE``) needs a valid one recorded (422
    ``certificate_missing`` / ``certificate_expired``).
    """
    access.require(actor, provider, "verify")
    provider = _lock(provider)
    if not can_transition(provider.verification_status, V.VERIFIED):
        raise IllegalTransition(details={"from": provider.verification_status, "to": V.VERIFIED})
    if provider.kind in LICENSED_KINDS and not provider.licence_number:
        raise LicenceRequired()
    required, state = _required_credential(provider, clock.today())
    if state == "missing":
        raise ValidationFailed(
            "certificate_missing",
            _("The required certificate has not been recorded; add it first."),
            details={"certificate": required},
        )
    if state == "lapsed":
        raise ValidationFailed(
            "certificate_expired",
            _("The required certificate has expired; add the renewed certificate first."),
            details={"certificate": required},
        )
    _move(
        actor=actor,
        provider=provider,
        to_status=V.VERIFIED,
        extra={"verified_at": clock.now(), "verified_by": actor.user, "rejection_reason": ""},
    )
    _notify(
        provider,
        "provider.verified",
        _("You are verified"),
        _("Your practice institution has verified your profile. You can now receive orders."),
    )
    return provider


@transaction.atomic
def reject(*, actor: Actor, provider: Provider, reason: str) -> Provider:
    """The practice institution refuses verification and says why."""
    access.require(actor, provider, "verify")
    provider = _lock(provider)
    reason = (reason or "").strip()
    if not can_transition(provider.verification_status, V.REJECTED):
        raise IllegalTransition(details={"from": provider.verification_status, "to": V.REJECTED})
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise ReasonRequired(details={"max_length": MAX_REASON_LENGTH})
    _move(
        actor=actor,
        provider=provider,
        to_status=V.REJECTED,
        reason=reason,
        extra={"rejection_reason": reason, "verified_at": None, "verified_by": None},
    )
    _notify(
        provider,
        "provider.rejected",
        _("Verification rejected"),
        _("Your practice institution did not verify your profile. Reason: {reason}"),
        {"reason": reason},
    )
    return provider


# --- certificate expiry ---------------------------------------------------------------


@dataclass
class ExpirySweep:
    certificates_expired: int = 0
    providers_to_reverify: list[int] = field(default_factory=list)


@transaction.atomic
def expire_certificates(*, today: dt.date | None = None) -> ExpirySweep:
    """Mark certificates past their expiry date as expired; send verified providers whose
    required credential lapsed (and who hold no other valid one) to re-verification.

    Idempotent: a second run on the same day finds nothing to do.
    """
    today = today or clock.today()
    result = ExpirySweep()
    due = list(
        Certificate.objects.select_for_update()
        .filter(status=CertificateStatus.VALID, expires_on__lt=today)
        .order_by("id")
    )
    if not due:
        return result
    Certificate.objects.filter(pk__in=[c.pk for c in due]).update(
        status=CertificateStatus.EXPIRED, updated_at=clock.now()
    )
    result.certificates_expired = len(due)
    audit.record(
        actor=None,
        action="certificate.expire_batch",
        object_type="certificate",
        object_id="batch",
        changed_fields=["status"],
        details={"count": len(due), "on": today.isoformat(), "ids": [c.pk for c in due]},
    )
    kinds = dict(
        Provider.objects.filter(pk__in={c.provider_id for c in due}).values_list("pk", "kind")
    )
    provider_ids = sorted(
        {c.provider_id for c in due if REQUIRED_CERTIFICATE.get(kinds[c.provider_id]) == c.kind}
    )
    for provider in (
        Provider.objects.select_for_update()
        .select_related("user")
        .filter(pk__in=provider_ids, verification_status=V.VERIFIED)
        .order_by("id")
    ):
        if _required_credential(provider, today)[1] != "lapsed":
            continue
        _move(
            actor=None,
            provider=provider,
            to_status=V.REVERIFICATION_REQUIRED,
            reason=REASON_CERTIFICATE_EXPIRED,
        )
        result.providers_to_reverify.append(provider.pk)
        _notify(
            provider,
            "provider.reverification_required",
            _("Please renew your certificate"),
            _(
                "A required certificate has expired. Add the renewed certificate and submit "
                "your profile for verification again."
            ),
        )
    return result
