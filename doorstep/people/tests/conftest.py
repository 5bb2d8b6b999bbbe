"""Fixtures for the people app: two elders registered through the services.

``elder_a`` (王秀英) registered herself with the ``elder`` persona's login, lives in
community 1 (district 1) and is served by institution A. ``elder_b`` (陈桂兰) was
registered by institution B's admin and lives in community 2 (district 2).
"""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.people import services
from doorstep.people.models import Elder

#: 11010519491231002X: weights x digits = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167,
#: 167 mod 11 = 2 -> "10X98765432"[2] = "X". Born 1949-12-31, 17th digit 2 -> female.
ID_A = "11010519491231002X"
PHONE_A = "13812345678"
#: 330212193806150021: 21+27+0+10+8+8+2+9+18+24+0+54+10+25+0+0+4 = 220, 220 mod 11 = 0
#: -> "1". Born 1938-06-15, 17th digit 2 -> female.
ID_B = "330212193806150021"
PHONE_B = "13787654321"
#: 330203194501010018: 21+27+0+10+0+12+2+9+24+15+0+9+0+5+0+0+2 = 136, 136 mod 11 = 4
#: -> "8". Born 1945-01-01, 17th digit 1 -> male.
ID_NEW = "330203194501010018"


def actor(user: Any) -> Actor:
    return Actor.of(user)


@pytest.fixture
def elder_a(world: Any, personas: Any) -> Elder:
    elder = services.register_elder(
        actor=actor(personas.elder),
        full_name="王秀英",
        id_number=ID_A,
        phone=PHONE_A,
        region=world.community1,
        address="尹江路 12 弄 3 号 502 室",
        lat=29.8612,
        lng=121.5433,
        care_level=2,
        languages=["zh"],
        dialects=["wu-ningbo"],
    )
    services.link_institution(
        actor=actor(personas.platform_admin), elder=elder, institution=world.inst_a
    )
    return elder


@pytest.fixture
def elder_b(world: Any, personas: Any) -> Elder:
    return services.register_elder(
        actor=actor(personas.other_admin),
        full_name="陈桂兰",
        id_number=ID_B,
        phone=PHONE_B,
        region=world.community2,
        address="姜山镇陈家团村 8 号",
    )
