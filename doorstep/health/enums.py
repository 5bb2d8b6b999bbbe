"""Choices of the health record (ADR 0026)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ObservationKind(models.TextChoices):
    BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
    HEART_RATE = "heart_rate", _("Heart rate")
    GLUCOSE = "glucose", _("Blood glucose")
    SPO2 = "spo2", _("Oxygen saturation")
    TEMPERATURE = "temperature", _("Body temperature")
    WEIGHT = "weight", _("Body weight")
    PAIN = "pain", _("Pain score")


class ObservationSource(models.TextChoices):
    VISIT = "visit", _("Home visit")
    DEVICE = "device", _("Home device")
    SELF_REPORTED = "self_reported", _("Self-reported")
    HOSPITAL = "hospital", _("Hospital")


class GlucoseContext(models.TextChoices):
    FASTING = "fasting", _("Fasting")
    POSTPRANDIAL = "postprandial", _("Two hours after a meal")
    RANDOM = "random", _("Random")


class EntryStatus(models.TextChoices):
    """Observations and assessments: never deleted, voided when entered in error."""

    FINAL = "final", _("Final")
    ENTERED_IN_ERROR = "entered_in_error", _("Entered in error")


class ConditionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESOLVED = "resolved", _("Resolved")
    ENTERED_IN_ERROR = "entered_in_error", _("Entered in error")


class AllergyCategory(models.TextChoices):
    DRUG = "drug", _("Drug")
    FOOD = "food", _("Food")
    ENVIRONMENT = "environment", _("Environment")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class ActiveStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class MedicationRoute(models.TextChoices):
    ORAL = "oral", _("By mouth")
    SUBCUTANEOUS = "subcutaneous", _("Subcutaneous injection")
    INTRAMUSCULAR = "intramuscular", _("Intramuscular injection")
    INTRAVENOUS = "intravenous", _("Intravenous")
    INHALED = "inhaled", _("Inhaled")
    TOPICAL = "topical", _("On the skin")
    SUBLINGUAL = "sublingual", _("Under the tongue")
    ENTERAL_TUBE = "enteral_tube", _("Through a feeding tube")
    OTHER = "other", _("Other")


class MedicationFrequency(models.TextChoices):
    """Common prescription frequencies; times of day are stored separately."""

    ONCE_DAILY = "qd", _("Once a day")
    TWICE_DAILY = "bid", _("Twice a day")
    THREE_TIMES_DAILY = "tid", _("Three times a day")
    FOUR_TIMES_DAILY = "qid", _("Four times a day")
    AT_NIGHT = "qn", _("Every night")
    WEEKLY = "qw", _("Once a week")
    AS_NEEDED = "prn", _("As needed")


#: How many times of day each frequency needs (``None``: none or any).
DOSES_PER_DAY: dict[str, int | None] = {
    "qd": 1,
    "bid": 2,
    "tid": 3,
    "qid": 4,
    "qn": 1,
    "qw": 1,
    "prn": None,
}


class MedicationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    STOPPED = "stopped", _("Stopped")
    ENTERED_IN_ERROR = "entered_in_error", _("Entered in error")


class DisabilityKind(models.TextChoices):
    """The six categories of the Chinese disability classification (GB/T 26341-2010)."""

    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")


class LineKind(models.TextChoices):
    """Lines and devices in the body that home nurses maintain."""

    PICC = "picc", _("PICC line")
    CENTRAL_LINE = "central_line", _("Central venous line")
    URINARY_CATHETER = "urinary_catheter", _("Urinary catheter")
    STOMA = "stoma", _("Stoma")
    NASOGASTRIC_TUBE = "nasogastric_tube", _("Nasogastric tube")
    TRACHEOSTOMY = "tracheostomy", _("Tracheostomy")
    GASTROSTOMY = "gastrostomy", _("Gastrostomy (PEG) tube")


#: Maintenance interval in days that nursing practice asks for (PICC: weekly flush and
#: dressing; catheter: change about monthly; NG tube: per product, about monthly).
MAINTENANCE_DAYS: dict[str, int] = {
    "picc": 7,
    "central_line": 7,
    "urinary_catheter": 28,
    "stoma": 7,
    "nasogastric_tube": 30,
    "tracheostomy": 7,
    "gastrostomy": 30,
}


class LineStatus(models.TextChoices):
    IN_PLACE = "in_place", _("In place")
    REMOVED = "removed", _("Removed")
    ENTERED_IN_ERROR = "entered_in_error", _("Entered in error")


class DocumentKind(models.TextChoices):
    DISCHARGE_SUMMARY = "discharge_summary", _("Discharge summary")
    LAB_REPORT = "lab_report", _("Laboratory report")
    IMAGING = "imaging", _("Imaging report")
    PRESCRIPTION = "prescription", _("Prescription")
    REFERRAL = "referral", _("Referral letter")
    OTHER = "other", _("Other")


class Instrument(models.TextChoices):
    BARTHEL = "barthel", _("Barthel Index (daily living)")
    MORSE = "morse", _("Morse Fall Scale")
    BRADEN = "braden", _("Braden Scale (pressure injury)")
    AD8 = "ad8", _("AD8 dementia screening")
    MMSE = "mmse", _("Mini-Mental State Examination")
    MNA_SF = "mna_sf", _("Mini Nutritional Assessment (short form)")
    GDS15 = "gds15", _("Geriatric Depression Scale (GDS-15)")
    LTC_LEVEL = "ltc_level", _("Long-term-care disability level (suggested)")
