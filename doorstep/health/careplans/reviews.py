"""Plan reviews: an active plan whose review date has come is "review due", and its owner
is reminded once per review date (ADR 0027, addendum).

``remind_reviews`` runs in the daily care-plan job (``health.tasks.generate_care_visits``,
``manage.py generate_care_visits``). Each plan is claimed with a conditional ``UPDATE``
(``review_reminded_for`` set to the review date unless it already is) in the transaction
that writes the in-app notification, so running the job twice, or twice at once, sends
one reminder; a new review date (the plan was reviewed) earns a new reminder when it
comes. The reminder goes to the owner while they are clinical staff of the plan's
institution, else to the clinician who activated the plan; with neither, the plan is
claimed without a message (the page still shows "review due") and the audit says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import Membership
from doorstep.core import clock
from doorstep.notifications.enums import Severity
from doorstep.notifications.services import notify

from .. import access
from ..models import CarePlan, CarePlanStatus
from .common import _audit

logger = logging.getLogger("doorstep.health.careplans")

REMINDER_KIND = "care_plan.review_due"
REMINDER_TITLE = _("Care plan review due: %(elder)s")
REMINDER_BODY = _(
    "The care plan “%(title)s” of %(elder)s was due for review on %(date)s. "
    "Review it with the elder and set the next review date on the plan page."
)


def review_due(plan: CarePlan, today: dt.date | None = None) -> bool:
    """An active plan whose review date is today or past."""
    day = today or clock.today()
    return plan.status == CarePlanStatus.ACTIVE and plan.review_date <= day


def _recipient(plan: CarePlan) -> Any:
    """The owner while they are clinical staff of the plan's institution, else the
    clinician who activated the plan (same condition), else None."""
    for user in (plan.owner, plan.activated_by):
        if user is None or not user.is_active:
            continue
        if Membership.objects.filter(
            user=user,
            institution_id=plan.institution_id,
            role__in=list(access.CLINICAL),
            is_active=True,
        ).exists():
            return user
    return None


@transaction.atomic
def remind_review(plan: CarePlan, *, today: dt.date | None = None) -> bool:
    """Remind ``plan``'s owner that its review is due, unless already reminded of this
    review date. Returns whether this call claimed the reminder."""
    day = today or clock.today()
    claimed = (
        CarePlan.objects.filter(pk=plan.pk, status=CarePlanStatus.ACTIVE, review_date__lte=day)
        .exclude(review_reminded_for=plan.review_date)
        .filter(review_date=plan.review_date)
        .update(review_reminded_for=plan.review_date)
    )
    if not claimed:
        return False
    plan.review_reminded_for = plan.review_date
    recipient = _recipient(plan)
    if recipient is not None:
        notify(
            recipient=recipient,
            kind=REMINDER_KIND,
            title=REMINDER_TITLE,
            body=REMINDER_BODY,
            params={
                "elder": plan.elder.full_name,
                "title": plan.title,
                "date": plan.review_date.isoformat(),
            },
            link=reverse("web:care_plan", args=[plan.elder_id]) + f"?plan={plan.pk}",
            data={"plan_id": plan.pk, "elder_id": plan.elder_id},
            severity=Severity.WARNING,
        )
    _audit(
        None,
        "review_reminder",
        plan,
        ["review_reminded_for"],
        review_date=plan.review_date.isoformat(),
        recipient=recipient.pk if recipient is not None else None,
    )
    return True


def remind_reviews(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job's part: remind the owner of every active plan whose review is due and
    who has not been reminded of this review date. One plan's failure is logged and does
    not stop the others."""
    day = today or clock.today()
    totals = {"review_reminders": 0, "review_failed": 0}
    due = (
        CarePlan.objects.filter(status=CarePlanStatus.ACTIVE, review_date__lte=day)
        .exclude(review_reminded_for=F("review_date"))
        .select_related("elder", "owner", "activated_by")
        .order_by("id")
    )
    for plan in due:
        try:
            if remind_review(plan, today=day):
                totals["review_reminders"] += 1
        except Exception:  # one plan must not stop the run
            logger.exception("care plan %s: review reminder failed", plan.pk)
            totals["review_failed"] += 1
    return totals
