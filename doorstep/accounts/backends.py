from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from .models import User


class PhoneOrUsernameBackend(ModelBackend):
    """Log in with a username or a mobile phone number.

    Lockout and rate limiting live in ``services.login`` which every login path calls.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        ident = username.strip()
        user = User.objects.filter(Q(username=ident) | Q(phone=ident)).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
