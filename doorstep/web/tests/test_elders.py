"""Operators find elders by phone, name or ID number and register new ones."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.core.models import AuditEvent
from doorstep.people.models import Elder

from .conftest import ID_A, ID_NEW, PHONE_A

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("term", [PHONE_A, ID_A, "秀英"])
def test_search_by_phone_id_or_name_shows_masked_id(
    login_as: Any, personas: Any, elder_a: Any, term: str
) -> None:
    client = login_as(personas.operator)
    body = client.get("/elders/results/", {"q": term}, HTTP_HX_REQUEST="true").content.decode()
    assert "王秀英" in body  # operators see identities in their region
    assert "110***********002X" in body  # but never the full ID number
    assert ID_A not in body
    assert PHONE_A in body  # the policy lets operators call the elder back
    assert "<html" not in body


def test_search_outside_region_finds_nothing(
    login_as: Any, personas: Any, world: Any, elder_a: Any
) -> None:
    from doorstep.accounts.enums import Role
    from doorstep.accounts.models import Membership

    Membership.objects.filter(user=personas.operator).update(region=world.district2)
    body = login_as(personas.operator).get("/elders/", {"q": PHONE_A}).content.decode()
    assert "王秀英" not in body
    assert "No elder found." in body
    assert Role.OPERATOR  # the membership changed, not the role


def test_bad_id_check_digit_is_explained(login_as: Any, personas: Any, elder_a: Any) -> None:
    body = login_as(personas.operator).get("/elders/", {"q": ID_A[:-1] + "1"}).content.decode()
    assert "The check digit of this resident ID number is wrong" in body


def test_detail_is_audited_and_404_outside_region(
    login_as: Any, personas: Any, world: Any, elder_a: Any, elder_b: Any
) -> None:
    from doorstep.accounts.models import Membership

    Membership.objects.filter(user=personas.operator).update(region=world.district1)
    client = login_as(personas.operator)
    before = AuditEvent.objects.filter(action="read", object_id=str(elder_a.pk)).count()
    assert client.get(f"/elders/{elder_a.pk}/").status_code == 200
    assert AuditEvent.objects.filter(action="read", object_id=str(elder_a.pk)).count() == before + 1
    assert client.get(f"/elders/{elder_b.pk}/").status_code == 404


def test_register_elder(login_as: Any, personas: Any, world: Any) -> None:
    client = login_as(personas.operator)
    form = client.get("/elders/new/").content.decode()
    assert "Yinjiang Community" in form
    response = client.post(
        "/elders/new/",
        {
            "full_name": "李建国",
            "id_number": ID_NEW,
            "phone": "13811112222",
            "region": world.community1.pk,
            "address": "南门街道 1 号",
        },
    )
    assert response.status_code == 302
    elder = Elder.objects.get(full_name="李建国")
    assert response["Location"] == f"/elders/{elder.pk}/"
    assert elder.sex == "male"
    assert elder.created_by_id == personas.operator.pk


def test_register_errors_inline_in_chinese_and_nothing_written(
    login_as: Any, personas: Any, world: Any
) -> None:
    client = login_as(personas.operator, lang="zh-hans")
    response = client.post(
        "/elders/new/",
        {
            "full_name": "李建国",
            "id_number": ID_NEW[:-1] + "9",
            "phone": "13811112222",
            "region": world.community1.pk,
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="error-id_number"' in body
    assert 'aria-invalid="true"' in body
    assert Elder.objects.count() == 0


def test_register_duplicate_id_number(
    login_as: Any, personas: Any, world: Any, elder_a: Any
) -> None:
    client = login_as(personas.operator)
    response = client.post(
        "/elders/new/",
        {"full_name": "重复", "id_number": ID_A, "phone": "", "region": world.community1.pk},
    )
    assert response.status_code == 422
    assert 'data-testid="error-id_number"' in response.content.decode()
    assert Elder.objects.count() == 1


def test_register_bad_phone_inline(login_as: Any, personas: Any, world: Any) -> None:
    client = login_as(personas.operator)
    response = client.post(
        "/elders/new/",
        {
            "full_name": "李建国",
            "id_number": ID_NEW,
            "phone": "12345",
            "region": world.community1.pk,
        },
    )
    body = response.content.decode()
    assert 'data-testid="error-phone"' in body
    assert "Enter an 11-digit mainland mobile number starting with 1." in body
    assert Elder.objects.count() == 0
