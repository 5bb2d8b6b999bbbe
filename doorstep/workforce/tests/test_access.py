"""Who sees, changes and verifies nurse_chen (institution A, district 1), per RULES."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.workforce.access import may, providers_for

pytestmark = pytest.mark.django_db

#: persona -> (view, change, verify) for nurse_chen's provider row.
EXPECTED = {
    "platform_admin": (True, True, False),
    "inst_admin": (True, True, True),
    "reviewer": (True, False, True),
    "dispatcher": (True, False, False),
    "regulator": (True, False, False),
    "nurse": (True, True, False),
    "caregiver": (False, False, False),
    "other_admin": (False, False, False),
    "other_nurse": (False, False, False),
    "other_regulator": (False, False, False),
    "operator": (False, False, False),
    "elder": (False, False, False),
    "family": (False, False, False),
    "payer_officer": (False, False, False),
    "nobody": (False, False, False),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_access_matrix(personas: Any, staff: Any, persona: str) -> None:
    actor = Actor.of(getattr(personas, persona))
    got = tuple(may(actor, staff.nurse, action) for action in ("view", "change", "verify"))
    assert got == EXPECTED[persona]


def test_regulator_without_region_node_sees_the_whole_platform(personas: Any, staff: Any) -> None:
    from doorstep.accounts.enums import Role
    from doorstep.accounts.models import Membership, User

    user = User.objects.create_user(username="national_regulator")
    Membership.objects.create(user=user, role=Role.REGULATOR)
    ids = sorted(providers_for(Actor.of(user)).values_list("pk", flat=True))
    assert ids == sorted([staff.nurse.pk, staff.caregiver.pk, staff.other_nurse.pk])


def test_anonymous_sees_nothing(staff: Any) -> None:
    assert not providers_for(Actor.of(None)).exists()
