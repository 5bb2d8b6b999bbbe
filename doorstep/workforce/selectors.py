"""Reads of the workforce app, and the adapter from rows to the pure eligibility core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from doorstep.accounts.policy import Actor

from . import eligibility
from .access import providers_for
from .enums import LICENSED_KINDS, CertificateKind, NurseTitle, ProviderKind, VerificationStatus
from .errors import UnknownPreset
from .models import Certificate, Provider, VerificationEvent


def provider_list(
    *,
    actor: Actor,
    kind: str | None = None,
    status: str | None = None,
    institution_id: int | None = None,
    q: str | None = None,
) -> QuerySet[Provider]:
    """Providers the actor may see, filtered; ``q`` matches name, username or licence."""
    qs = providers_for(actor, "view").select_related("user", "institution")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(verification_status=status)
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    if q and q.strip():
        term = q.strip()
        qs = qs.filter(
            Q(user__display_name__icontains=term)
            | Q(user__username__icontains=term)
            | Q(licence_number__iexact=term)
        )
    return qs.order_by("id")


def certificates_of(provider: Provider) -> QuerySet[Certificate]:
    return Certificate.objects.filter(provider=provider).order_by("kind", "id")


def history_of(provider: Provider) -> QuerySet[VerificationEvent]:
    return VerificationEvent.objects.filter(provider=provider).select_related("actor")


def provider_facts(
    provider: Provider, certificates: list[Certificate] | None = None
) -> eligibility.ProviderFacts:
    """The facts the eligibility core needs, from a provider row and its certificates."""
    certs = certificates if certificates is not None else list(certificates_of(provider))
    return eligibility.ProviderFacts(
        kind=provider.kind,
        verification_status=provider.verification_status,
        licence_number=provider.licence_number,
        title=provider.title or "",
        practice_start_date=provider.practice_start_date,
        certificates=tuple(
            eligibility.CertificateFacts(kind=c.kind, status=c.status, expires_on=c.expires_on)
            for c in certs
        ),
        is_active=provider.is_active,
    )


def requirement(preset: str) -> eligibility.Requirement:
    try:
        return eligibility.PRESETS[preset]
    except KeyError:
        raise UnknownPreset(
            details={"preset": preset, "known": sorted(eligibility.PRESETS)}
        ) from None


def check_eligibility(*, provider: Provider, preset: str, on: dt.date) -> eligibility.Decision:
    return eligibility.check(provider_facts(provider), requirement(preset), on)


def code_label(code: str) -> str:
    """The display label, in the active language, of a kind, title or certificate code."""
    for choices in (ProviderKind, NurseTitle, CertificateKind):
        if code in choices.values:
            return str(choices(code).label)
    return code


def reason_text(reason: eligibility.Reason, translate: Callable[[str], str] = gettext) -> str:
    return reason.text(translate, code_label)


def verified_without_licence() -> QuerySet[Provider]:
    """Invariant check (``check_invariants``): verified nurses or doctors with no licence.

    The database constraint ``provider_verified_needs_licence`` already forbids them; this
    is the read the invariant command reports from, e.g. after bulk seeding."""
    return Provider.objects.filter(
        verification_status=VerificationStatus.VERIFIED,
        kind__in=sorted(LICENSED_KINDS),
    ).filter(Q(licence_number__isnull=True) | Q(licence_number=""))
