"""Small set-up helpers for workforce tests."""

from __future__ import annotations

import datetime as dt

from doorstep.workforce.enums import CertificateKind, CertificateStatus
from doorstep.workforce.models import Certificate, Provider

#: The day the tests live on (the ``today`` fixture freezes ``clock.today`` to it).
TODAY = dt.date(2026, 6, 15)


def licence(provider: Provider, expires_on: dt.date | None) -> Certificate:
    return Certificate.objects.create(
        provider=provider,
        kind=CertificateKind.PRACTISING_LICENCE,
        number=provider.licence_number or "",
        issued_on=dt.date(2021, 1, 1),
        expires_on=expires_on,
        status=CertificateStatus.VALID,
    )


def set_status(provider: Provider, status: str) -> Provider:
    """Put a fixture row straight into a status (test set-up only, not a transition)."""
    Provider.objects.filter(pk=provider.pk).update(verification_status=status)
    provider.refresh_from_db()
    return provider
