"""Plan reviews: an active plan whose review date has come reminds its owner once per
review date, in both languages, from the daily job and the command; running twice sends
one reminder; recording a review (a new date) earns a new reminder when that date comes;
drafts, ended plans and plans not yet due send nothing (ADR 0027, addendum).

The clock is frozen on Monday 15 June 2026, 08:00 in Ningbo (``orders`` fixtures).
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from doorstep.accounts.models import Membership
from doorstep.core.models import AuditEvent
from doorstep.health import careplans
from doorstep.health.models import CarePlan
from doorstep.notifications.models import Notification
from doorstep.orders.tests import conftest as orders_fixtures

from .conftest import act

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen

pytestmark = pytest.mark.django_db

JUNE_20 = dt.date(2026, 6, 20)


def active_plan(personas: Any, elder: Any, review: dt.date = JUNE_20) -> CarePlan:
    nurse = act(personas.nurse)
    plan = careplans.create_plan(
        actor=nurse, elder=elder, title="Pressure care", review_date=review
    )
    return careplans.activate_plan(actor=nurse, plan=plan)


def reminders() -> list[Notification]:
    return list(Notification.objects.filter(kind="care_plan.review_due").order_by("id"))


def test_a_due_review_reminds_the_owner_once_per_review_date(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan = active_plan(personas, elder_a)
    assert careplans.remind_reviews() == {"review_reminders": 0, "review_failed": 0}
    assert not careplans.review_due(plan)

    frozen.advance(days=5)  # Saturday 20 June: the review date
    assert careplans.review_due(CarePlan.objects.get(pk=plan.pk))
    assert careplans.remind_reviews() == {"review_reminders": 1, "review_failed": 0}
    assert careplans.remind_reviews() == {"review_reminders": 0, "review_failed": 0}
    (sent,) = reminders()
    assert sent.recipient_id == personas.nurse.pk
    assert sent.severity == "warning"
    assert sent.title_en == "Care plan review due: 王秀英"
    assert sent.title_zh == "护理计划待复核：王秀英"
    assert "“Pressure care”" in sent.body_en
    assert "2026-06-20" in sent.body_en
    assert "2026-06-20" in sent.body_zh
    assert sent.link == f"/care/elders/{elder_a.pk}/?plan={plan.pk}"
    assert sent.data == {"plan_id": plan.pk, "elder_id": elder_a.pk}
    assert CarePlan.objects.get(pk=plan.pk).review_reminded_for == JUNE_20
    audit = AuditEvent.objects.get(object_type="care_plan", action="review_reminder")
    assert audit.details["review_date"] == "2026-06-20"

    frozen.advance(days=3)  # still overdue: no second reminder for the same date
    assert careplans.remind_reviews()["review_reminders"] == 0
    careplans.update_plan(
        actor=act(personas.nurse), plan=plan, review_date=dt.date(2026, 9, 20)
    )  # reviewed
    assert careplans.remind_reviews()["review_reminders"] == 0
    frozen.advance(days=92)  # 20 September
    assert careplans.remind_reviews()["review_reminders"] == 1
    assert [n.data["plan_id"] for n in reminders()] == [plan.pk, plan.pk]


def test_drafts_ended_plans_and_owners_who_left(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    nurse = act(personas.nurse)
    ended = active_plan(personas, elder_a)
    careplans.end_plan(actor=nurse, plan=ended, reason="moved away")
    draft = careplans.create_plan(actor=nurse, elder=elder_a, title="Draft", review_date=JUNE_20)
    frozen.advance(days=6)  # 21 June: both review dates are past
    assert careplans.remind_reviews()["review_reminders"] == 0
    assert not careplans.review_due(CarePlan.objects.get(pk=draft.pk))

    # The owner (who activated it too) no longer works for the institution: the review is
    # claimed without a message (the pages still show it as due) and the audit says so.
    plan = careplans.activate_plan(actor=nurse, plan=draft)
    Membership.objects.filter(user=personas.nurse).update(is_active=False)
    assert careplans.remind_reviews()["review_reminders"] == 1
    assert reminders() == []
    audit = AuditEvent.objects.get(object_id=plan.pk, action="review_reminder")
    assert audit.details["recipient"] is None


def test_the_daily_command_reminds_once(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    active_plan(personas, elder_a, review=dt.date(2026, 6, 15))
    out = StringIO()
    call_command("generate_care_visits", "--no-rules", stdout=out)
    call_command("generate_care_visits", "--no-rules", stdout=out)
    lines = out.getvalue().splitlines()
    assert "review_reminders=1 review_failed=0" in lines
    assert "review_reminders=0 review_failed=0" in lines
    assert len(reminders()) == 1
