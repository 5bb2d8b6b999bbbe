"""Stable error codes of the billing app (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, ValidationFailed


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
