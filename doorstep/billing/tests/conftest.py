from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor


@pytest.fixture
def platform_actor(personas: Any) -> Actor:
    return Actor.of(personas.platform_admin)
