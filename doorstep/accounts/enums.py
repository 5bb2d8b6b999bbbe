from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ELDER = "elder", _("Elder / patient")
    FAMILY = "family", _("Family member")
    NURSE = "nurse", _("Nurse")
    CAREGIVER = "caregiver", _("Caregiver")
    VOLUNTEER = "volunteer", _("Volunteer")
    COMMUNITY_DOCTOR = "community_doctor", _("Community doctor")
    INSTITUTION_ADMIN = "institution_admin", _("Institution admin")
    INSTITUTION_REVIEWER = "institution_reviewer", _("Institution reviewer")
    INSTITUTION_QUALITY = "institution_quality", _("Institution quality officer")
    OPERATOR = "operator", _("Call-centre operator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    REGULATOR = "regulator", _("Regulator")
    PAYER_OFFICER = "payer_officer", _("Payer officer")


#: Roles whose membership names an institution (the tenant they act for).
INSTITUTION_ROLES = frozenset(
    {
        Role.NURSE,
        Role.CAREGIVER,
        Role.COMMUNITY_DOCTOR,
        Role.INSTITUTION_ADMIN,
        Role.INSTITUTION_REVIEWER,
        Role.INSTITUTION_QUALITY,
        Role.DISPATCHER,
        Role.FINANCE_OFFICER,
    }
)
#: Roles whose membership names a region node (they act for that subtree).
REGION_ROLES = frozenset({Role.REGULATOR, Role.PAYER_OFFICER, Role.OPERATOR})
#: Institution staff who manage the institution's people and records.
INSTITUTION_STAFF = frozenset(
    {Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER, Role.INSTITUTION_QUALITY, Role.DISPATCHER}
)
#: People who deliver services at home.
PROVIDER_ROLES = frozenset({Role.NURSE, Role.CAREGIVER, Role.VOLUNTEER, Role.COMMUNITY_DOCTOR})
