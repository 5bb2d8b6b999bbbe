"""Every state change of orders and visits (ADR 0013).

Each function is keyword-only and runs in one transaction. Visit changes lock the visit
row (``select_for_update``), check ``enums.TRANSITIONS`` (an illegal move raises 409
``illegal_transition`` and changes nothing), write a ``VisitEvent`` (who, when, where,
from, to, why) and an audit row, and queue notifications with ``transaction.on_commit``.

Split by stage: ``booking`` (place, assess, pay), ``dispatch`` (assign, pool),
``door`` (travel, EVV, record, corrections, co-sign), ``exits`` (cancel, no-show, abort,
reschedule). Import from here.
"""

from ._common import PHOTO_MAX_BYTES, PHOTO_TYPES, SPEED_KMH, setting
from .booking import (
    confirm_payment,
    may_book,
    place_order,
    requirement_for,
    review_assessment,
    valid_assessment,
)
from .dispatch import (
    Refusal,
    accept_from_pool,
    assign_provider,
    minutes_for_km,
    publish_to_pool,
    refusals_for,
    schedule_conflicts,
    travel_minutes,
    unassign_provider,
)
from .door import (
    add_photo,
    check_in,
    check_out,
    co_sign,
    decide_correction,
    evv_flags,
    mark_reviewed,
    request_correction,
    start_service,
    start_travel,
    submit_record,
    validate_values,
)
from .exits import abort_visit, cancel, cancellation_fee, mark_no_show, reschedule

__all__ = [
    "PHOTO_MAX_BYTES",
    "PHOTO_TYPES",
    "SPEED_KMH",
    "Refusal",
    "abort_visit",
    "accept_from_pool",
    "add_photo",
    "assign_provider",
    "cancel",
    "cancellation_fee",
    "check_in",
    "check_out",
    "co_sign",
    "confirm_payment",
    "decide_correction",
    "evv_flags",
    "mark_no_show",
    "mark_reviewed",
    "may_book",
    "minutes_for_km",
    "place_order",
    "publish_to_pool",
    "refusals_for",
    "request_correction",
    "requirement_for",
    "reschedule",
    "review_assessment",
    "schedule_conflicts",
    "setting",
    "start_service",
    "start_travel",
    "submit_record",
    "travel_minutes",
    "unassign_provider",
    "valid_assessment",
    "validate_values",
]
