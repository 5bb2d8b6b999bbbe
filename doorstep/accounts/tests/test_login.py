"""Login by username or phone, argon2 hashing, lockout after 5 failures, rate limit."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import override_settings

from conftest import PASSWORD
from doorstep.accounts.models import User
from doorstep.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_token_by_username_and_by_phone(personas, api_as):
    anon = api_as(None)
    r1 = anon.post("/api/v1/auth/token", {"identifier": "nurse_chen", "password": PASSWORD})
    r2 = anon.post("/api/v1/auth/token", {"identifier": "13900000003", "password": PASSWORD})
    assert r1.status_code == 200
    assert r2.status_code == 200
    me = anon.client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {r2.json()['key']}")
    assert me.status_code == 200
    assert me.json()["username"] == "nurse_chen"
    assert [m["role"] for m in me.json()["roles"]] == ["nurse"]


def test_wrong_password_is_401_with_code_in_the_request_language(personas, api_as):
    r = api_as(None, "zh-hans").post(
        "/api/v1/auth/token", {"identifier": "nurse_chen", "password": "nope"}
    )
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_credentials"
    assert r.json()["message"] == "手机号、用户名或密码不正确。"


def test_fifth_failure_locks_the_account_even_for_the_right_password(personas, api_as):
    anon = api_as(None)
    codes = [
        anon.post("/api/v1/auth/token", {"identifier": "nurse_chen", "password": "bad"}).json()[
            "code"
        ]
        for _ in range(5)
    ]
    assert codes == ["invalid_credentials"] * 4 + ["account_locked"]
    r = anon.post("/api/v1/auth/token", {"identifier": "nurse_chen", "password": PASSWORD})
    assert (r.status_code, r.json()["code"]) == (423, "account_locked")
    assert User.objects.get(username="nurse_chen").locked_until is not None
    assert AuditEvent.objects.filter(action="account_locked").count() == 1


def test_success_resets_the_failure_count(personas, api_as):
    anon = api_as(None)
    for _ in range(4):
        anon.post("/api/v1/auth/token", {"identifier": "nurse_chen", "password": "bad"})
    assert (
        anon.post(
            "/api/v1/auth/token", {"identifier": "nurse_chen", "password": PASSWORD}
        ).status_code
        == 200
    )
    assert User.objects.get(username="nurse_chen").failed_login_count == 0


@override_settings(LOGIN_RATE_LIMIT=3)
def test_rate_limit_per_address(personas, api_as):
    from django.core.cache import cache

    cache.clear()
    anon = api_as(None)
    statuses = [
        anon.post("/api/v1/auth/token", {"identifier": f"x{i}", "password": "y"}).status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    encoded = Argon2PasswordHasher().encode("secret-pass", Argon2PasswordHasher().salt())
    assert encoded.startswith("argon2$argon2id$")


def test_revoked_token_no_longer_works(personas, api_as):
    anon = api_as(None)
    body = anon.post(
        "/api/v1/auth/token", {"identifier": "nurse_chen", "password": PASSWORD}
    ).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {body['key']}"}
    assert anon.client.delete(f"/api/v1/auth/token/{body['id']}", **auth).status_code == 204
    r = anon.client.get("/api/v1/me", **auth)
    assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")
