"""The health record of an elder (ADR 0026).

Coded where a code exists: conditions by ICD-10 (``ConditionCode``, a seeded bilingual
reference table), observations by LOINC with a UCUM unit (``observations.KINDS``),
assessments by instrument and version (``instruments``). Nothing is ever hard-deleted:
conditions resolve, medications stop, lines are removed, allergies and disabilities become
inactive, observations, assessments and documents are voided as entered in error; each
such change records who and when. Writes go through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .enums import (
    ActiveStatus,
    AllergyCategory,
    ConditionStatus,
    DisabilityKind,
    DocumentKind,
    EntryStatus,
    GlucoseContext,
    Instrument,
    LineKind,
    LineStatus,
    MedicationFrequency,
    MedicationRoute,
    MedicationStatus,
    ObservationKind,
    ObservationSource,
    Severity,
)

USER = settings.AUTH_USER_MODEL
ELDER = "people.Elder"


class ConditionCode(models.Model):
    """One ICD-10 code of the reference subset (common chronic conditions of elders)."""

    code = models.CharField(max_length=8, unique=True, help_text="ICD-10 code, e.g. 'I10'.")
    name_en = models.CharField(max_length=128)
    name_zh = models.CharField(max_length=64)
    group = models.CharField(max_length=32, help_text="ICD-10 chapter, e.g. 'circulatory'.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Recorded(models.Model):
    """Who entered the row and when (the clock of the service, not of the database)."""

    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        abstract = True


class Condition(Recorded):
    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="conditions")
    code = models.ForeignKey(ConditionCode, on_delete=models.PROTECT, related_name="+")
    onset_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=256, blank=True)
    status = models.CharField(
        max_length=16, choices=ConditionStatus.choices, default=ConditionStatus.ACTIVE
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["elder_id", "code__code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "code"],
                condition=Q(status="active"),
                name="health_condition_one_active_per_code",
            )
        ]

    def __str__(self) -> str:
        return f"condition {self.pk}"


class Allergy(Recorded):
    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=64, help_text="e.g. 青霉素 / penicillin.")
    category = models.CharField(max_length=16, choices=AllergyCategory.choices)
    reaction = models.CharField(max_length=128, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(
        max_length=8, choices=ActiveStatus.choices, default=ActiveStatus.ACTIVE
    )

    class Meta:
        ordering = ["elder_id", "id"]

    def __str__(self) -> str:
        return f"allergy {self.pk}"


class Medication(Recorded):
    """A medication the elder takes, with its schedule (frequency and times of day)."""

    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=64, help_text="Generic name, e.g. 氨氯地平 amlodipine.")
    dose = models.DecimalField(
        max_digits=8, decimal_places=3, help_text="Amount per administration, in dose_unit."
    )
    dose_unit = models.CharField(max_length=16, help_text="UCUM unit: mg, ug, mL, [iU], {tbl}.")
    route = models.CharField(max_length=16, choices=MedicationRoute.choices)
    frequency = models.CharField(max_length=4, choices=MedicationFrequency.choices)
    times = models.JSONField(
        default=list, blank=True, help_text="Times of day, local 'HH:MM', e.g. ['08:00']."
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Inclusive; empty = open.")
    instructions = models.CharField(max_length=256, blank=True)
    prescriber = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=MedicationStatus.choices, default=MedicationStatus.ACTIVE
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stop_reason = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["elder_id", "id"]

    def __str__(self) -> str:
        return f"medication {self.pk}"


class Disability(Recorded):
    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="disabilities")
    kind = models.CharField(max_length=16, choices=DisabilityKind.choices)
    grade = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="Certified grade 1 (most severe) to 4 (GB/T 26341-2010); empty = none.",
    )
    note = models.CharField(max_length=256, blank=True)
    status = models.CharField(
        max_length=8, choices=ActiveStatus.choices, default=ActiveStatus.ACTIVE
    )

    class Meta:
        ordering = ["elder_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | (Q(grade__gte=1) & Q(grade__lte=4)),
                name="health_disability_grade_range",
            )
        ]

    def __str__(self) -> str:
        return f"disability {self.pk}"


class BodyLine(Recorded):
    """A line or device in the body (PICC, catheter, stoma, tube, tracheostomy)."""

    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="body_lines")
    kind = models.CharField(max_length=20, choices=LineKind.choices)
    site = models.CharField(max_length=64, help_text="e.g. right upper arm, basilic vein.")
    inserted_on = models.DateField()
    inserted_at = models.CharField(
        max_length=128, blank=True, help_text="Where it was placed, e.g. the hospital."
    )
    maintenance_days = models.PositiveSmallIntegerField(
        help_text="Maintenance interval in days (PICC: 7)."
    )
    last_maintained_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=LineStatus.choices, default=LineStatus.IN_PLACE
    )
    removed_on = models.DateField(null=True, blank=True)
    removal_reason = models.CharField(max_length=256, blank=True)
    removed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["elder_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=models.F("inserted_on")),
                name="health_line_removed_after_inserted",
            )
        ]

    def __str__(self) -> str:
        return f"line {self.pk}"


class Observation(Recorded):
    """One measurement with its LOINC code, UCUM unit, source and time of measurement."""

    # No single-column index on ``elder`` (every index below starts with it) and partial ones
    # on the foreign keys that device readings leave NULL (ADR 0034): a device row pays for
    # no index it will never be found by.
    elder = models.ForeignKey(
        ELDER, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=16, choices=ObservationKind.choices)
    loinc = models.CharField(max_length=16, help_text="LOINC code of the kind (panel for BP).")
    unit = models.CharField(max_length=16, help_text="UCUM unit, e.g. mm[Hg], mmol/L, Cel.")
    value = models.DecimalField(
        max_digits=7, decimal_places=2, help_text="The value (blood pressure: systolic)."
    )
    value2 = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Blood pressure only: the diastolic pressure, same unit.",
    )
    context = models.CharField(
        max_length=16, choices=GlucoseContext.choices, blank=True, help_text="Glucose only."
    )
    source = models.CharField(max_length=16, choices=ObservationSource.choices)
    measured_at = models.DateTimeField()
    visit = models.ForeignKey(
        "orders.Visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.FINAL)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["elder_id", "-measured_at", "-id"]
        indexes = [
            models.Index(fields=["elder", "kind", "measured_at"]),
            # The nullable foreign keys, for the rows that have them (deleting a user or a
            # visit looks them up: ``= id`` and ``IN (...)`` imply NOT NULL, so these serve).
            models.Index(
                fields=["recorded_by"],
                condition=Q(recorded_by__isnull=False),
                name="health_obs_recorded_by_idx",
            ),
            models.Index(
                fields=["visit"], condition=Q(visit__isnull=False), name="health_obs_visit_idx"
            ),
            models.Index(
                fields=["voided_by"],
                condition=Q(voided_by__isnull=False),
                name="health_obs_voided_by_idx",
            ),
            # The record page (ADR 0028): its timeline (newest first across kinds) and the
            # range counts and day/week buckets of the charts read this index only.
            models.Index(
                fields=["elder", "-measured_at", "-id"],
                include=["kind", "value", "value2"],
                condition=Q(status="final"),
                name="health_obs_elder_time_idx",
            ),
            # The charts' cache key (record_view.data_version): the newest reading and the
            # latest void of an elder, one index probe each.
            models.Index(fields=["elder", "-id"], name="health_obs_elder_newest_idx"),
            models.Index(
                fields=["elder", "voided_at"],
                condition=Q(status="entered_in_error"),
                name="health_obs_elder_void_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="blood_pressure", value2__isnull=False)
                | (~Q(kind="blood_pressure") & Q(value2__isnull=True)),
                name="health_observation_bp_has_diastolic",
            )
        ]

    def __str__(self) -> str:
        return f"observation {self.pk}"


def document_path(instance: Document, filename: str) -> str:
    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        instance.content_type, "bin"
    )
    return f"health/{instance.elder_id}/{instance.sha256[:24]}.{ext}"


class Document(Recorded):
    """A document of the record (discharge summary, lab report...): metadata and file."""

    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="health_documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    title = models.CharField(max_length=128)
    issued_on = models.DateField(null=True, blank=True)
    issuer = models.CharField(max_length=128, blank=True, help_text="e.g. the hospital.")
    file = models.FileField(upload_to=document_path)
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.FINAL)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["elder_id", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"document {self.pk}"


class AssessmentResult(Recorded):
    """A standard assessment (Barthel, Morse, ...) with its answers and automatic score.

    Not the orders app's first-visit ``Assessment`` (an institution's review of a request).
    """

    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="assessment_results")
    instrument = models.CharField(max_length=16, choices=Instrument.choices)
    version = models.CharField(max_length=16, help_text="Version of the instrument's form.")
    answers = models.JSONField(default=dict, help_text="{item key: option value}.")
    points = models.JSONField(default=dict, help_text="{item key: points}, as scored.")
    score = models.SmallIntegerField()
    max_score = models.SmallIntegerField()
    band = models.CharField(max_length=24, help_text="Interpretation code, e.g. 'moderate'.")
    derived_from = models.JSONField(
        default=dict, blank=True, help_text="ltc_level: ids of the results it was derived from."
    )
    assessed_at = models.DateTimeField()
    visit = models.ForeignKey(
        "orders.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.FINAL)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["elder_id", "-assessed_at", "-id"]
        indexes = [models.Index(fields=["elder", "instrument", "assessed_at"])]

    def __str__(self) -> str:
        return f"assessment result {self.pk}"


# --- care plans (issue 6 items 3-4; ADR 0027) -----------------------------------------


class CarePlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class FrequencyKind(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("On given weekdays")
    EVERY_N_DAYS = "every_n_days", _("Every N days")


class InterventionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REMOVED = "removed", _("Removed")


class OccurrenceStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class CarePlan(models.Model):
    """An elder's care plan with one institution: goals, and interventions that generate
    visit orders on a rolling horizon through the orders services (``careplans``)."""

    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="care_plans")
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=128)
    owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", help_text="Responsible clinician."
    )
    status = models.CharField(
        max_length=8, choices=CarePlanStatus.choices, default=CarePlanStatus.DRAFT
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Inclusive; empty = open.")
    review_date = models.DateField(help_text="When the plan is next reviewed.")
    review_reminded_for = models.DateField(
        null=True,
        blank=True,
        help_text="The review date the owner was last reminded of (one reminder per date).",
    )
    horizon_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days ahead to book; empty = the platform default."
    )
    generated_through = models.DateField(
        null=True, blank=True, help_text="Last day covered by the latest generation run."
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    activated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["elder_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "institution"],
                condition=Q(status__in=["draft", "active"]),
                name="health_careplan_one_open_per_institution",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="health_careplan_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"care plan {self.pk}"


class Goal(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="goals")
    description = models.CharField(max_length=256)
    target = models.CharField(max_length=128, blank=True, help_text="e.g. BP < 140/90 mmHg.")
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["plan_id", "id"]

    def __str__(self) -> str:
        return f"goal {self.pk}"


class Intervention(models.Model):
    """A catalogue item at a frequency, a preferred time window and optionally a
    preferred provider; each planned day becomes one ``PlanOccurrence``."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="interventions")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.PROTECT, related_name="interventions"
    )
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    frequency = models.CharField(max_length=16, choices=FrequencyKind.choices)
    weekdays = models.JSONField(
        default=list, blank=True, help_text="Weekly: ISO weekdays 1 (Mon) .. 7 (Sun)."
    )
    interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Every N days: N (2 .. 90)."
    )
    time_from = models.TimeField(help_text="Preferred window, local time: the visit starts.")
    time_to = models.TimeField(help_text="Preferred window, local time: latest start.")
    preferred_provider = models.ForeignKey(
        "workforce.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Inclusive; empty = plan end.")
    note = models.CharField(max_length=256, blank=True)
    status = models.CharField(
        max_length=8, choices=InterventionStatus.choices, default=InterventionStatus.ACTIVE
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.ForeignKey(
        "CareProposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    removed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "id"]

    def __str__(self) -> str:
        return f"intervention {self.pk}"


class PlanOccurrence(models.Model):
    """One planned day of an intervention: booked (with its order), skipped (with the
    stable code the orders services refused with) or cancelled. Unique per day, so a
    second or concurrent generation run creates nothing twice."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="occurrences"
    )
    date = models.DateField()
    window_start = models.DateTimeField()
    status = models.CharField(max_length=12, choices=OccurrenceStatus.choices)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_code = models.CharField(max_length=64, blank=True)
    error_details = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "intervention_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "date"], name="health_occurrence_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"occurrence {self.pk}"


class CareProposal(models.Model):
    """What a proactive rule proposes for an elder, with the data behind it, for staff
    to accept or dismiss. At most one open proposal per ``key`` (rule + subject)."""

    elder = models.ForeignKey(ELDER, on_delete=models.PROTECT, related_name="care_proposals")
    rule = models.CharField(max_length=32)
    key = models.CharField(max_length=96, help_text="Rule and subject, e.g. 'line_due:12'.")
    fingerprint = models.CharField(max_length=64, help_text="Hash of the evidence.")
    reason_en = models.CharField(max_length=512)
    reason_zh = models.CharField(max_length=512)
    evidence = models.JSONField(default=list, help_text="The readings / results with dates.")
    actions = models.JSONField(default=list, help_text="What accepting does.")
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=256, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="Interventions / orders made.")

    class Meta:
        ordering = ["elder_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "key"],
                condition=Q(status="open"),
                name="health_proposal_one_open_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"care proposal {self.pk}"
