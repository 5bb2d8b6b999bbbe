"""The double-entry ledger (ADR 0021). Entries and lines are immutable: the database
refuses an UPDATE of either (and a DELETE on PostgreSQL); a correction is a reversal."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .enums import (
    AccountKind,
    AccountType,
    Channel,
    ChargePurpose,
    ChargeStatus,
    ClaimStatus,
    EntryEvent,
)


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
    purpose = models.CharField(
        max_length=8,
        choices=ChargePurpose.choices,
        default=ChargePurpose.ORDER,
        help_text="What it pays: the order, or the patient's debt of refused shares (ADR 0033).",
    )
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


# --- payers and claims (ADR 0023) -----------------------------------------------------


class PayerRule(models.Model):
    """One version of one payer scheme's rule in one region (ADR 0023).

    The rule in force for an elder is the one of the nearest region on the path from the
    elder's community up to the province whose ``[effective_from, effective_to)`` holds the
    day; publishing a new version closes the open one (``payer_rules.publish_rule``)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField(
        max_length=24, help_text="people.InsuranceScheme code, e.g. 'long_term_care'."
    )
    version = models.CharField(max_length=32, help_text="The payer's name of this version.")
    name_zh = models.CharField(max_length=64, help_text="The payer's name in Chinese.")
    name_en = models.CharField(max_length=96, help_text="The payer's name in English.")
    effective_from = models.DateField()
    effective_to = models.DateField(
        null=True, blank=True, help_text="First day no longer in force (exclusive); empty = open."
    )
    eligible = models.JSONField(
        default=list, blank=True, help_text="Item codes or catalogue groups; empty = every item."
    )
    coverage_bp = models.PositiveIntegerField(
        default=0, help_text="Share covered, basis points (10000 = all)."
    )
    deductible_fen = models.PositiveBigIntegerField(default=0, help_text="Annual deductible, fen.")
    annual_cap_fen = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Most the scheme pays per elder per year, fen."
    )
    ltc_bp_by_level = models.JSONField(
        default=dict, blank=True, help_text="LTC: disability level -> share, basis points."
    )
    ltc_monthly_quota_fen = models.JSONField(
        default=dict, blank=True, help_text="LTC: disability level -> monthly quota, fen."
    )
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Subsidy: only elders of this age (years) or older."
    )
    low_income_only = models.BooleanField(
        default=False, help_text="Subsidy: only elders certified low-income."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["region_id", "scheme", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "scheme", "effective_from"], name="payer_rule_version"
            ),
            models.CheckConstraint(
                condition=models.Q(coverage_bp__lte=10000), name="payer_rule_coverage_bp"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.version}"


class PayerSplit(models.Model):
    """The payer split locked with an order when it was placed: which rule versions
    applied and the deductible the order consumed (its shares are ``PayerShare`` rows)."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    service_date = models.DateField(help_text="Local date of the first visit.")
    total_fen = models.PositiveBigIntegerField(help_text="The order's locked total, fen.")
    rules = models.JSONField(
        default=list, help_text="[{scheme, version, region}] of the rules that applied."
    )
    deductible_fen = models.JSONField(
        default=dict, help_text="Scheme -> deductible the order consumed, fen."
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["elder", "service_date"])]

    def __str__(self) -> str:
        return f"payer split of order {self.order_id}"


class PayerShare(models.Model):
    """One payer's locked share of one visit's price (``self_pay`` is the patient's).

    ``released_at`` is set when the visit will not be delivered (its shares were reversed);
    ``rejected_fen`` is the part a payer refused on its claim (moved to the patient)."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey("orders.Visit", on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    payer = models.CharField(max_length=24, help_text="Scheme code or 'self_pay'.")
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The region of the payer's rule (empty for self-pay).",
    )
    account_code = models.CharField(max_length=96, help_text="The ledger account debited.")
    rule = models.ForeignKey(
        PayerRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=24, help_text="Why (coverage, ltc_level_3, ...).")
    amount_fen = models.PositiveBigIntegerField(help_text="Locked share, fen.")
    service_date = models.DateField(help_text="Local date of the visit.")
    released_at = models.DateTimeField(null=True, blank=True)
    rejected_fen = models.PositiveBigIntegerField(
        default=0, help_text="Refused by the payer on its claim and owed by the patient, fen."
    )

    class Meta:
        ordering = ["visit_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "payer"], name="payer_share_one_per_payer")
        ]
        indexes = [models.Index(fields=["elder", "payer", "service_date"])]

    def __str__(self) -> str:
        return f"{self.payer} {self.amount_fen} of visit {self.visit_id}"


class Claim(models.Model):
    """A batch claim of one institution to one payer (scheme and region) for the payer
    shares of visits delivered in one month (ADR 0023 addendum)."""

    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="+"
    )
    payer = models.CharField(max_length=24, help_text="Scheme code.")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    account_code = models.CharField(max_length=96, help_text="The payer's receivable account.")
    period = models.CharField(max_length=7, help_text="Service month, YYYY-MM.")
    status = models.CharField(
        max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED, db_index=True
    )
    claimed_fen = models.PositiveBigIntegerField(help_text="Sum of the lines, fen.")
    approved_fen = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="What the payer accepted, fen."
    )
    paid_fen = models.PositiveBigIntegerField(default=0, help_text="Received from the payer, fen.")
    reason = models.TextField(blank=True, help_text="The payer's reason (rejection, part).")
    paid_reference = models.CharField(max_length=64, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["institution", "period"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The batch number printed on the export."""
        return f"CLM{self.pk:08d}"


class ClaimLine(models.Model):
    """One visit's payer share on a claim (a share is claimed at most once)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    share = models.OneToOneField(PayerShare, on_delete=models.PROTECT, related_name="claim_line")
    amount_fen = models.PositiveBigIntegerField(help_text="Claimed, fen.")
    approved_fen = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Accepted by the payer, fen."
    )
    reason = models.CharField(
        max_length=500, blank=True, help_text="Why the payer refused (part of) this line."
    )

    class Meta:
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        return f"line {self.pk} of claim {self.claim_id}"


class ClaimEvent(models.Model):
    """Every move of a claim: who, when, from, to, and the entry it posted."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    amount_fen = models.BigIntegerField(default=0, help_text="Approved, refused or paid, fen.")
    reason = models.TextField(blank=True)
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["claim_id", "at", "id"]

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.from_status} -> {self.to_status}"
