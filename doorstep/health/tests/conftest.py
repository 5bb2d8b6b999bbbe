"""Fixtures for the health app: 王秀英 (``elder_a``, institution A) with her family member
linked with consent, and helpers to act as a persona."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.people import services as people_services
from doorstep.people.models import Consent
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401


def act(user: Any) -> Actor:
    return Actor.of(user)


@pytest.fixture
def family_consented(personas: Any, elder_a: Any) -> Consent:  # noqa: F811
    """The family persona linked to 王秀英 with view_record and a proxy-access consent."""
    elder = act(personas.elder)
    people_services.link_family(
        actor=elder,
        elder=elder_a,
        user=personas.family,
        relationship="child",
        permissions=["view_record"],
    )
    return people_services.record_consent(
        actor=elder, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )
