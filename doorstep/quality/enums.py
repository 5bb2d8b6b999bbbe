"""Choices of the quality app and the complaint state machine (ADR 0014)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BlacklistStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LIFTED = "lifted", _("Lifted")


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    SUSPENSION = "suspension", _("Suspension")
    REMOVAL = "removal", _("Removal")


#: Sanctions that stop a provider from being assigned or taking pool orders.
BLOCKING_SANCTIONS = frozenset({SanctionKind.SUSPENSION, SanctionKind.REMOVAL})


class SanctionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LIFTED = "lifted", _("Lifted")


class ComplaintCategory(models.TextChoices):
    PUNCTUALITY = "punctuality", _("Punctuality")
    ATTITUDE = "attitude", _("Attitude")
    SKILL = "skill", _("Skill")
    SAFETY = "safety", _("Safety")
    BILLING = "billing", _("Billing")
    PRIVACY = "privacy", _("Privacy")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    ESCALATED = "escalated", _("Escalated")


_C = ComplaintStatus

#: Allowed complaint transitions; anything else is 409 ``illegal_transition``.
#: An escalated complaint is still handled (taken, resolved, rejected) by the institution.
COMPLAINT_TRANSITIONS: dict[str, frozenset[str]] = {
    _C.OPEN: frozenset({_C.IN_PROGRESS, _C.RESOLVED, _C.REJECTED, _C.ESCALATED}),
    _C.IN_PROGRESS: frozenset({_C.RESOLVED, _C.REJECTED, _C.ESCALATED}),
    _C.ESCALATED: frozenset({_C.IN_PROGRESS, _C.RESOLVED, _C.REJECTED}),
    _C.RESOLVED: frozenset(),
    _C.REJECTED: frozenset(),
}
#: Complaints still waiting for an outcome (the deadline applies to them).
PENDING_COMPLAINT_STATUSES = frozenset({_C.OPEN, _C.IN_PROGRESS})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in COMPLAINT_TRANSITIONS.get(from_status, frozenset())


class ReviewTrigger(models.TextChoices):
    LOW_RATING = "low_rating", _("Low rating")
    COMPLAINT = "complaint", _("Complaint")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReviewOutcome(models.TextChoices):
    NO_ACTION = "no_action", _("No action needed")
    COACHING = "coaching", _("Coaching or retraining")
    SANCTIONED = "sanctioned", _("Provider sanctioned")
