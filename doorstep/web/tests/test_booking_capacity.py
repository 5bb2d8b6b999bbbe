# ruff: noqa: F811
"""The booking page offers start times only while the institution can serve them
(capacity-aware booking, ADR 0032), on the tiny city of the dispatch tests: two providers,
v1 and v3 waiting at 09:00, v2 at 11:00, v4 at 13:00, all on 16 June 2026."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.dispatch.tests.plan_scene import (  # noqa: F401
    catalog,
    city,
    elder_a,
    frozen,
    providers,
    staff,
    today,
)
from doorstep.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _capacity_on(settings: Any) -> None:
    settings.BOOKING_CAPACITY_CHECK = True


def _times(page: Any) -> list[tuple[str, str]]:
    return list(page.context["form"].fields["slot"].choices)


def test_the_elder_sees_only_open_times_and_a_full_one_is_refused(
    client: Any,
    login_as: Any,
    personas: Any,
    city: Any,
    catalog: Any,
) -> None:
    client = login_as(personas.elder)
    url = f"/services/{catalog.companion.pk}/"
    page = client.get(url, {"day": "2026-06-16"})
    assert page.status_code == 200
    times = [value for value, _label in _times(page)]
    assert "09:00" not in times  # both providers are taken by v1 and v3
    assert "15:00" in times
    # 08:00 is open: served 08:00-09:00 (or a few minutes later), v1 and v3 still begin
    # inside their 30-minute arrival windows (ADR 0037); 08:30 is not
    assert "08:00" in times
    assert "08:30" not in times
    html = page.content.decode()
    assert 'data-testid="full-times"' in html
    full = 19 - len(times)
    assert f"{full} start times are fully booked and not shown." in html
    # the form asks the page again when the day changes (HTMX), for that day's times
    assert 'hx-trigger="change from:#id_day, change from:#id_offering"' in html
    # a full time posted anyway (a stale page) is refused by the form, nothing booked
    offering = str(page.context["form"].fields["offering"].choices[0][0])
    data = {"elder": "", "offering": offering, "day": "2026-06-16", "slot": "09:00"}
    data["elder"] = str(page.context["elder"].pk)
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert 'data-testid="error-slot"' in refused.content.decode()
    assert Order.objects.count() == 4
    booked = client.post(url, {**data, "slot": "15:00"})
    assert booked.status_code == 302
    assert Order.objects.count() == 5


def test_the_page_in_chinese_and_a_day_with_nothing_free(
    client: Any,
    login_as: Any,
    personas: Any,
    city: Any,
    catalog: Any,
) -> None:
    import datetime as dt

    from doorstep.core import clock
    from doorstep.dispatch.models import Shift
    from doorstep.dispatch.tests.plan_scene import DAY

    for provider in (city.nurse, city.caregiver):  # both off that day
        Shift.objects.create(
            provider=provider,
            day=DAY,
            start=dt.time(8),
            end=dt.time(18),
            off=True,
            updated_by=personas.dispatcher,
            updated_at=clock.now(),
        )
    client = login_as(personas.elder, "zh-hans")
    page = client.get(f"/services/{catalog.companion.pk}/", {"day": "2026-06-16"})
    assert _times(page) == []
    assert "这一天该机构已没有空闲的开始时间" in page.content.decode()


def test_staff_see_every_time_with_the_full_ones_marked(
    client: Any,
    login_as: Any,
    personas: Any,
    city: Any,
    catalog: Any,
    elder_a: Any,
) -> None:
    client = login_as(personas.operator)
    page = client.get(
        f"/services/{catalog.companion.pk}/", {"elder": elder_a.pk, "day": "2026-06-16"}
    )
    labels = dict(_times(page))
    assert len(labels) == 19
    assert labels["09:00"] == "09:00–09:30 (fully booked)"  # the arrival window, ADR 0037
    assert labels["15:00"] == "15:00–15:30"
    # the times that fill the nurse's wait between v1 and v2 are recommended (ADR 0038)
    assert [t for t, label in labels.items() if label.endswith("· Recommended")] == [
        "10:00",
        "10:30",
        "11:00",
    ]
    assert 'data-testid="recommended-times"' in page.content.decode()


def test_recommended_times_in_chinese(
    client: Any,
    login_as: Any,
    personas: Any,
    city: Any,
    catalog: Any,
) -> None:
    """ADR 0038: the elder sees the recommended times marked, and why, in Chinese."""
    client = login_as(personas.elder, "zh-hans")
    page = client.get(f"/services/{catalog.companion.pk}/", {"day": "2026-06-16"})
    labels = dict(_times(page))
    assert labels["10:00"] == "10:00–10:30 · 推荐"
    assert labels["15:00"] == "15:00–15:30"
    assert "标有“推荐”的时间正好顺路" in page.content.decode()
