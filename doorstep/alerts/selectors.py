"""Reads of the alerts app: the console list (scoped), timelines, the nurse's open alarm,
an elder's thresholds, an institution's security contacts, a user's alarm address."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, IntegerField, QuerySet, Value, When

from doorstep.accounts.policy import Actor

from . import rules
from .access import alerts_visible_to
from .enums import UNRESOLVED, Kind, Severity, Status
from .models import AlarmAddress, Alert, AlertEvent, SafetyContact, Threshold

_SEVERITY_ORDER = Case(
    When(severity=Severity.CRITICAL, then=Value(0)),
    When(severity=Severity.WARNING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def console(actor: Actor, *, status: str | None = None) -> QuerySet[Alert]:
    """Unresolved alerts the actor may see (or one status), unacknowledged before
    acknowledged, critical first, newest first."""
    qs = alerts_visible_to(actor)
    qs = qs.filter(status=status) if status else qs.filter(status__in=UNRESOLVED)
    return qs.annotate(
        severity_order=_SEVERITY_ORDER,
        open_first=Case(When(status=Status.OPEN, then=Value(0)), default=Value(1),
                        output_field=IntegerField()),
    ).order_by("open_first", "severity_order", "-last_at", "-id")  # fmt: skip


def timeline(alert: Alert) -> QuerySet[AlertEvent]:
    return (
        AlertEvent.objects.filter(alert=alert)
        .select_related("actor", "recipient")
        .order_by("at", "id")
    )


def open_nurse_alarm(*, user_id: int, visit_id: int) -> Alert | None:
    return (
        Alert.objects.filter(
            kind=Kind.NURSE_ALARM, raised_by_id=user_id, visit_id=visit_id, status__in=UNRESOLVED
        )
        .order_by("-id")
        .first()
    )


def open_overdue(*, visit_id: int) -> Alert | None:
    return (
        Alert.objects.filter(kind=Kind.CHECKOUT_OVERDUE, visit_id=visit_id, status__in=UNRESOLVED)
        .order_by("-id")
        .first()
    )


def latest_sos(*, elder_id: int) -> Alert | None:
    """The elder's latest unresolved SOS (shown on their page)."""
    return (
        Alert.objects.filter(elder_id=elder_id, kind=Kind.SOS, status__in=UNRESOLVED)
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class MeasureThresholds:
    """One measure of an elder: the platform default, the elder's override (if any) and
    the bounds in force."""

    measure: str
    unit: str
    default: rules.Band
    override: Threshold | None
    effective: rules.Band
    plausible: tuple[Decimal, Decimal]


def thresholds(elder_id: int) -> list[MeasureThresholds]:
    """Every measure with a default band, in the platform's order."""
    active = {
        t.measure: t
        for t in Threshold.objects.filter(elder_id=elder_id, is_active=True).select_related(
            "set_by"
        )
    }
    out = []
    for measure, default in rules.DEFAULT_BANDS.items():
        row = active.get(measure)
        override = (
            rules.Band(row.critical_low, row.warning_low, row.warning_high, row.critical_high)
            if row is not None
            else None
        )
        out.append(
            MeasureThresholds(
                measure=measure,
                unit=rules.UNITS[measure],
                default=default,
                override=row,
                effective=default.merged(override),
                plausible=rules.PLAUSIBLE[measure],
            )
        )
    return out


def safety_contacts(institution_id: int) -> QuerySet[SafetyContact]:
    return (
        SafetyContact.objects.filter(institution_id=institution_id, is_active=True)
        .select_related("user")
        .order_by("created_at", "id")
    )


def alarm_address(user_id: int | None) -> AlarmAddress | None:
    if user_id is None:
        return None
    return AlarmAddress.objects.filter(user_id=user_id, is_active=True).first()
