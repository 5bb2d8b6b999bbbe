"""Configuration of the alerts app: an elder's thresholds (clinical staff caring for the
elder), an institution's security office contacts (its admins) and a user's own alarm
e-mail address (ADR 0031). Every change is audited; nothing is deleted (deactivated)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden
from doorstep.organizations.models import Institution
from doorstep.people.models import Elder

from .. import errors, rules
from ..models import AlarmAddress, SafetyContact, Threshold

EMAIL_MAX = 254


def _bound(raw: Any, field: str) -> Decimal | None:
    """A bound as typed (a number, a string from a form, or empty) -> Decimal or None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise errors.ThresholdNotANumber(details={"field": field})
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise errors.ThresholdNotANumber(details={"field": field}) from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or (isinstance(exponent, int) and exponent < -2):
        raise errors.ThresholdNotANumber(details={"field": field})
    return value


def _require_clinical(actor: Actor, elder: Elder) -> None:
    """Clinical staff of an institution caring for the elder (health record ``change``):
    404 when the actor may not see the record, 403 when they see it but may not change it."""
    from doorstep.health import access as health_access

    health_access.require(actor, elder, "change")


def set_threshold(
    *,
    actor: Actor,
    elder: Elder,
    measure: str,
    critical_low: Any = None,
    warning_low: Any = None,
    warning_high: Any = None,
    critical_high: Any = None,
) -> Threshold:
    """An elder's own bounds for one measure (replaces the active one; empty bounds keep the
    platform default). Validated: each bound within the measure's plausible range, the
    bounds in force in order (422 ``threshold_*``)."""
    _require_clinical(actor, elder)
    override = rules.Band(
        _bound(critical_low, "critical_low"),
        _bound(warning_low, "warning_low"),
        _bound(warning_high, "warning_high"),
        _bound(critical_high, "critical_high"),
    )
    problem = rules.check_override(measure, override)
    if problem is not None:
        raise _refusal(measure, problem)
    now = clock.now()
    with transaction.atomic():
        # one writer per elder at a time: the swap of the active row never races
        Elder.objects.select_for_update().filter(pk=elder.pk).first()
        Threshold.objects.filter(elder=elder, measure=measure, is_active=True).update(
            is_active=False
        )
        row = Threshold.objects.create(
            elder=elder,
            measure=measure,
            critical_low=override.critical_low,
            warning_low=override.warning_low,
            warning_high=override.warning_high,
            critical_high=override.critical_high,
            set_by=actor.user,
            set_at=now,
        )
        audit.record(
            actor=actor.user,
            action="alert.threshold_set",
            object_type="elder",
            object_id=elder.pk,
            details={"measure": measure},
        )
    return row


def _refusal(measure: str, problem: rules.Problem) -> errors.ValidationFailed:
    details = {"field": problem.field}
    if problem.code == "unknown_measure":
        return errors.ThresholdUnknownMeasure(details=details)
    if problem.code == "empty":
        return errors.ThresholdEmpty(details=details)
    if problem.code == "out_of_range":
        low, high = rules.PLAUSIBLE[measure]
        params = {"min": str(low), "max": str(high), "unit": rules.UNITS[measure]}
        return errors.ThresholdOutOfRange(
            message=errors.ThresholdOutOfRange.default_message % params,
            details={**details, **params},
        )
    return errors.ThresholdInvalid(details=details)


def clear_threshold(*, actor: Actor, elder: Elder, measure: str) -> bool:
    """Back to the platform's defaults for one measure. Returns whether an override was
    active (clearing none changes nothing and is not an error)."""
    _require_clinical(actor, elder)
    if measure not in rules.DEFAULT_BANDS:
        raise errors.ThresholdUnknownMeasure(details={"field": "measure"})
    with transaction.atomic():
        cleared = Threshold.objects.filter(elder=elder, measure=measure, is_active=True).update(
            is_active=False
        )
        if cleared:
            audit.record(
                actor=actor.user,
                action="alert.threshold_cleared",
                object_type="elder",
                object_id=elder.pk,
                details={"measure": measure},
            )
    return bool(cleared)


def _require_institution_admin(actor: Actor, institution: Institution) -> None:
    if not (
        actor.is_platform_admin or institution.pk in actor.institution_ids(Role.INSTITUTION_ADMIN)
    ):
        raise Forbidden()


def contact_user(username: str) -> Any:
    """The active user named ``username`` (422 ``safety_contact_unknown_user``)."""
    user = (
        get_user_model().objects.filter(username=(username or "").strip(), is_active=True).first()
    )
    if user is None:
        raise errors.SafetyContactUnknownUser(details={"field": "username"})
    return user


def add_safety_contact(*, actor: Actor, institution: Institution, user: Any) -> SafetyContact:
    """Name a user the security office contact of an institution (its admin or the
    platform). Naming an active contact again returns it."""
    _require_institution_admin(actor, institution)
    with transaction.atomic():
        row, _created = SafetyContact.objects.get_or_create(
            institution=institution,
            user=user,
            is_active=True,
            defaults={"created_at": clock.now()},
        )
        audit.record(
            actor=actor.user,
            action="alert.safety_contact_added",
            object_type="institution",
            object_id=institution.pk,
            institution_id=institution.pk,
        )
    return row


def remove_safety_contact(*, actor: Actor, contact: SafetyContact) -> SafetyContact:
    """The contact is no longer told of the institution's nurse alarms (deactivated)."""
    _require_institution_admin(actor, contact.institution)
    with transaction.atomic():
        updated = SafetyContact.objects.filter(pk=contact.pk, is_active=True).update(
            is_active=False
        )
        if updated:
            audit.record(
                actor=actor.user,
                action="alert.safety_contact_removed",
                object_type="institution",
                object_id=contact.institution_id,
                institution_id=contact.institution_id,
            )
    contact.is_active = False
    return contact


def set_alarm_address(*, actor: Actor, email: str) -> AlarmAddress:
    """The actor's own alarm e-mail address (replaces the active one): alert notifications
    are also sent there when the e-mail channel is on (422 ``alarm_email_invalid``)."""
    from django.contrib.auth.base_user import BaseUserManager

    if actor.user is None:
        raise Forbidden()
    text = (email or "").strip()
    try:
        if len(text) > EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(text)
    except ValidationError:
        raise errors.AlarmEmailInvalid(details={"field": "email"}) from None
    text = BaseUserManager.normalize_email(text)
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=actor.user.pk).first()
        AlarmAddress.objects.filter(user=actor.user, is_active=True).update(is_active=False)
        row = AlarmAddress.objects.create(user=actor.user, email=text, created_at=clock.now())
        audit.record(
            actor=actor.user,
            action="alert.alarm_email_set",
            object_type="user",
            object_id=actor.user.pk,
        )
    return row


def clear_alarm_address(*, actor: Actor) -> bool:
    """Stop e-mailing the actor's alarms. Returns whether an address was active."""
    if actor.user is None:
        raise Forbidden()
    with transaction.atomic():
        cleared = AlarmAddress.objects.filter(user=actor.user, is_active=True).update(
            is_active=False
        )
        if cleared:
            audit.record(
                actor=actor.user,
                action="alert.alarm_email_cleared",
                object_type="user",
                object_id=actor.user.pk,
            )
    return bool(cleared)
