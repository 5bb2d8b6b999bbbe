"""Writes for accounts: login with lockout and rate limit, API tokens, users and memberships."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from doorstep.core import audit, clock, sql
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.core.memo import memo
from doorstep.organizations.models import Institution
from doorstep.regions.models import Region

from .enums import INSTITUTION_ROLES, REGION_ROLES, Role
from .errors import AccountLocked, InvalidCredentials, RateLimited
from .models import ApiToken, Membership, User
from .validators import normalize_phone


def _rate_key(client_addr: str) -> str:
    window = int(clock.now().timestamp()) // settings.LOGIN_RATE_WINDOW_SECONDS
    return f"login-rate:{client_addr}:{window}"


def _check_rate(client_addr: str) -> None:
    key = _rate_key(client_addr)
    cache.add(key, 0, timeout=settings.LOGIN_RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.LOGIN_RATE_WINDOW_SECONDS * 2)
        count = 1
    if count > settings.LOGIN_RATE_LIMIT:
        raise RateLimited()


def _lookup(identifier: str) -> User | None:
    ident = identifier.strip()
    return User.objects.filter(username=ident).first() or User.objects.filter(phone=ident).first()


def _count_failure(target: User, now: dt.datetime) -> bool:
    """Count one failed login; lock the account at the threshold. True when it locked."""
    with transaction.atomic():
        User.objects.filter(pk=target.pk).update(failed_login_count=F("failed_login_count") + 1)
        target.refresh_from_db(fields=["failed_login_count"])
        if target.failed_login_count < settings.LOGIN_LOCKOUT_THRESHOLD:
            return False
        locked = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        User.objects.filter(pk=target.pk).update(locked_until=locked, failed_login_count=0)
        audit.record(actor=None, action="account_locked", object_type="user", object_id=target.pk)
    return True


def login(*, identifier: str, password: str, client_addr: str) -> User:
    """Check a login. Counts failures per account: the 5th locks it for 15 minutes.

    Raises ``rate_limited`` (429), ``account_locked`` (423) or ``invalid_credentials`` (401).
    """
    _check_rate(client_addr)
    now = clock.now()
    target = _lookup(identifier)
    if target is not None and target.locked_until and target.locked_until > now:
        raise AccountLocked()
    user = authenticate(None, username=identifier, password=password)
    if user is None:
        if target is not None and _count_failure(target, now):
            raise AccountLocked()
        raise InvalidCredentials()
    assert isinstance(user, User)
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    audit.record(actor=user, action="login", object_type="user", object_id=user.pk)
    return user


def issue_token(
    *, user: User, name: str = "api", ttl_days: int | None = 30
) -> tuple[ApiToken, str]:
    """Create an API token. Returns the row and the plain key (shown once, never stored)."""
    key = "ds_" + secrets.token_urlsafe(32)
    expires = clock.now() + dt.timedelta(days=ttl_days) if ttl_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name[:64],
        prefix=key[3:11],
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        expires_at=expires,
    )
    audit.record(actor=user, action="token_issued", object_type="api_token", object_id=token.pk)
    return token, key


#: Tokens and role grants, remembered per process between changes (ADR 0018): every save
#: or delete of a token, user, membership or region bumps it, and so does a revocation.
ACCESS = memo("access", max_age=30)
_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]


@dataclass
class _TokenFacts:
    token_id: int
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    user_values: list[Any]


_TOKEN_FIELDS = ("id", "expires_at", "last_used_at")
_USER_NAMES = [f.name for f in User._meta.concrete_fields]


def _token_sql() -> str:
    """The unrevoked token of a key digest and its user, one statement whose text is the
    same for every request (prepared once per database session, ADR 0036)."""

    def build() -> str:
        cols = [sql.column(ApiToken, n, "t") for n in _TOKEN_FIELDS]
        cols += [sql.column(User, n, "u") for n in _USER_NAMES]
        return (
            f"SELECT {', '.join(cols)} FROM {sql.table(ApiToken)} t "  # noqa: S608
            f"JOIN {sql.table(User)} u ON {sql.column(User, 'id', 'u')} "
            f"= {sql.column(ApiToken, 'user', 't')} "
            f"WHERE {sql.column(ApiToken, 'key_hash', 't')} = %s "
            f"AND {sql.column(ApiToken, 'revoked_at', 't')} IS NULL"
        )

    return sql.text("accounts.token", build)


def _token_facts(digest: str) -> _TokenFacts | None:
    rows = sql.fetchall(_token_sql(), [digest])
    if not rows:
        return None
    n = len(_TOKEN_FIELDS)
    token = sql.values(ApiToken, _TOKEN_FIELDS, rows[0][:n])
    user = sql.values(User, _USER_NAMES, rows[0][n:])
    return _TokenFacts(
        token_id=token["id"],
        expires_at=token["expires_at"],
        last_used_at=token["last_used_at"],
        user_values=[user[name] for name in _USER_FIELDS],
    )


def user_for_token(key: str) -> User | None:
    """The active user of an unrevoked, unexpired token (a fresh ``User`` per call)."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    facts = ACCESS.remember(("token", digest), lambda: _token_facts(digest), keep_none=False)
    if facts is None:
        return None
    user = User.from_db("default", _USER_FIELDS, facts.user_values)
    if not user.is_active:
        return None
    now = clock.now()
    if facts.expires_at and facts.expires_at <= now:
        return None
    if facts.last_used_at is None or (now - facts.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=facts.token_id).update(last_used_at=now)
        facts.last_used_at = now
    return user


def revoke_token(*, user: User, token_id: int) -> None:
    """Revoke one of ``user``'s own tokens; any other id answers 404."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(
        revoked_at=clock.now()
    )
    if not updated:
        raise NotFound()
    transaction.on_commit(ACCESS.bump)  # a queryset update sends no save signal
    audit.record(actor=user, action="token_revoked", object_type="api_token", object_id=token_id)


def create_user(
    *,
    actor: Any,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str | None = None,
    preferred_language: str = "zh-hans",
) -> User:
    """Register a login. ``phone`` is validated and must be unused."""
    clean_phone = normalize_phone(phone) if phone else None
    if not username or len(username) > 64:
        raise ValidationFailed("invalid_username", _("Choose a username of 1 to 64 characters."))
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict("username_taken", _("This username is already taken."))
        if clean_phone and User.objects.filter(phone=clean_phone).exists():
            raise Conflict("phone_taken", _("This phone number is already registered."))
        user = User.objects.create_user(
            username=username,
            password=password,
            display_name=display_name,
            phone=clean_phone,
            preferred_language=preferred_language,
        )
        audit.record(
            actor=actor,
            action="create",
            object_type="user",
            object_id=user.pk,
            changed_fields=["username", "display_name", "phone"],
        )
    return user


def grant_role(
    *,
    actor: Any,
    user: User,
    role: str,
    institution_id: int | None = None,
    region_id: int | None = None,
) -> Membership:
    """Give a user a role. Institution roles need an institution; regulators a region."""
    if role not in Role.values:
        raise ValidationFailed("invalid_role", _("Unknown role."))
    if role in INSTITUTION_ROLES and not institution_id:
        raise ValidationFailed("institution_required", _("This role needs an institution."))
    if role in (Role.REGULATOR, Role.PAYER_OFFICER) and not region_id:
        raise ValidationFailed("region_required", _("This role needs a region."))
    if role not in INSTITUTION_ROLES and role not in REGION_ROLES:
        institution_id = institution_id if role == Role.VOLUNTEER else None
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user,
            role=role,
            institution=institution_id and Institution.objects.get(pk=institution_id),
            region=region_id and Region.objects.get(pk=region_id),
        )
        if not created and not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="grant_role",
            object_type="membership",
            object_id=membership.pk,
            institution_id=institution_id,
            details={"role": role, "user": user.pk},
        )
    return membership


def set_preferences(
    *, user: User, language: str | None = None, large_text: bool | None = None
) -> User:
    fields = []
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationFailed("invalid_language", _("Unsupported language."))
        user.preferred_language = language
        fields.append("preferred_language")
    if large_text is not None:
        user.large_text = large_text
        fields.append("large_text")
    if fields:
        user.save(update_fields=fields)
    return user
