"""Providers, their certificates, the verification workflow and eligibility (/api/v1/).

Handlers only parse, look up through ``access``/``selectors``, call ``services`` and render.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from doorstep.accounts.enums import INSTITUTION_STAFF, Role
from doorstep.accounts.models import User
from doorstep.accounts.policy import Actor
from doorstep.core import clock, geo
from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import Forbidden, NotFound
from doorstep.organizations.models import Institution
from doorstep.regions.models import Region

from . import selectors, services
from .access import access_provider
from .enums import TITLE_RANK, TransportMode
from .models import Certificate, Provider, VerificationEvent

router = Router(tags=["workforce"])


# --- schemas --------------------------------------------------------------------------


def _sees_exact_home(actor: Actor, provider: Provider) -> bool:
    return (
        actor.is_platform_admin
        or actor.user_id == provider.user_id
        or provider.institution_id in actor.institution_ids(*INSTITUTION_STAFF)
    )


class ProviderOut(Schema):
    id: int
    user_id: int
    display_name: str
    kind: str
    kind_label: str
    institution_id: int | None
    institution_name: str | None
    licence_number: str | None
    title: str
    title_label: str
    title_rank: int
    practice_start_date: dt.date | None
    years_of_practice: int
    specialties: list[str]
    languages: list[str]
    home_lat: float | None
    home_lng: float | None
    home_region_id: int | None
    service_radius_km: float
    transport_mode: str
    verification_status: str
    verification_status_label: str
    verified_at: dt.datetime | None
    verified_by_id: int | None
    rejection_reason: str
    is_active: bool

    @staticmethod
    def resolve_display_name(obj: Provider) -> str:
        return obj.user.display_name or obj.user.username

    @staticmethod
    def resolve_kind_label(obj: Provider) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_institution_name(obj: Provider) -> str | None:
        return obj.institution.name if obj.institution_id and obj.institution else None

    @staticmethod
    def resolve_title_label(obj: Provider) -> str:
        return str(obj.get_title_display()) if obj.title else ""

    @staticmethod
    def resolve_title_rank(obj: Provider) -> int:
        return TITLE_RANK.get(obj.title or "", 0)

    @staticmethod
    def resolve_years_of_practice(obj: Provider) -> int:
        return obj.years_of_practice(clock.today())

    @staticmethod
    def resolve_verification_status_label(obj: Provider) -> str:
        return str(obj.get_verification_status_display())

    @staticmethod
    def resolve_home_lat(obj: Provider, context: Any) -> float | None:
        if obj.home_lat is None or obj.home_lng is None:
            return None
        if _sees_exact_home(actor_of(context["request"]), obj):
            return obj.home_lat
        return geo.approximate(obj.home_lat, obj.home_lng)[0]

    @staticmethod
    def resolve_home_lng(obj: Provider, context: Any) -> float | None:
        if obj.home_lat is None or obj.home_lng is None:
            return None
        if _sees_exact_home(actor_of(context["request"]), obj):
            return obj.home_lng
        return geo.approximate(obj.home_lat, obj.home_lng)[1]


class ProviderFilter(Schema):
    kind: str | None = None
    status: str | None = None
    institution: int | None = None
    q: str | None = None


class ProviderIn(Schema):
    user_id: int
    kind: str
    institution_id: int | None = None
    licence_number: str | None = None
    title: str = ""
    practice_start_date: dt.date | None = None
    specialties: list[str] = []
    languages: list[str] = []
    home_lat: float | None = None
    home_lng: float | None = None
    home_region_id: int | None = None
    service_radius_km: float = 5.0
    transport_mode: str = TransportMode.E_BIKE.value

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "user_id": 42,
                    "kind": "nurse",
                    "institution_id": 1,
                    "licence_number": "202033000123",
                    "title": "senior_nurse",
                    "practice_start_date": "2016-07-01",
                    "specialties": ["wound_care"],
                    "languages": ["zh", "wuu"],
                    "home_lat": 29.86,
                    "home_lng": 121.54,
                    "service_radius_km": 5,
                    "transport_mode": "e_bike",
                }
            ]
        }
    }


class ProviderPatch(Schema):
    kind: str | None = None
    institution_id: int | None = None
    licence_number: str | None = None
    title: str | None = None
    practice_start_date: dt.date | None = None
    specialties: list[str] | None = None
    languages: list[str] | None = None
    home_lat: float | None = None
    home_lng: float | None = None
    home_region_id: int | None = None
    service_radius_km: float | None = None
    transport_mode: str | None = None
    is_active: bool | None = None


class CertificateIn(Schema):
    kind: str
    number: str = ""
    issuer: str = ""
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "specialist_picc",
                    "number": "ZJ-PICC-2023-0042",
                    "issuer": "Zhejiang Nursing Association",
                    "issued_on": "2023-05-01",
                    "expires_on": "2027-04-30",
                }
            ]
        }
    }


class CertificateOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    issuer: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    status: str
    status_label: str

    @staticmethod
    def resolve_kind_label(obj: Certificate) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Certificate) -> str:
        return str(obj.get_status_display())


class RejectIn(Schema):
    reason: str

    model_config = {"json_schema_extra": {"examples": [{"reason": "Licence number not found."}]}}


class EventOut(Schema):
    id: int
    from_status: str
    to_status: str
    actor_id: int | None
    actor_name: str
    at: dt.datetime
    reason: str
    reason_text: str

    @staticmethod
    def resolve_actor_name(obj: VerificationEvent) -> str:
        if obj.actor is None:
            return gettext("System")
        return obj.actor.display_name or obj.actor.username

    @staticmethod
    def resolve_reason_text(obj: VerificationEvent) -> str:
        system = services.SYSTEM_REASONS.get(obj.reason)
        return str(system) if system is not None else obj.reason


class ReasonOut(Schema):
    code: str
    message: str


class DecisionOut(Schema):
    provider_id: int
    preset: str
    on: dt.date
    allowed: bool
    reasons: list[ReasonOut]


class EligibilityQuery(Schema):
    preset: str = "clinical_nursing"
    on: dt.date | None = None


# --- helpers --------------------------------------------------------------------------


def _institution(institution_id: int | None) -> Institution | None:
    if institution_id is None:
        return None
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise NotFound(details={"institution_id": institution_id})
    return institution


def _region(region_id: int | None) -> Region | None:
    if region_id is None:
        return None
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise NotFound(details={"home_region_id": region_id})
    return region


def _target_user(actor: Actor, user_id: int) -> User:
    """The user to register: oneself, or (for admins) another user; no existence oracle."""
    if user_id == actor.user_id:
        return actor.user  # type: ignore[no-any-return]
    if not (actor.is_platform_admin or actor.has(Role.INSTITUTION_ADMIN)):
        raise Forbidden()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(details={"user_id": user_id})
    return user


def _reload(actor: Actor, provider: Provider) -> Provider:
    return access_provider(actor=actor, provider_id=provider.pk)


# --- routes ---------------------------------------------------------------------------


@router.get("/providers", response={200: list[ProviderOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_providers(request: HttpRequest, filters: Query[ProviderFilter]):  # type: ignore[no-untyped-def]
    """Providers the caller may see; filter by kind, verification status, institution and
    ``q`` (name, username or exact licence number)."""
    actor = actor_of(request)
    return selectors.provider_list(
        actor=actor,
        kind=filters.kind,
        status=filters.status,
        institution_id=filters.institution,
        q=filters.q,
    )


@router.post("/providers", response={201: ProviderOut, **ERRORS})
def create_provider(request: HttpRequest, payload: ProviderIn) -> Status[Provider]:
    """Register a provider as a draft: institution admins for their institution, platform
    admins for any, anyone for themselves."""
    actor = actor_of(request)
    user = _target_user(actor, payload.user_id)
    provider = services.register_provider(
        actor=actor,
        user=user,
        kind=payload.kind,
        institution=_institution(payload.institution_id),
        licence_number=payload.licence_number,
        title=payload.title,
        practice_start_date=payload.practice_start_date,
        specialties=payload.specialties,
        languages=payload.languages,
        home_lat=payload.home_lat,
        home_lng=payload.home_lng,
        home_region=_region(payload.home_region_id),
        service_radius_km=payload.service_radius_km,
        transport_mode=payload.transport_mode,
    )
    return Status(201, _reload(actor, provider))


@router.get("/providers/{provider_id}", response={200: ProviderOut, **ERRORS})
def get_provider(request: HttpRequest, provider_id: int) -> Provider:
    return access_provider(actor=actor_of(request), provider_id=provider_id)


@router.patch("/providers/{provider_id}", response={200: ProviderOut, **ERRORS})
def update_provider(request: HttpRequest, provider_id: int, payload: ProviderPatch) -> Provider:
    """Change profile or credential fields (see ``services.update_provider`` for who may)."""
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    if "institution_id" in changes:
        changes["institution"] = _institution(changes.pop("institution_id"))
    if "home_region_id" in changes:
        changes["home_region"] = _region(changes.pop("home_region_id"))
    services.update_provider(actor=actor, provider=provider, changes=changes)
    return _reload(actor, provider)


@router.get("/providers/{provider_id}/certificates", response={200: list[CertificateOut], **ERRORS})
def list_certificates(request: HttpRequest, provider_id: int) -> list[Certificate]:
    provider = access_provider(actor=actor_of(request), provider_id=provider_id)
    return list(selectors.certificates_of(provider))


@router.post("/providers/{provider_id}/certificates", response={201: CertificateOut, **ERRORS})
def add_certificate(
    request: HttpRequest, provider_id: int, payload: CertificateIn
) -> Status[Certificate]:
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    cert = services.add_certificate(
        actor=actor,
        provider=provider,
        kind=payload.kind,
        number=payload.number,
        issuer=payload.issuer,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on,
    )
    return Status(201, cert)


@router.post("/providers/{provider_id}/submit", response={200: ProviderOut, **ERRORS})
def submit(request: HttpRequest, provider_id: int) -> Provider:
    """draft / rejected / reverification_required -> submitted."""
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    services.submit_for_verification(actor=actor, provider=provider)
    return _reload(actor, provider)


@router.post("/providers/{provider_id}/review", response={200: ProviderOut, **ERRORS})
def review(request: HttpRequest, provider_id: int) -> Provider:
    """submitted -> under_review (practice institution's admin or reviewer)."""
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    services.start_review(actor=actor, provider=provider)
    return _reload(actor, provider)


@router.post("/providers/{provider_id}/verify", response={200: ProviderOut, **ERRORS})
def verify(request: HttpRequest, provider_id: int) -> Provider:
    """under_review -> verified. Nurses and doctors need a licence number
    (422 ``licence_required``)."""
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    services.verify(actor=actor, provider=provider)
    return _reload(actor, provider)


@router.post("/providers/{provider_id}/reject", response={200: ProviderOut, **ERRORS})
def reject(request: HttpRequest, provider_id: int, payload: RejectIn) -> Provider:
    """under_review -> rejected, with the reason shown to the provider."""
    actor = actor_of(request)
    provider = access_provider(actor=actor, provider_id=provider_id)
    services.reject(actor=actor, provider=provider, reason=payload.reason)
    return _reload(actor, provider)


@router.get("/providers/{provider_id}/history", response={200: list[EventOut], **ERRORS})
def history(request: HttpRequest, provider_id: int) -> list[VerificationEvent]:
    """Every verification transition: who, when, from, to and why."""
    provider = access_provider(actor=actor_of(request), provider_id=provider_id)
    return list(selectors.history_of(provider))


@router.get("/providers/{provider_id}/eligibility", response={200: DecisionOut, **ERRORS})
def eligibility(
    request: HttpRequest, provider_id: int, query: Query[EligibilityQuery]
) -> DecisionOut:
    """May this provider perform services of ``preset`` on day ``on`` (default today)?
    Each failed rule is a reason with a stable code."""
    provider = access_provider(actor=actor_of(request), provider_id=provider_id)
    on = query.on or clock.today()
    decision = selectors.check_eligibility(provider=provider, preset=query.preset, on=on)
    return DecisionOut(
        provider_id=provider.pk,
        preset=query.preset,
        on=on,
        allowed=decision.allowed,
        reasons=[
            ReasonOut(code=r.code, message=selectors.reason_text(r)) for r in decision.reasons
        ],
    )
