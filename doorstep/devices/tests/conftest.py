"""Fixtures for the devices app: 王秀英 (``elder_a``, institution A) in a household, with a
blood-pressure monitor and a watch registered by institution A's admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.devices import services
from doorstep.devices.models import Device
from doorstep.people import services as people_services
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401


@dataclass
class Kit:
    bp: Device
    bp_secret: str
    watch: Device
    watch_secret: str


@pytest.fixture
def kit(personas: Any, elder_a: Any) -> Kit:  # noqa: F811
    admin = Actor.of(personas.inst_admin)
    people_services.set_household(
        actor=admin, elder=elder_a, lives_alone=True, floor=5, has_lift=False
    )
    elder_a.refresh_from_db()
    bp, bp_secret = services.register_device(actor=admin, elder=elder_a, type="bp_monitor")
    watch, watch_secret = services.register_device(actor=admin, elder=elder_a, type="watch")
    return Kit(bp, bp_secret, watch, watch_secret)
