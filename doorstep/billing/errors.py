"""Stable error codes of the billing app (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed


class UnbalancedEntry(ValidationFailed):
    default_code = "unbalanced_entry"
    default_message = _("The lines of this entry do not add up to zero.")


class KeyReused(Conflict):
    default_code = "ledger_key_reused"
    default_message = _("This reference was already posted with different amounts.")


class InsufficientBalance(Conflict):
    default_code = "insufficient_balance"
    default_message = _("The account does not hold enough money for this.")


class AlreadyReversed(Conflict):
    default_code = "already_reversed"
    default_message = _("This entry has already been reversed.")


class ReversalNotReversible(Conflict):
    default_code = "reversal_not_reversible"
    default_message = _("A reversal cannot itself be reversed; post a new entry instead.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give a reason.")


class IdempotencyKeyReused(Conflict):
    default_code = "idempotency_key_reused"
    default_message = _("This idempotency key was already used for a different payment request.")


class InvalidIdempotencyKey(ValidationFailed):
    default_code = "invalid_idempotency_key"
    default_message = _(
        "Send an Idempotency-Key header of 8 to 64 letters, digits, '-', '_', ':' or '.'."
    )


class InvalidChannel(ValidationFailed):
    default_code = "invalid_channel"
    default_message = _("This payment channel is not available.")


class ReceiptRequired(ValidationFailed):
    default_code = "receipt_required"
    default_message = _("Enter the receipt number from the terminal or the insurance card.")


class AmountMismatch(ValidationFailed):
    default_code = "amount_mismatch"
    default_message = _("The amount does not match what is due for this order.")


class NotificationRefused(ApplicationError):
    status = 400
    default_code = "notification_refused"
    default_message = _("The payment notification was refused.")


class SandboxDisabled(NotFound):
    default_code = "not_found"


class RefundExceedsPaid(Conflict):
    default_code = "refund_exceeds_paid"
    default_message = _("This is more than was paid and can be given back.")


class NotRefundable(Conflict):
    default_code = "not_refundable"
    default_message = _("Only a captured payment can be refunded.")


class InvalidAmount(ValidationFailed):
    default_code = "invalid_amount"
    default_message = _("Enter an amount greater than zero.")


class InvalidPayee(ValidationFailed):
    default_code = "invalid_payee"
    default_message = _("Payouts go to a provider's or an institution's account.")


class InvalidMonth(ValidationFailed):
    default_code = "invalid_month"
    default_message = _("Give the month as YYYY-MM.")


class PeriodNotClosed(Conflict):
    default_code = "period_not_closed"
    default_message = _("Payouts are run for a month that has ended.")


class ClaimTransition(Conflict):
    default_code = "claim_transition"
    default_message = _("The claim cannot move to this status from its current one.")


class NothingToClaim(Conflict):
    default_code = "nothing_to_claim"
    default_message = _("There are no delivered visits with a payer share left to claim.")


class InvalidApprovedAmount(ValidationFailed):
    default_code = "invalid_approved_amount"
    default_message = _("A partly approved amount must be more than zero and less than claimed.")


class InvalidLineDecision(ValidationFailed):
    default_code = "invalid_line_decision"
    default_message = _(
        "Each decided line must be a line of this claim, once, with an approved amount "
        "from 0 to less than claimed."
    )


class InvalidPayerRule(ValidationFailed):
    default_code = "invalid_payer_rule"
    default_message = _("The payer rule is not valid.")


class PayerRuleBackdated(ValidationFailed):
    default_code = "payer_rule_backdated"
    default_message = _("A new rule version starts today or later, never in the past.")


class InvalidExportFormat(ValidationFailed):
    default_code = "invalid_export_format"
    default_message = _("Choose csv or xlsx.")


class InvalidPeriod(ValidationFailed):
    default_code = "invalid_period"
    default_message = _("Give the period as a start and an end date (YYYY-MM-DD), at most a year.")


class InvalidFormat(ValidationFailed):
    default_code = "invalid_format"
    default_message = _("Ask for the format json, pdf or xlsx.")


class ReceiptNotAvailable(Conflict):
    default_code = "receipt_not_available"
    default_message = _("There is a receipt once the payment has gone through.")


class NoDebtOwed(Conflict):
    default_code = "no_debt_owed"
    default_message = _("Nothing is owed on this order for shares an insurer refused.")


class DebtPaymentPending(Conflict):
    default_code = "debt_payment_pending"
    default_message = _(
        "An online payment of this debt is still waiting for the payment provider. "
        "Finish it or wait for its answer before paying again."
    )
