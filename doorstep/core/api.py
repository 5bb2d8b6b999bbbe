"""Helpers every app's API router uses: the acting user, the error schema, pagination."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema

from doorstep.accounts.errors import NotAuthenticated
from doorstep.accounts.policy import Actor


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


#: Responses documented on every route that can refuse.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def actor_of(request: HttpRequest) -> Actor:
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAuthenticated()
    return Actor.of(user)
