"""Fixtures for institutions: a finance officer of A, a security contact, actors."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World, make_user
from doorstep.accounts.enums import Role


@pytest.fixture
def finance_a(world: World) -> Any:
    return make_user("finance_a", (Role.FINANCE_OFFICER, world.inst_a, None))


@pytest.fixture
def guarded(world: World) -> World:
    """Institution A with a front desk and a security office contact."""
    world.inst_a.phone = "0574-87000000"
    world.inst_a.security_contact_name = "张保安"
    world.inst_a.security_contact_phone = "13812345678"
    world.inst_a.save()
    return world


@pytest.fixture
def as_actor() -> Any:
    from doorstep.accounts.policy import Actor

    def make(user: Any) -> Any:
        return Actor.of(user)

    return make
