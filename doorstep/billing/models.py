"""The double-entry ledger (ADR 0021). Entries and lines are immutable: the database
refuses an UPDATE of either (and a DELETE on PostgreSQL); a correction is a reversal."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .enums import AccountKind, AccountType, Channel, ChargeStatus, EntryEvent


class Account(models.Model):
    """One ledger account. ``balance_fen`` is the running sum of its lines (debit
    positive), kept by the posting service in the same transaction as the lines and
    cross-checked by ``manage.py check_ledger``."""

    code = models.CharField(
        max_length=96, unique=True, help_text="Stable name, e.g. 'provider:12' or 'platform'."
    )
    type = models.CharField(max_length=16, choices=AccountType.choices)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    institution = models.ForeignKey(
        "organizations.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The tenant the account belongs to (empty for platform-wide accounts).",
    )
    owner_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Elder, provider or institution id by type."
    )
    name = models.CharField(max_length=128, blank=True)
    balance_fen = models.BigIntegerField(default=0, help_text="Debit-positive balance, fen.")
    currency = models.CharField(max_length=3, default="CNY")
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["type", "owner_id"])]

    def __str__(self) -> str:
        return self.code


class JournalEntry(models.Model):
    """One balanced movement of money, posted once for one business event.

    ``(event, key)`` is unique: posting the same event for the same business object twice
    returns the first entry (the services use it as their idempotency key)."""

    event = models.CharField(max_length=24, choices=EntryEvent.choices)
    key = models.CharField(max_length=128, help_text="Business reference, e.g. 'payment:42'.")
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for entries posted by the system (a task, a gateway callback).",
    )
    institution = models.ForeignKey(
        "organizations.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    order_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    memo = models.CharField(max_length=256, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="The entry this one undoes (an entry is reversed at most once).",
    )

    class Meta:
        ordering = ["posted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "key"], name="journal_entry_event_key")
        ]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.event} {self.key}"


class JournalLine(models.Model):
    """Debit (positive) or credit (negative) of one account within one entry."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    amount_fen = models.BigIntegerField(help_text="Debit positive, credit negative, fen.")

    class Meta:
        ordering = ["entry_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_fen=0), name="journal_line_nonzero"),
            models.UniqueConstraint(
                fields=["entry", "account"], name="journal_line_one_per_account"
            ),
        ]
        indexes = [models.Index(fields=["account", "entry"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen:+d}"


class Charge(models.Model):
    """One payment request for an order, unique by its idempotency key (ADR 0022).

    ``fingerprint`` is a hash of what was asked (order, channel, amount, who, receipt): the
    same key with the same request returns this charge; with another request it is refused.
    Door channels are captured at once; online ones when the gateway's signed notification
    says so."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="+"
    )
    amount_fen = models.PositiveBigIntegerField(help_text="Amount asked, fen.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(
        max_length=16, choices=ChargeStatus.choices, default=ChargeStatus.PENDING
    )
    receipt_no = models.CharField(max_length=64, blank=True)
    gateway_txn = models.CharField(max_length=64, blank=True, db_index=True)
    order_payment_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The order's payment row written at capture."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    captured_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"charge {self.pk} {self.status}"

    @property
    def trade_no(self) -> str:
        """Our reference at the gateway (``out_trade_no``)."""
        return f"DS{self.pk:010d}"


class Refund(models.Model):
    """Money paid back on a charge (full or partial), unique by its idempotency key; the
    refunds of a charge never add up to more than it captured, nor to more than the order's
    money held for the patient after its cancellations (ADR 0022)."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.PositiveBigIntegerField(help_text="Refunded, fen.")
    reason = models.CharField(max_length=256)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"refund {self.pk} of charge {self.charge_id}"


class Payout(models.Model):
    """Money paid out of a provider's or an institution's payable (settlement), unique by
    its idempotency key; never more than the payable holds."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payouts")
    amount_fen = models.PositiveBigIntegerField(help_text="Paid out, fen.")
    reference = models.CharField(max_length=64, blank=True, help_text="Bank transfer reference.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"payout {self.pk} from {self.account_id}"
