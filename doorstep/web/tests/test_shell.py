"""The page shell: login through the accounts service, logout, language, large text, nav."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.accounts.models import User
from doorstep.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-42"


def test_login_by_phone_goes_through_service_and_applies_preferred_language(
    client: Any, personas: Any
) -> None:
    User.objects.filter(pk=personas.nurse.pk).update(preferred_language="zh-hans")
    response = client.post("/login/", {"identifier": "13900000003", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == "zh-hans"
    assert AuditEvent.objects.filter(action="login", object_id=str(personas.nurse.pk)).count() == 1
    page = client.get("/")
    assert page.status_code == 200
    assert "欢迎" in page.content.decode()


def test_failed_login_shows_translated_message_and_counts_failure(
    client: Any, personas: Any
) -> None:
    response = client.post(
        "/login/",
        {"identifier": "nurse_chen", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9",
    )
    assert response.status_code == 401
    assert "手机号、用户名或密码不正确" in response.content.decode()
    personas.nurse.refresh_from_db()
    assert personas.nurse.failed_login_count == 1
    assert "_auth_user_id" not in client.session


def test_fifth_failure_locks_the_account_even_with_the_right_password(
    client: Any, personas: Any
) -> None:
    for _ in range(4):
        client.post("/login/", {"identifier": "nurse_chen", "password": "wrong"})
    fifth = client.post("/login/", {"identifier": "nurse_chen", "password": "wrong"})
    assert "Too many failed logins" in fifth.content.decode()
    right = client.post("/login/", {"identifier": "nurse_chen", "password": PASSWORD})
    assert right.status_code == 401
    assert "Too many failed logins" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_ignores_offsite_next(client: Any, personas: Any) -> None:
    response = client.post(
        "/login/?next=https://evil.example/",
        {"identifier": "nurse_chen", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_anonymous_home_redirects_to_login(client: Any, db: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logout_needs_post(login_as: Any, personas: Any) -> None:
    client = login_as(personas.nurse)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_accept_language_for_anonymous(client: Any, db: Any) -> None:
    zh = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "登录" in zh.content.decode()
    assert 'lang="zh-Hans"' in zh.content.decode()
    en = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "Log in" in en.content.decode()


def test_language_switch_stores_preference(login_as: Any, personas: Any) -> None:
    client = login_as(personas.nurse)
    response = client.post("/preferences/language/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "zh-hans"
    personas.nurse.refresh_from_db()
    assert personas.nurse.preferred_language == "zh-hans"


def test_language_switch_rejects_unknown_language(login_as: Any, personas: Any) -> None:
    client = login_as(personas.nurse)
    client.post("/preferences/language/", {"language": "xx", "next": "/"})
    personas.nurse.refresh_from_db()
    assert personas.nurse.preferred_language == "zh-hans"  # unchanged default


def test_large_text_toggle_persists_on_user(login_as: Any, personas: Any) -> None:
    client = login_as(personas.nurse)
    assert 'class="large-text"' not in client.get("/").content.decode()
    client.post("/preferences/large-text/", {"large_text": "1", "next": "/"})
    personas.nurse.refresh_from_db()
    assert personas.nurse.large_text is True
    assert 'class="large-text"' in client.get("/").content.decode()
    client.post("/preferences/large-text/", {"large_text": "0", "next": "/"})
    personas.nurse.refresh_from_db()
    assert personas.nurse.large_text is False


def test_elder_first_login_turns_large_text_on(login_as: Any, personas: Any) -> None:
    assert personas.elder.large_text is False
    login_as(personas.elder)
    personas.elder.refresh_from_db()
    assert personas.elder.large_text is True


def test_elder_who_switched_large_text_off_keeps_it_off(client: Any, personas: Any) -> None:
    client.post("/login/", {"identifier": "elder_wang", "password": PASSWORD})
    client.post("/preferences/large-text/", {"large_text": "0", "next": "/"})
    client.post("/logout/")
    client.post("/login/", {"identifier": "elder_wang", "password": PASSWORD})
    personas.elder.refresh_from_db()
    assert personas.elder.large_text is False


def test_navigation_is_the_union_of_roles(login_as: Any, personas: Any, world: Any) -> None:
    from doorstep.accounts.enums import Role
    from doorstep.accounts.models import Membership

    Membership.objects.create(user=personas.operator, role=Role.FAMILY)
    client = login_as(personas.operator)
    body = client.get("/").content.decode()
    assert 'href="/elders/"' in body
    assert 'href="/family/"' in body
    assert 'href="/audit/"' not in body
    assert 'href="/providers/"' not in body
    assert "Call-centre operator" in body
    assert "Family member" in body


def test_shell_has_skip_link_and_no_cdn(login_as: Any, personas: Any) -> None:
    body = login_as(personas.platform_admin).get("/").content.decode()
    assert 'href="#main"' in body
    assert 'id="main"' in body
    assert "/static/vendor/htmx.min.js" in body
    assert "https://" not in body
    assert "http://" not in body


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("nurse", "/providers/"),
        ("nurse", "/elders/"),
        ("elder", "/family/"),
        ("family", "/me/"),
        ("operator", "/region/"),
        ("regulator", "/audit/"),
        ("inst_admin", "/audit/"),
    ],
)
def test_role_pages_answer_404_to_other_roles(
    login_as: Any, personas: Any, persona: str, path: str
) -> None:
    client = login_as(getattr(personas, persona))
    assert client.get(path).status_code == 404
