"""Catalogue choices (ADR 0012)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryGroup(models.TextChoices):
    CLINICAL_NURSING = "clinical_nursing", _("Clinical nursing")
    SPECIALIST_NURSING = "specialist_nursing", _("Specialist nursing")
    CHRONIC_DISEASE = "chronic_disease", _("Chronic disease management")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    TCM_NURSING = "tcm_nursing", _("Traditional Chinese medicine nursing")
    MATERNAL_NEWBORN = "maternal_newborn", _("Maternal and newborn care")
    HOSPICE_PALLIATIVE = "hospice_palliative", _("Hospice and palliative care")
    HEALTH_GUIDANCE = "health_guidance", _("Health guidance")
    DAILY_LIFE = "daily_life", _("Daily life")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class FieldType(models.TextChoices):
    """Types of the fields of an item's documentation template."""

    NUMBER = "number", _("Number")
    INTEGER = "integer", _("Whole number")
    TEXT = "text", _("Text")
    CHOICE = "choice", _("Choice")
    BOOL = "bool", _("Yes/no")
    PHOTO = "photo", _("Photo")
