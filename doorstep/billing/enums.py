"""Choices of the billing app: account types and the business events that post entries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """The accounting class; decides the normal side of the balance (journal.DEBIT_NORMAL)."""

    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")
    EQUITY = "equity", _("Equity")


class AccountType(models.TextChoices):
    """What an account is for; each type has one kind (``KIND_OF``)."""

    PATIENT = "patient", _("Patient receivable")
    PAYER = "payer", _("Payer receivable")
    DEFERRED = "deferred", _("Services not yet delivered")
    INSTITUTION = "institution", _("Institution payable")
    PROVIDER = "provider", _("Provider payable")
    PLATFORM = "platform", _("Platform revenue")
    REFUNDS = "refunds", _("Refunds payable")
    CLEARING = "clearing", _("Payment channel clearing")


KIND_OF: dict[str, str] = {
    AccountType.PATIENT: AccountKind.ASSET,
    AccountType.PAYER: AccountKind.ASSET,
    AccountType.DEFERRED: AccountKind.LIABILITY,
    AccountType.INSTITUTION: AccountKind.LIABILITY,
    AccountType.PROVIDER: AccountKind.LIABILITY,
    AccountType.PLATFORM: AccountKind.REVENUE,
    AccountType.REFUNDS: AccountKind.LIABILITY,
    AccountType.CLEARING: AccountKind.ASSET,
}


class EntryEvent(models.TextChoices):
    """The business events that post journal entries (issue 5, item 1)."""

    ORDER_PLACED = "order_placed", _("Quote accepted")
    PAYMENT_CAPTURED = "payment_captured", _("Payment captured")
    VISIT_COMPLETED = "visit_completed", _("Visit completed")
    VISIT_CANCELLED = "visit_cancelled", _("Visit not delivered")
    CANCELLATION_FEE = "cancellation_fee", _("Cancellation fee")
    REFUND = "refund", _("Refund")
    PAYOUT = "payout", _("Payout")
    CLAIM_PAID = "claim_paid", _("Claim paid")
    CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
    DEBT_PAID = "debt_paid", _("Refused share paid")
    ADJUSTMENT = "adjustment", _("Manual adjustment")
    REVERSAL = "reversal", _("Reversal")


class Channel(models.TextChoices):
    """How a payment is made: at the door (recorded by the provider or staff) or online
    through a gateway (the built-in sandbox behaves like a mobile-payment provider)."""

    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    POS = "pos", _("POS terminal")
    INSURANCE_CARD = "ins_card", _("Medical insurance card")
    SANDBOX = "sandbox", _("Online (sandbox gateway)")


#: Channels captured at once (money changed hands at the door); the rest wait for the
#: gateway's signed notification.
DOOR_CHANNELS = frozenset({Channel.CASH, Channel.CARD, Channel.POS, Channel.INSURANCE_CARD})


class ChargePurpose(models.TextChoices):
    """What a charge pays (ADR 0033): the order (its self-pay share, through the visit
    loop) or the patient's debt from payer shares an insurer refused on its claim."""

    ORDER = "order", _("Order payment")
    DEBT = "debt", _("Share refused by the insurer")


class ChargeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the payment")
    CAPTURED = "captured", _("Paid")
    FAILED = "failed", _("Payment failed")


class ClaimStatus(models.TextChoices):
    """A claim to one payer (ADR 0023 addendum): submitted by the institution, decided by
    the payer's officer, then paid."""

    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly_approved", _("Partly approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


#: The allowed moves of a claim; anything else is refused with ``claim_transition`` (409).
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.SUBMITTED: frozenset(
        {ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED, ClaimStatus.REJECTED}
    ),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.PARTLY_APPROVED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.REJECTED: frozenset(),
    ClaimStatus.PAID: frozenset(),
}


def claim_may(src: str, dst: str) -> bool:
    return dst in CLAIM_TRANSITIONS.get(src, frozenset())


class IncentiveReason(models.TextChoices):
    """Why a provider earned a contract incentive on a visit (ADR 0024); the values are
    ``billing.split.REASONS``."""

    NIGHT = "night", _("Night visit")
    RURAL = "rural", _("Rural area")
    DIFFICULT = "difficult", _("Difficult item")
