"""Choices of the dispatch app: plan-run states and re-planning events (ADR 0019)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready for review")
    FAILED = "failed", _("Failed")
    ACCEPTED = "accepted", _("Accepted")
    DISCARDED = "discarded", _("Discarded")


#: Runs whose plan may still be accepted or discarded.
DECIDABLE = frozenset({RunStatus.DONE})
#: Runs still working (not yet decidable).
ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})


class EventKind(models.TextChoices):
    """What triggers a re-plan."""

    PROVIDER_SICK = "provider_sick", _("Provider unavailable from a time")
    VISIT_OVERRUN = "visit_overrun", _("Visit overruns")
