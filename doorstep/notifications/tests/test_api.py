"""/api/v1/notifications: the caller's own inbox only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.notifications import services
from doorstep.notifications.enums import Severity
from doorstep.notifications.models import Notification

URL = "/api/v1/notifications"


@pytest.fixture
def inbox(personas: Any) -> dict[str, Notification]:
    """Three notifications for the nurse (oldest first), one for the other institution's nurse."""
    made = {
        name: services.notify(
            recipient=personas.nurse, kind=f"test.{name}", title=Severity.WARNING.label
        )
        for name in ("first", "second", "third")
    }
    made["theirs"] = services.notify(recipient=personas.other_nurse, kind="test.theirs", title="B")
    return made


def test_list_own_newest_first_in_request_language(api_as: Any, personas: Any, inbox: Any) -> None:
    res = api_as(personas.nurse).get(URL)
    assert res.status_code == 200
    body = res.json()
    assert body["count"] == 3
    assert [i["kind"] for i in body["items"]] == ["test.third", "test.second", "test.first"]
    item = body["items"][0]
    assert (item["title"], item["read"], item["read_at"], item["severity"]) == (
        "Warning",
        False,
        None,
        "info",
    )
    zh = api_as(personas.nurse, lang="zh-hans").get(URL).json()
    assert zh["items"][0]["title"] == "警告"


def test_list_paginates_and_filters_unread(api_as: Any, personas: Any, inbox: Any) -> None:
    client = api_as(personas.nurse)
    page = client.get(URL, {"limit": 2, "offset": 2}).json()
    assert (page["count"], [i["kind"] for i in page["items"]]) == (3, ["test.first"])
    services.mark_read(user=personas.nurse, notification=inbox["second"])
    unread = client.get(URL, {"unread": "true"}).json()
    assert [i["kind"] for i in unread["items"]] == ["test.third", "test.first"]


def test_list_query_count_does_not_grow(api_as: Any, personas: Any, inbox: Any) -> None:
    client = api_as(personas.nurse)
    client.get(URL)  # the first call of a token also records its use
    with CaptureQueriesContext(connection) as three:
        client.get(URL)
    for i in range(5):
        services.notify(recipient=personas.nurse, kind="test.more", title=f"More {i}")
    with CaptureQueriesContext(connection) as eight:
        assert client.get(URL).json()["count"] == 8
    assert len(eight) == len(three)


def test_unread_count_and_mark_read(api_as: Any, personas: Any, inbox: Any) -> None:
    client = api_as(personas.nurse)
    assert client.get(f"{URL}/unread-count").json() == {"unread": 3}
    res = client.post(f"{URL}/{inbox['first'].pk}/read")
    assert res.status_code == 200
    assert (res.json()["id"], res.json()["read"]) == (inbox["first"].pk, True)
    assert res.json()["read_at"] is not None
    assert client.get(f"{URL}/unread-count").json() == {"unread": 2}
    # again: still read, same time
    again = client.post(f"{URL}/{inbox['first'].pk}/read").json()
    assert again["read_at"] == res.json()["read_at"]


def test_mark_all_read_touches_only_own(api_as: Any, personas: Any, inbox: Any) -> None:
    res = api_as(personas.nurse).post(f"{URL}/read-all")
    assert (res.status_code, res.json()) == (200, {"marked": 3})
    assert Notification.objects.filter(recipient=personas.nurse, read_at__isnull=True).count() == 0
    inbox["theirs"].refresh_from_db()
    assert inbox["theirs"].read_at is None
    assert api_as(personas.other_nurse).get(f"{URL}/unread-count").json() == {"unread": 1}


@pytest.mark.parametrize("who", ["other_nurse", "other_admin", "platform_admin"])
def test_another_users_notification_is_404_and_unchanged(
    api_as: Any, personas: Any, inbox: Any, who: str
) -> None:
    """Nobody else, the platform admin included, can see or mark a user's notification."""
    mine = inbox["first"]
    res = api_as(getattr(personas, who), lang="zh-hans").post(f"{URL}/{mine.pk}/read")
    assert res.status_code == 404
    assert res.json() == {"code": "not_found", "message": "未找到。", "details": {}}
    mine.refresh_from_db()
    assert mine.read_at is None
    listed = api_as(getattr(personas, who)).get(URL).json()
    assert mine.pk not in [i["id"] for i in listed["items"]]


def test_unknown_notification_is_404(api_as: Any, personas: Any, inbox: Any) -> None:
    res = api_as(personas.nurse).post(f"{URL}/999999/read")
    assert (res.status_code, res.json()["code"]) == (404, "not_found")


def test_anonymous_is_401(api_as: Any, inbox: Any) -> None:
    client = api_as(None)
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/unread-count").json()["code"] == "not_authenticated"
    res = client.post(f"{URL}/{inbox['first'].pk}/read")
    assert res.status_code == 401
    inbox["first"].refresh_from_db()
    assert inbox["first"].read_at is None
