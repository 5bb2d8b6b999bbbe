"""Overdue check-out: the nurse is asked, then the security office and the call centre;
"I am safe" or checking out ends it. And the alarm e-mail channel over Django's backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from conftest import make_user
from doorstep.accounts.policy import Actor
from doorstep.alerts import services
from doorstep.alerts.models import AlarmAddress, Alert
from doorstep.core.errors import Forbidden
from doorstep.notifications.models import Notification
from doorstep.orders.models import Visit

from .conftest import NOW, FrozenClock, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def security(world: Any, personas: Any) -> Any:
    user = make_user("security_a")
    services.add_safety_contact(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, user=user
    )
    return user


def _recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_overdue_checkout_prompts_the_nurse_then_escalates(
    frozen: FrozenClock, world: Any, personas: Any, elder_a: Any, staff: Any, security: Any
) -> None:
    """Window 08:00-09:00, checked in (no check event: the window counts), grace 30 min:
    nothing at 09:29, the nurse is asked at 09:30, security and operator at 09:40."""
    make_visit(elder_a, world.inst_a, staff.nurse, "in_service",
                       NOW - dt.timedelta(hours=2))  # fmt: skip
    frozen.now = NOW - dt.timedelta(minutes=31)
    assert services.flag_overdue_checkouts() == 0
    frozen.advance(minutes=1)
    assert services.flag_overdue_checkouts() == 1
    assert services.flag_overdue_checkouts() == 0  # one alert per visit
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.step) == ("checkout_overdue", "warning", "nurse")
    assert _recipients("alert.checkout_overdue") == {"nurse_chen"}
    frozen.advance(minutes=10)
    assert services.escalate_due() == 1
    alert.refresh_from_db()
    assert (alert.severity, alert.step) == ("critical", "safety")
    assert _recipients("alert.checkout_overdue") == {"nurse_chen", "security_a", "operator_1"}
    with pytest.raises(Forbidden):  # not the nurse of this visit
        services.confirm_safe(actor=Actor.of(personas.other_nurse), alert=alert)
    done = services.confirm_safe(actor=Actor.of(personas.nurse), alert=alert)
    assert done.status == "resolved"


def test_checking_out_resolves_the_overdue_prompt(
    frozen: FrozenClock, world: Any, elder_a: Any, staff: Any
) -> None:
    visit = make_visit(elder_a, world.inst_a, staff.nurse, "in_service",
                       NOW - dt.timedelta(hours=3))  # fmt: skip
    services.flag_overdue_checkouts()
    Visit.objects.filter(pk=visit.pk).update(status="completed")
    services.flag_overdue_checkouts()
    alert = Alert.objects.get()
    assert (alert.status, alert.resolution_note) == ("resolved", "The visit has been checked out.")


@override_settings(
    NOTIFICATION_CHANNELS=["in_app", "doorstep.alerts.channels.AlarmEmailChannel"],
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
)
def test_alarm_email_goes_to_the_duty_mailbox_in_the_readers_language(
    frozen: FrozenClock, personas: Any, elder_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    AlarmAddress.objects.create(user=personas.operator, email="desk@example.org", created_at=NOW)
    personas.operator.preferred_language = "en"
    personas.operator.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.press_sos(actor=Actor.of(personas.elder), idempotency_key="mail-test-01")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["desk@example.org"], "Alarm: SOS (王秀英)")
    ]
