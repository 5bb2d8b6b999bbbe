from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InstitutionType(models.TextChoices):
    TERTIARY_HOSPITAL = "tertiary_hospital", _("Tertiary hospital")
    SECONDARY_HOSPITAL = "secondary_hospital", _("Secondary hospital")
    COMMUNITY_HEALTH_CENTRE = "community_health_centre", _("Community health centre")
    TOWNSHIP_HEALTH_CENTRE = "township_health_centre", _("Township health centre")
    HOME_CARE_AGENCY = "home_care_agency", _("Home-care agency")
    ELDERLY_CARE_ORGANISATION = "elderly_care_organisation", _("Elderly-care organisation")


#: Institution types that are approved medical institutions (may provide clinical nursing).
MEDICAL_TYPES = frozenset(
    {
        InstitutionType.TERTIARY_HOSPITAL,
        InstitutionType.SECONDARY_HOSPITAL,
        InstitutionType.COMMUNITY_HEALTH_CENTRE,
        InstitutionType.TOWNSHIP_HEALTH_CENTRE,
    }
)


class InstitutionStatus(models.TextChoices):
    # A context keeps these apart from other apps' "Active" (elders, links, devices).
    ONBOARDING = "onboarding", pgettext_lazy("institution status", "Onboarding")
    ACTIVE = "active", pgettext_lazy("institution status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("institution status", "Suspended")


#: Allowed status transitions: from -> {to}.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    InstitutionStatus.ONBOARDING: frozenset(
        {InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED}
    ),
    InstitutionStatus.ACTIVE: frozenset({InstitutionStatus.SUSPENDED}),
    InstitutionStatus.SUSPENDED: frozenset({InstitutionStatus.ACTIVE}),
}
