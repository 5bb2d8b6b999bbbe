"""Tokens and role grants remembered per process (ADR 0018): served without queries while
nothing changes, and re-read at once after a revocation, a deactivation or a new grant."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.accounts import services
from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership, User
from doorstep.accounts.policy import Actor

pytestmark = pytest.mark.django_db(transaction=True)


def _fresh_actor(user_id: int) -> Actor:
    return Actor.of(User.objects.get(pk=user_id))


def test_token_is_remembered_and_a_revocation_ends_it_at_once(personas: Any) -> None:
    token, key = services.issue_token(user=personas.nurse, name="phone")
    assert services.user_for_token(key).pk == personas.nurse.pk  # type: ignore[union-attr]
    with CaptureQueriesContext(connection) as cq:
        again = services.user_for_token(key)
    assert (again.pk if again else None, len(cq)) == (personas.nurse.pk, 0)

    services.revoke_token(user=personas.nurse, token_id=token.pk)
    assert services.user_for_token(key) is None


def test_a_deactivated_user_token_stops_working(personas: Any) -> None:
    _, key = services.issue_token(user=personas.nurse, name="phone")
    assert services.user_for_token(key) is not None
    personas.nurse.is_active = False
    personas.nurse.save(update_fields=["is_active"])
    assert services.user_for_token(key) is None


def test_unknown_tokens_are_not_remembered(personas: Any) -> None:
    assert services.user_for_token("ds_not-a-token") is None
    with CaptureQueriesContext(connection) as cq:
        assert services.user_for_token("ds_not-a-token") is None
    assert len(cq) == 1  # looked up again, not served from the memo


def test_grants_follow_membership_changes(personas: Any, world: Any) -> None:
    nurse = personas.nurse
    before = _fresh_actor(nurse.pk)
    with CaptureQueriesContext(connection) as cq:
        cached = _fresh_actor(nurse.pk)
    assert (cached.roles, len(cq)) == (before.roles, 1)  # the user row; grants remembered

    services.grant_role(
        actor=personas.platform_admin,
        user=nurse,
        role=Role.DISPATCHER,
        institution_id=world.inst_a.pk,
    )
    assert Role.DISPATCHER in _fresh_actor(nurse.pk).roles

    Membership.objects.get(user=nurse, role=Role.DISPATCHER).delete()
    assert Role.DISPATCHER not in _fresh_actor(nurse.pk).roles
