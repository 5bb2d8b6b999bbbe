"""The consent notices shown before a consent is recorded, with their version.

A consent row stores ``policy_version``; change the version whenever the text changes so
each consent can be traced to the words the person saw.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

POLICY_VERSION = "2026-01"

FAMILY_PROXY_TEXT = _(
    "I confirm that I am a family member or guardian of this elder and that the elder "
    "(or their legal guardian) agrees that I act as their proxy on Doorstep.\n"
    "Under the Personal Information Protection Law (PIPL, articles 28 and 29), health "
    "information is sensitive personal information. I consent to Doorstep and the care "
    "institutions serving the elder processing the elder's health data so that I can view "
    "the elder's record, and to my being shown that data as their proxy.\n"
    "I can withdraw this consent at any time on this page; my access stops at once. "
    "Withdrawal does not affect processing that took place before it."
)

HEALTH_DATA_TEXT = _(
    "The elder consents to the processing of their health data (sensitive personal "
    "information under PIPL) by Doorstep and the care institutions serving them, for "
    "delivering and recording care at home. This consent is given by the elder or by staff "
    "on the elder's behalf, and can be withdrawn at any time."
)
