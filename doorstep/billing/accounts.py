"""Names of the ledger's accounts (ADR 0021): one function per account type, so every
service posts to the same account for the same owner. Accounts are opened on first use."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import AccountType


@dataclass(frozen=True, slots=True)
class Ref:
    """An account by its stable code, with what is needed to open it."""

    code: str
    type: str
    institution_id: int | None = None
    owner_id: int | None = None


def patient(elder_id: int) -> Ref:
    """What the elder (or whoever pays for them) owes; a credit balance is money held
    for them."""
    return Ref(f"patient:{elder_id}", AccountType.PATIENT, None, elder_id)


def payer(scheme: str, region_code: str | None = None) -> Ref:
    """What an insurer or subsidy scheme owes on claims: one account per scheme (its code)
    and region of the payer's rule (its administrative code), e.g. ``payer:long_term_care:620100``."""
    code = f"payer:{scheme}" if region_code is None else f"payer:{scheme}:{region_code}"
    return Ref(code, AccountType.PAYER)


def deferred(institution_id: int) -> Ref:
    """Services sold by the institution and not yet delivered (a contract liability)."""
    return Ref(f"deferred:{institution_id}", AccountType.DEFERRED, institution_id, institution_id)


def institution(institution_id: int) -> Ref:
    """What the platform owes the institution (its share of delivered visits)."""
    return Ref(
        f"institution:{institution_id}", AccountType.INSTITUTION, institution_id, institution_id
    )


def provider(provider_id: int, institution_id: int | None) -> Ref:
    """What is owed to a nurse or caregiver (their share of delivered visits)."""
    return Ref(f"provider:{provider_id}", AccountType.PROVIDER, institution_id, provider_id)


def platform() -> Ref:
    """The platform's fee revenue."""
    return Ref("platform", AccountType.PLATFORM)


def refunds() -> Ref:
    """Refunds decided and not yet paid back."""
    return Ref("refunds", AccountType.REFUNDS)


def clearing(channel: str) -> Ref:
    """Money in transit through a payment channel (cash box, POS, a gateway, the bank)."""
    return Ref(f"clearing:{channel}", AccountType.CLEARING)
