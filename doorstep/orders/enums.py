"""Order and visit choices, and the visit state machine (ADR 0013).

``TRANSITIONS`` is the one table every visit service checks: a move that is not listed is
an illegal transition (409 ``illegal_transition``) and changes nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    AWAITING_ASSESSMENT = "awaiting_assessment", _("Awaiting assessment")
    REJECTED = "rejected", _("Rejected")
    ACCEPTED = "accepted", _("Accepted")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    AWAITING_DISPATCH = "awaiting_dispatch", _("Awaiting dispatch")
    ASSIGNED = "assigned", _("Assigned")
    EN_ROUTE = "en_route", _("On the way")
    ARRIVED = "arrived", _("Arrived")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed")
    REVIEWED = "reviewed", _("Reviewed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Patient not at home")
    ABORTED = "aborted", _("Aborted for safety")
    RESCHEDULED = "rescheduled", _("Rescheduled")


S = VisitStatus

#: from-status -> the statuses a visit may move to. ``rescheduled`` is a pass-through
#: state: ``reschedule`` records X -> rescheduled -> awaiting_dispatch in one transaction,
#: so the history keeps both the old and the new window.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.AWAITING_ASSESSMENT, S.ACCEPTED, S.CANCELLED}),
    S.AWAITING_ASSESSMENT: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.AWAITING_PAYMENT, S.AWAITING_DISPATCH, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.AWAITING_DISPATCH, S.CANCELLED}),
    S.AWAITING_DISPATCH: frozenset({S.ASSIGNED, S.CANCELLED, S.RESCHEDULED}),
    # assigned -> awaiting_dispatch: the dispatcher takes the visit back (``unassign``).
    S.ASSIGNED: frozenset({S.EN_ROUTE, S.AWAITING_DISPATCH, S.CANCELLED, S.RESCHEDULED}),
    S.EN_ROUTE: frozenset({S.ARRIVED, S.CANCELLED, S.ABORTED, S.RESCHEDULED}),
    S.ARRIVED: frozenset({S.IN_SERVICE, S.NO_SHOW, S.ABORTED, S.CANCELLED}),
    S.IN_SERVICE: frozenset({S.COMPLETED, S.ABORTED}),
    S.COMPLETED: frozenset({S.REVIEWED}),
    S.RESCHEDULED: frozenset({S.AWAITING_DISPATCH}),
    S.REVIEWED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.ABORTED: frozenset(),
}

#: Visits that no longer move (``rescheduled`` is never at rest).
TERMINAL: frozenset[str] = frozenset({S.REVIEWED, S.REJECTED, S.CANCELLED, S.NO_SHOW, S.ABORTED})
#: Visits that hold a provider's time (overlap checks, invariants, record access).
HOLDING_PROVIDER: frozenset[str] = frozenset(
    {S.ASSIGNED, S.EN_ROUTE, S.ARRIVED, S.IN_SERVICE, S.COMPLETED, S.REVIEWED}
)
#: Before the provider sets off a cancellation is free; from ``en_route`` a fee applies.
FEE_FROM: frozenset[str] = frozenset({S.EN_ROUTE, S.ARRIVED})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


class OrderStatus(models.TextChoices):
    """An order's status is derived from its visits (``selectors.order_status``)."""

    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    APP = "app", _("App")
    PHONE = "phone", _("Phone")
    CARE_PLAN = "care_plan", _("Care plan")


class PaymentMode(models.TextChoices):
    PREPAY = "prepay", _("Pay before dispatch")
    AT_DOOR = "at_door", _("Pay at the door")


class Payer(models.TextChoices):
    SELF_PAY = "self_pay", _("Self pay")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    POS = "pos", _("POS terminal")
    INSURANCE_CARD = "ins_card", _("Medical insurance card")
    ONLINE = "online", _("Online payment")


class AssessmentDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class RiskFlag(models.TextChoices):
    AGGRESSIVE_PET = "aggressive_pet", _("Aggressive pet")
    HISTORY_OF_VIOLENCE = "history_of_violence", _("History of violence")
    INFECTION_RISK = "infection_risk", _("Infection risk")
    STAIRS_WITHOUT_LIFT = "stairs_without_lift", _("Stairs without lift")
    OXYGEN_IN_USE = "oxygen_in_use", _("Oxygen in use")
    LIVES_ALONE = "lives_alone", _("Lives alone")
    COGNITIVE_IMPAIRMENT = "cognitive_impairment", _("Cognitive impairment")


class CheckKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in")
    CHECK_OUT = "check_out", _("Check-out")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CorrectionField(models.TextChoices):
    """What a correction may fix: the EVV times (the rest of the record is resubmitted)."""

    CHECK_IN_AT = "check_in_at", _("Check-in time")
    CHECK_OUT_AT = "check_out_at", _("Check-out time")


class CoSignMethod(models.TextChoices):
    APP = "app", _("In the app")
    ON_DEVICE = "on_device", _("On the provider's device")


class CancelSide(models.TextChoices):
    PATIENT = "patient", _("Patient")
    INSTITUTION = "institution", _("Institution")
