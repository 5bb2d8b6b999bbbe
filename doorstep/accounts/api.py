from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.core.api import ERRORS, actor_of
from doorstep.core.middleware import client_address

from . import services
from .models import User

router = Router(tags=["accounts"])


class TokenIn(Schema):
    identifier: str = Field(..., examples=["13800000001"], description="Username or mobile phone.")
    password: str = Field(..., examples=["demo-pass-2026"])
    name: str = Field("api", examples=["my laptop"])


class TokenOut(Schema):
    id: int
    key: str = Field(..., description="Shown once. Send as `Authorization: Bearer <key>`.")
    expires_at: str | None


class MembershipOut(Schema):
    role: str
    institution_id: int | None
    region_id: int | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    preferred_language: str
    large_text: bool
    roles: list[MembershipOut]


class PreferencesIn(Schema):
    language: str | None = Field(None, examples=["en"])
    large_text: bool | None = None


@router.post(
    "/auth/token", auth=None, response={200: TokenOut, **ERRORS, 423: ERRORS[401], 429: ERRORS[401]}
)
def create_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange a login for an API token (lockout after 5 failures, rate-limited per address)."""
    user = services.login(
        identifier=payload.identifier,
        password=payload.password,
        client_addr=client_address(request),
    )
    token, key = services.issue_token(user=user, name=payload.name)
    return TokenOut(
        id=token.pk, key=key, expires_at=token.expires_at.isoformat() if token.expires_at else None
    )


@router.delete("/auth/token/{token_id}", response={204: None, **ERRORS})
def delete_token(request: HttpRequest, token_id: int) -> Status:
    actor = actor_of(request)
    services.revoke_token(user=actor.user, token_id=token_id)
    return Status(204, None)


def _me(user: User) -> MeOut:
    return MeOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        preferred_language=user.preferred_language,
        large_text=user.large_text,
        roles=[
            MembershipOut(role=m.role, institution_id=m.institution_id, region_id=m.region_id)
            for m in user.memberships.filter(is_active=True).order_by("id")
        ],
    )


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    return _me(actor_of(request).user)


@router.patch("/me/preferences", response={200: MeOut, **ERRORS})
def update_preferences(request: HttpRequest, payload: PreferencesIn) -> MeOut:
    user = actor_of(request).user
    services.set_preferences(user=user, language=payload.language, large_text=payload.large_text)
    return _me(user)
