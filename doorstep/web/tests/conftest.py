"""Fixtures of the web tests: log a persona in through the real login page."""

from __future__ import annotations

import os
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check
# would refuse the ORM calls that fixtures make next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-42"


@pytest.fixture
def login_as(client: Any) -> Any:
    """``login_as(user)`` logs ``user`` in through ``/login/`` and returns the client."""

    def do(user: Any, lang: str = "en") -> Any:
        response = client.post(
            "/login/",
            {"identifier": user.username, "password": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=lang,
        )
        assert response.status_code == 302, response.content[:500]
        client.cookies["django_language"] = lang
        return client

    return do


@pytest.fixture
def pending_nurse(personas: Any, world: Any) -> Any:
    """Nurse Chen of institution A, submitted for verification with a valid licence."""
    import datetime as dt

    from doorstep.accounts.policy import Actor
    from doorstep.workforce import services

    admin = Actor.of(personas.inst_admin)
    provider = services.register_provider(
        actor=admin,
        user=personas.nurse,
        kind="nurse",
        institution=world.inst_a,
        licence_number="NL-330203-0001",
        title="senior_nurse",
        practice_start_date=dt.date(2012, 3, 1),
    )
    services.add_certificate(
        actor=admin,
        provider=provider,
        kind="practising_licence",
        number="NL-330203-0001",
        issuer="Ningbo Health Commission",
        issued_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2099, 12, 31),
    )
    return services.submit_for_verification(actor=admin, provider=provider)


@pytest.fixture
def other_pending_nurse(personas: Any, world: Any) -> Any:
    """Nurse B of institution B, submitted for verification."""
    import datetime as dt

    from doorstep.accounts.policy import Actor
    from doorstep.workforce import services

    admin = Actor.of(personas.other_admin)
    provider = services.register_provider(
        actor=admin,
        user=personas.other_nurse,
        kind="nurse",
        institution=world.inst_b,
        licence_number="NL-330212-0009",
        title="nurse",
        practice_start_date=dt.date(2023, 1, 1),
    )
    return services.submit_for_verification(actor=admin, provider=provider)


#: Valid GB 11643 numbers (check digits worked out in doorstep/people/tests/conftest.py).
ID_A = "11010519491231002X"
PHONE_A = "13812345678"
ID_B = "330212193806150021"
PHONE_B = "13787654321"
ID_NEW = "330203194501010018"


@pytest.fixture
def elder_a(world: Any, personas: Any) -> Any:
    """王秀英, the ``elder`` persona's own profile, community 1, served by institution A."""
    from doorstep.accounts.policy import Actor
    from doorstep.people import services

    elder = services.register_elder(
        actor=Actor.of(personas.elder),
        full_name="王秀英",
        id_number=ID_A,
        phone=PHONE_A,
        region=world.community1,
        address="尹江路 12 弄 3 号 502 室",
    )
    services.link_institution(
        actor=Actor.of(personas.platform_admin), elder=elder, institution=world.inst_a
    )
    return elder


@pytest.fixture
def elder_b(world: Any, personas: Any) -> Any:
    """陈桂兰 of community 2, registered by institution B."""
    from doorstep.accounts.policy import Actor
    from doorstep.people import services

    return services.register_elder(
        actor=Actor.of(personas.other_admin),
        full_name="陈桂兰",
        id_number=ID_B,
        phone=PHONE_B,
        region=world.community2,
        address="姜山镇陈家团村 8 号",
    )
