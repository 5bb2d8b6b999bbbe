"""Care plans: goals, interventions and the visit orders they generate (ADR 0027).

A plan belongs to an elder and to the institution whose clinicians care for them. Its
interventions (catalogue item x frequency x preferred time window x optional preferred
provider) generate visit orders on a rolling horizon (``HEALTH_CAREPLAN_HORIZON_DAYS``,
default 14 days, from tomorrow) strictly through ``orders.services.place_order``, so
pricing, the payer split, the first-visit assessment and every visit-loop rule hold.

Each planned day is one ``PlanOccurrence`` row, unique per (intervention, day) and
created with ``get_or_create`` under ``select_for_update`` inside the transaction that
places its order: running generation twice, or twice at the same time, books each day
once. A refusal of the orders services (item not offered where the elder lives, booking
blocked...) is stored on the occurrence as ``skipped`` with the stable error code and
retried by the next run while the day is still ahead; it never stops the run. Ending a
plan, removing an intervention or changing its schedule cancels its future visits that
have not started through ``orders.services.cancel`` (institution side: no fee).

Generated orders are placed as the plan's institution (an active plan is its standing
instruction to book): the booking actor carries the institution's dispatcher grant and
the user who generated (or, for the daily job, who activated the plan) as ``placed_by``.

The package, by concern (everything is re-exported here, so ``careplans.<name>`` works):

* ``common``: constants, error classes, helpers (who may change a plan, the booking actor).
* ``editing``: the services that change plans, goals and interventions.
* ``generation``: booking the horizon (``generate_plan``, the daily ``generate_due``).
* ``cancellation``: cancelling generated visits that have not started.
* ``reviews``: "review due" and the owner's reminder, once per review date.
* ``selectors``: reads (plans, days, scoped lookups, what is planned or booked).
"""

from __future__ import annotations

from .cancellation import _cancel_occurrences
from .common import (
    AWAITING_ASSESSMENT_CODE,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_REVIEW_DAYS,
    MAX_HORIZON_DAYS,
    NOT_STARTED,
    OPEN_VISIT,
    SKIP_MESSAGES,
    InstitutionRequired,
    InterventionNotActive,
    InvalidPlan,
    InvalidProvider,
    NotAllowedToChangePlan,
    PlanExists,
    PlanState,
    UnknownItem,
    booking_actor,
    clinical_institutions,
    freq_of,
    horizon_days,
    local_start,
    require_change,
    resolve_institution,
)
from .editing import (
    activate_plan,
    add_goal,
    add_intervention,
    create_plan,
    edit_intervention,
    end_plan,
    remove_intervention,
    set_goal_status,
    update_plan,
)
from .generation import (
    GenerationResult,
    generate_due,
    generate_one,
    generate_plan,
    planned_days,
)
from .reviews import remind_review, remind_reviews, review_due
from .selectors import (
    PlanOverview,
    access_intervention,
    access_plan,
    booked_items,
    occurrences_of,
    open_plan,
    plan_overviews,
    planned_items,
    plans_of,
    preferred_providers,
    visit_status_by_order,
)

__all__ = [
    "AWAITING_ASSESSMENT_CODE",
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_REVIEW_DAYS",
    "MAX_HORIZON_DAYS",
    "NOT_STARTED",
    "OPEN_VISIT",
    "SKIP_MESSAGES",
    "GenerationResult",
    "InstitutionRequired",
    "InterventionNotActive",
    "InvalidPlan",
    "InvalidProvider",
    "NotAllowedToChangePlan",
    "PlanExists",
    "PlanOverview",
    "PlanState",
    "UnknownItem",
    "_cancel_occurrences",
    "access_intervention",
    "access_plan",
    "activate_plan",
    "add_goal",
    "add_intervention",
    "booked_items",
    "booking_actor",
    "clinical_institutions",
    "create_plan",
    "edit_intervention",
    "end_plan",
    "freq_of",
    "generate_due",
    "generate_one",
    "generate_plan",
    "horizon_days",
    "local_start",
    "occurrences_of",
    "open_plan",
    "plan_overviews",
    "planned_days",
    "planned_items",
    "plans_of",
    "preferred_providers",
    "remind_review",
    "remind_reviews",
    "remove_intervention",
    "require_change",
    "resolve_institution",
    "review_due",
    "set_goal_status",
    "update_plan",
    "visit_status_by_order",
]
