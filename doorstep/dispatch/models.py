"""Shifts and day-planning runs (ADR 0019).

A ``Shift`` is one provider's working day; a provider without a row for a day works the
default shift (``DEFAULT_SHIFT``). A ``PlanRun`` is one planning job: queued, running
(with progress and the best cost so far), done (a plan to review), then accepted (turned
into assignments through the orders services) or discarded; ``failed`` keeps the error.
The plan itself is JSON in ``result`` (``problem.result_json`` documents its shape).
Nothing here is hard-deleted and no model carries business logic (``services.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q

from .enums import RunStatus

USER = settings.AUTH_USER_MODEL


@dataclass(frozen=True)
class ShiftTimes:
    """Local times of a working day: start, end, and a break of ``break_minutes`` that
    starts between ``break_earliest`` and ``break_latest`` (no break when minutes = 0)."""

    start: dt.time
    end: dt.time
    break_earliest: dt.time | None
    break_latest: dt.time | None
    break_minutes: int
    max_work_minutes: int | None = None


#: A provider without a shift row works 08:00-18:00 with a 30-minute lunch break taken
#: between 11:30 and 13:30 (so it starts at 13:00 at the latest).
DEFAULT_SHIFT = ShiftTimes(
    start=dt.time(8, 0),
    end=dt.time(18, 0),
    break_earliest=dt.time(11, 30),
    break_latest=dt.time(13, 0),
    break_minutes=30,
)


class Shift(models.Model):
    """One provider's working hours on one day (local time of the deployment)."""

    provider = models.ForeignKey(
        "workforce.Provider", on_delete=models.PROTECT, related_name="shifts"
    )
    day = models.DateField()
    start = models.TimeField(help_text="Leaves home base, local time.")
    end = models.TimeField(help_text="Back at home base by, local time.")
    off = models.BooleanField(default=False, help_text="Not working this day.")
    break_earliest = models.TimeField(null=True, blank=True, help_text="Break starts at or after.")
    break_latest = models.TimeField(null=True, blank=True, help_text="Break starts at or before.")
    break_minutes = models.PositiveSmallIntegerField(default=0, help_text="Minutes; 0 = none.")
    max_work_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Cap on leaving-to-returning time, minutes."
    )
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "day"], name="shift_once_per_day"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="shift_order"),
        ]

    def __str__(self) -> str:
        return f"shift of {self.provider_id} on {self.day}"

    def times(self) -> ShiftTimes:
        return ShiftTimes(
            start=self.start,
            end=self.end,
            break_earliest=self.break_earliest,
            break_latest=self.break_latest,
            break_minutes=self.break_minutes,
            max_work_minutes=self.max_work_minutes,
        )


class PlanRun(models.Model):
    """One day-planning job for an institution (or the whole platform: ``institution``
    empty) and its plan."""

    institution = models.ForeignKey(
        "organizations.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty = every institution (platform admins only).",
    )
    day = models.DateField()
    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent, 0-100.")
    best_cost = models.BigIntegerField(null=True, blank=True, help_text="Solver cost units.")
    time_limit_s = models.PositiveSmallIntegerField(
        help_text="Time limit of the whole planning job, seconds."
    )
    seed = models.IntegerField(default=0)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replans",
        help_text="The plan this run re-plans.",
    )
    event = models.JSONField(
        default=dict, blank=True, help_text="The re-planning event {kind, ...}; empty for a plan."
    )
    result = models.JSONField(default=dict, blank=True, help_text="The plan (problem.result).")
    outcome = models.JSONField(
        default=dict, blank=True, help_text="What acceptance did per visit {assigned, refused}."
    )
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "day"])]

    def __str__(self) -> str:
        return f"plan run {self.pk} ({self.status})"


class SecondProvider(models.Model):
    """The second provider of a two-provider visit, from an accepted plan. The orders
    ``Visit`` holds one provider (the first task); the second is kept here (ADR 0019)."""

    visit = models.ForeignKey("orders.Visit", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("workforce.Provider", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(PlanRun, on_delete=models.PROTECT, related_name="second_providers")
    start = models.DateTimeField(help_text="Planned start of the second provider's task.")
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["provider", "start"])]

    def __str__(self) -> str:
        return f"second provider {self.provider_id} of visit {self.visit_id}"
