"""Choices for elders, households, family proxies, consents and insurance."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class ElderStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DECEASED = "deceased", _("Deceased")
    MOVED_AWAY = "moved_away", _("Moved away")
    INACTIVE = "inactive", _("Inactive")


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Son or daughter")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Brother or sister")
    RELATIVE = "relative", _("Other relative")
    GUARDIAN = "guardian", _("Legal guardian")
    NEIGHBOUR = "neighbour", _("Neighbour")
    FRIEND = "friend", _("Friend")
    OTHER = "other", _("Other")


class FamilyLinkStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class FamilyPermission(models.TextChoices):
    """What a family proxy may do. Stored as the ``can_*`` booleans of ``FamilyLink``."""

    VIEW_RECORD = "view_record", _("View the elder's record")
    PLACE_ORDERS = "place_orders", _("Place orders")
    PAY = "pay", _("Pay")
    RECEIVE_ALERTS = "receive_alerts", _("Receive alerts")


class ConsentPurpose(models.TextChoices):
    HEALTH_DATA_PROCESSING = "health_data_processing", _("Processing of health data (PIPL)")
    FAMILY_PROXY_ACCESS = "family_proxy_access", _("Access by family proxies")
    DATA_SHARING_WITH_INSTITUTION = (
        "data_sharing_with_institution",
        _("Sharing data with a care institution"),
    )
    DEVICE_MONITORING = "device_monitoring", _("Monitoring by home devices")


class InsuranceScheme(models.TextChoices):
    EMPLOYEE_BASIC = "employee_basic", _("Employee basic medical insurance")
    RESIDENT_BASIC = "resident_basic", _("Resident basic medical insurance")
    LONG_TERM_CARE = "long_term_care", _("Long-term-care insurance")
    COMMERCIAL = "commercial", _("Commercial insurance")
    GOVERNMENT_SUBSIDY = "government_subsidy", _("Government subsidy")


class InstitutionLinkStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
