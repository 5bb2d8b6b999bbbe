"""Fixtures of the visit-loop page tests, in a folder of their own so that this
``elder_a`` (with her home coordinates) does not replace the one of the other web tests.
Borrowed from the orders tests: a frozen clock (Monday 15 June 2026, 08:00 Ningbo), the
wound-dressing and companionship items offered by both institutions, verified providers,
王秀英 at her home and her daughter (the ``family`` persona) linked with the right to
view, book and pay."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.orders.tests.conftest import (  # noqa: F401
    FAR_2KM,
    GOOD_VALUES,
    HOME,
    NOW,
    catalog,
    frozen,
    providers,
    today,
)
from doorstep.people import services as people_services
from doorstep.people.tests.conftest import elder_a  # noqa: F401
from doorstep.workforce.tests.conftest import staff  # noqa: F401


@pytest.fixture
def family_link(elder_a: Any, personas: Any) -> Any:  # noqa: F811
    elder_actor = Actor.of(personas.elder)
    link = people_services.link_family(
        actor=elder_actor,
        elder=elder_a,
        user=personas.family,
        relationship="child",
        permissions=["view_record", "place_orders", "pay"],
    )
    people_services.record_consent(
        actor=elder_actor, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )
    return link
