"""The dispatch board in Chromium (Playwright) against the live server, at tablet size
(ADR 0021): a dispatcher plans tomorrow (1 s limit), the progress bar reaches 100 %, the
timeline has a row per provider, dragging a wound dressing onto the caregiver is refused
with the reason, dragging v2 onto the caregiver moves the block, the map is drawn, and
accepting turns the plan into assignments. Then the caregiver calls in sick from 12:00: the
re-plan shows the diff and who must be told, v1 is dragged onto the unassigned list (a
reason asked for), and accepting takes v1 back from the nurse and tells the elder.

Screenshots go to ``test-artifacts/board-*.png``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.dispatch.models import PlanRun
from doorstep.dispatch.tests import plan_scene
from doorstep.dispatch.tests.plan_scene import DAY, SHANGHAI, stops_by_provider
from doorstep.notifications.models import Notification
from doorstep.orders.models import Visit, VisitEvent
from doorstep.orders.services import refusals_for
from doorstep.orders.tests.conftest import dispatchable
from doorstep.regions.models import Region

from .test_browser import browser, log_in, shot  # noqa: F401

catalog = plan_scene.catalog
city = plan_scene.city
elder_a = plan_scene.elder_a
frozen = plan_scene.frozen
providers = plan_scene.providers
staff = plan_scene.staff
today = plan_scene.today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dispatcher_plans_moves_and_accepts(
    browser: Any,  # noqa: F811
    live_server: Any,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    city: Any,
) -> None:
    dressing = dispatchable(
        personas,
        world,
        elder_a,
        catalog.dressing,
        start=dt.datetime(2026, 6, 16, 15, 0, tzinfo=SHANGHAI),
    )
    # the community the visits are in gets a boundary polygon for the map
    Region.objects.filter(pk=world.community1.pk).update(
        boundary={
            "type": "Polygon",
            "coordinates": [
                [
                    [121.53, 29.85],
                    [121.56, 29.85],
                    [121.56, 29.89],
                    [121.53, 29.89],
                    [121.53, 29.85],
                ]
            ],
        }
    )
    context = browser.new_context(
        viewport={"width": 1024, "height": 1366}, locale="en-GB", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, personas.dispatcher)
        page.get_by_role("link", name="Dispatch board").first.click()
        page.get_by_test_id("pick-day").fill(DAY.isoformat())
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_test_id("no-plan")).to_be_visible()
        page.get_by_test_id("time-limit").select_option("1")
        page.get_by_test_id("start-plan").click()
        expect(page.get_by_test_id("progress-percent")).to_have_text("100 %")
        expect(page.get_by_test_id("run-status")).to_have_text("Ready for review")
        run = PlanRun.objects.get()
        assert run.progress == 100
        expect(page.get_by_test_id(f"gantt-row-{city.nurse.pk}")).to_be_visible()
        expect(page.get_by_test_id(f"gantt-row-{city.caregiver.pk}")).to_be_visible()
        nurse_track = page.get_by_test_id(f"track-{city.nurse.pk}")
        care_track = page.get_by_test_id(f"track-{city.caregiver.pk}")
        expect(nurse_track.get_by_test_id(f"block-{dressing.pk}")).to_be_visible()
        expect(page.get_by_test_id("board-map")).to_have_attribute("data-drawn", "yes")
        shot(page, "board-01-plan")

        # refused: the caregiver may not do a wound dressing
        nurse_track.get_by_test_id(f"block-{dressing.pk}").drag_to(care_track)
        notice = page.get_by_test_id("move-notice")
        expect(notice).to_contain_text("The move was refused")
        reasons = [
            r.message
            for r in refusals_for(city.caregiver, Visit.objects.get(pk=dressing.pk))
            if r.code not in ("schedule_overlap", "travel_time")
        ]
        assert reasons, "the caregiver should be refused the wound dressing"
        for text in reasons:  # the reason itself is shown, not only "refused"
            expect(notice).to_contain_text(text)
        expect(nurse_track.get_by_test_id(f"block-{dressing.pk}")).to_be_visible()
        shot(page, "board-02-refused")
        run.refresh_from_db()
        assert dressing.pk in stops_by_provider(run.result)[city.nurse.pk]

        # allowed: v2 (11:00) onto the caregiver's row
        v2 = city.pk("v2")
        page.get_by_test_id(f"track-{city.nurse.pk}").get_by_test_id(f"block-{v2}").drag_to(
            page.get_by_test_id(f"track-{city.caregiver.pk}")
        )
        expect(page.get_by_test_id("move-notice")).to_contain_text(
            "Moved: the visit now starts at 11:00"
        )
        expect(
            page.get_by_test_id(f"track-{city.caregiver.pk}").get_by_test_id(f"block-{v2}")
        ).to_be_visible()
        expect(
            page.get_by_test_id(f"track-{city.nurse.pk}").get_by_test_id(f"block-{v2}")
        ).to_have_count(0)
        expect(page.get_by_test_id("board-map")).to_have_attribute("data-drawn", "yes")
        shot(page, "board-03-moved")

        page.get_by_test_id("accept-plan").click()
        expect(page.locator(".msg.success")).to_contain_text("Plan accepted")
        outcome = page.get_by_test_id(f"outcome-{v2}")
        expect(outcome.get_by_test_id("outcome-status")).to_have_text("Assigned")
        shot(page, "board-04-accepted")
        got = dict(
            Visit.objects.filter(pk__in=[*city.pks(), dressing.pk]).values_list("pk", "provider_id")
        )
        assert got[v2] == city.caregiver.pk
        assert got[dressing.pk] == city.nurse.pk
        assert set(Visit.objects.filter(pk__in=city.pks()).values_list("status", flat=True)) == {
            "assigned"
        }

        # re-planning: the caregiver calls in sick from 12:00; the diff and who must be told
        v1, v4 = city.pk("v1"), city.pk("v4")
        page.get_by_test_id("sick-provider").select_option(str(city.caregiver.pk))
        page.get_by_test_id("sick-at").fill("12:00")
        page.get_by_test_id("sick-submit").click()
        expect(page.get_by_test_id("progress-percent")).to_have_text("100 %")
        expect(page.get_by_test_id("run-status")).to_have_text("Ready for review")
        expect(page.get_by_test_id("replan-event")).to_contain_text("is unavailable from 12:00")
        change = page.get_by_test_id(f"change-{v4}")
        expect(change.get_by_test_id("change-kind")).to_have_text("moves to another provider")
        expect(change.get_by_test_id("change-time")).to_have_text("13:00")
        expect(page.get_by_test_id("who-to-tell")).to_be_visible()
        expect(page.get_by_test_id(f"tell-patient-{v4}")).to_contain_text("王**")
        shot(page, "board-05-replan")

        # a visit dragged onto the unassigned list is taken off, with a reason
        page.once("dialog", lambda dialog: dialog.accept("The family visits today."))
        unassigned = page.get_by_test_id("unassigned")
        unassigned.scroll_into_view_if_needed()  # source and target both on screen
        page.get_by_test_id(f"track-{city.nurse.pk}").get_by_test_id(f"block-{v1}").drag_to(
            unassigned
        )
        expect(page.get_by_test_id("move-notice")).to_contain_text("Taken off the plan")
        expect(page.get_by_test_id(f"unassigned-{v1}")).to_contain_text(
            "taken off by the dispatcher: The family visits today."
        )
        shot(page, "board-06-taken-off")

        page.get_by_test_id("accept-plan").click()
        expect(page.locator(".msg.success")).to_contain_text("Plan accepted")
        expect(page.get_by_test_id("told-patients")).to_be_visible()
        expect(page.get_by_test_id(f"outcome-{v1}").get_by_test_id("outcome-status")).to_have_text(
            "Awaiting dispatch"
        )
        shot(page, "board-07-replan-accepted")
        now = {v.pk: v for v in Visit.objects.filter(pk__in=city.pks())}
        assert (now[v4].status, now[v4].provider_id) == ("assigned", city.nurse.pk)
        assert (now[v1].status, now[v1].provider_id) == ("awaiting_dispatch", None)
        assert (
            VisitEvent.objects.filter(visit_id=v1).order_by("-id").values_list("reason", flat=True)
        )[0] == "The family visits today."
        assert Notification.objects.filter(
            kind="dispatch.visit_changed", recipient=personas.elder
        ).exists()
    finally:
        context.close()
