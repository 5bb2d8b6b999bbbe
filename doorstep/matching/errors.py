"""Stable error codes of the matching app (ADR 0020, docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, ValidationFailed


class NotAwaitingDispatch(Conflict):
    default_code = "not_awaiting_dispatch"
    default_message = _("This visit is not waiting for a provider.")


class OfferPending(Conflict):
    default_code = "offer_pending"
    default_message = _("This visit is already offered to a provider; wait for the answer.")


class OfferClosed(Conflict):
    default_code = "offer_closed"
    default_message = _("This offer has already been answered or withdrawn.")


class OfferExpired(Conflict):
    default_code = "offer_expired"
    default_message = _("This offer has timed out.")


class NoEligibleProvider(Conflict):
    default_code = "no_eligible_provider"
    default_message = _("No eligible provider is free for this visit.")


class AlreadyExcluded(Conflict):
    default_code = "already_excluded"
    default_message = _("This provider is already excluded for this elder.")


class ExclusionRevoked(Conflict):
    default_code = "exclusion_revoked"
    default_message = _("This exclusion has already been revoked.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give a reason.")


class BadDeclineReason(ValidationFailed):
    default_code = "bad_decline_reason"
    default_message = _("Choose one of the listed reasons for declining.")
