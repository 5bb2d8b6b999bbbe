"""The institution's exits and quality pages and the family's care records in Chromium
(Playwright) against the live server, at phone size: reschedule and cancel by the
institution, blacklist and lift a patient, suspend and lift a provider, close a quality
review, and the daughter reading her mother's records (with the photo) in Chinese.

Screenshots go to ``test-artifacts/desk-*.png``.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from conftest import make_user
from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.orders import services as orders
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import GOOD_VALUES, HOME, assigned, fresh, in_service
from doorstep.people.tests import conftest as people_fixtures
from doorstep.quality import services as quality
from doorstep.quality.models import BlacklistEntry, ProviderSanction, QualityReview
from doorstep.workforce.tests import conftest as workforce_fixtures

from .loop import test_loop_browser
from .test_browser import browser, shot  # noqa: F401

# Fixtures borrowed from the other tests (pytest finds them by name): the orders tests'
# frozen clock, item, providers and family link, ``elder_a`` with her home coordinates,
# and the loop browser test's ``person`` (a logged-in phone-sized page with geolocation).
catalog = orders_fixtures.catalog
family_link = orders_fixtures.family_link
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff
person = test_loop_browser.person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _png_1x1() -> bytes:
    """A valid 1x1 red PNG (so the browser really decodes what the page serves)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_dispatcher_reschedules_and_the_admin_cancels(
    person, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    page, _ = person(personas.dispatcher)
    page.goto("/dispatch/")
    page.get_by_test_id("desk-link-held").first.click()
    card = page.get_by_test_id("desk-visit-1")
    expect(card.get_by_test_id("visit-status")).to_contain_text("Assigned")
    card.get_by_test_id("reschedule").locator("summary").click()
    card.get_by_test_id("reschedule-start").fill("2026-06-17T14:30")
    card.get_by_test_id("reschedule-reason").fill("The nurse is ill; the daughter agreed")
    shot(page, "desk-01-reschedule")
    card.get_by_test_id("reschedule-submit").click()
    expect(page.locator(".msg.success")).to_contain_text("Rescheduled to 2026-06-17 14:30")
    expect(card.get_by_test_id("visit-status")).to_contain_text("Awaiting dispatch")
    expect(card.get_by_test_id("visit-window")).to_contain_text("2026-06-17 14:30")
    visit = fresh(visit)
    assert visit.status == "awaiting_dispatch"
    assert visit.provider_id is None
    assert visit.window_start == dt.datetime(2026, 6, 17, 14, 30, tzinfo=SHANGHAI)

    admin, _ = person(personas.inst_admin)
    admin.goto(f"/desk/orders/{visit.order_id}/")
    card = admin.get_by_test_id("desk-visit-1")
    card.get_by_test_id("cancel").locator("summary").click()
    expect(card.get_by_test_id("fee-rule")).to_contain_text("the patient pays ¥0.00")
    # the reason is required: the browser does not send the form without it
    card.get_by_test_id("cancel-submit").click()
    assert fresh(visit).status == "awaiting_dispatch"
    card.get_by_test_id("cancel-reason").fill("No nurse free that week")
    shot(admin, "desk-02-cancel")
    card.get_by_test_id("cancel-submit").click()
    expect(admin.locator(".msg.success")).to_contain_text("free of charge")
    expect(card.get_by_test_id("visit-status")).to_contain_text("Cancelled")
    visit = fresh(visit)
    assert (visit.status, visit.cancelled_by_side, visit.cancellation_fee_fen) == (
        "cancelled",
        "institution",
        0,
    )


def test_quality_officer_blacklists_and_lifts_a_patient(person, personas, world, elder_a, frozen):
    officer = make_user("quality_a", (Role.INSTITUTION_QUALITY, world.inst_a, None))
    page, _ = person(officer)
    page.goto("/")
    page.get_by_role("link", name="Patient blacklist").first.click()
    expect(page.get_by_test_id("no-entries")).to_be_visible()
    page.locator("#bl-q").fill(elder_a.phone)
    page.get_by_test_id("search").click()
    candidate = page.get_by_test_id(f"candidate-{elder_a.pk}")
    expect(candidate).to_contain_text("王秀英")
    candidate.get_by_test_id("blacklist-reason").fill("Threatened the nurse")
    candidate.get_by_test_id("blacklist-review").fill("2026-09-15")
    shot(page, "desk-03-blacklist-add")
    candidate.get_by_test_id("blacklist-add").click()
    expect(page.locator(".msg.success")).to_be_visible()
    entry = BlacklistEntry.objects.get()
    row = page.get_by_test_id(f"entry-{entry.pk}")
    expect(row.get_by_test_id("entry-reason")).to_have_text("Threatened the nurse")
    expect(row.get_by_test_id("entry-review")).to_have_text("2026-09-15")
    assert (entry.status, entry.review_date) == ("active", dt.date(2026, 9, 15))
    shot(page, "desk-04-blacklist")
    row.locator("summary").click()
    row.get_by_test_id("lift").click()
    expect(page.get_by_test_id("no-entries")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == "lifted"


def test_admin_suspends_a_provider_and_lifts_the_suspension(person, personas, providers, frozen):
    page, _ = person(personas.inst_admin)
    page.goto(f"/providers/{providers.nurse.pk}/")
    page.get_by_test_id("to-sanctions").click()
    expect(page.get_by_test_id("no-sanctions")).to_be_visible()
    expect(page.get_by_test_id("may-work")).to_contain_text("Yes")
    form = page.get_by_test_id("sanction-form")
    form.get_by_test_id("kind-suspension").check()
    form.get_by_test_id("sanction-reason").fill("Missed three visits without notice")
    form.get_by_test_id("sanction-until").fill("2026-06-30")
    shot(page, "desk-05-sanction")
    form.get_by_test_id("sanction-submit").click()
    expect(page.get_by_test_id("may-work")).to_contain_text("suspended")
    sanction = ProviderSanction.objects.get()
    assert sanction.ends_at == dt.datetime(2026, 7, 1, tzinfo=SHANGHAI)
    card = page.get_by_test_id(f"sanction-{sanction.pk}")
    expect(card.get_by_test_id("sanction-status")).to_have_text("In force")
    card.locator("summary").click()
    card.get_by_test_id("lift").click()
    expect(page.get_by_test_id("may-work")).to_contain_text("Yes")
    sanction.refresh_from_db()
    assert sanction.status == "lifted"


def test_quality_officer_closes_a_review_opened_by_a_low_rating(
    person, personas, world, elder_a, catalog, providers, family_link, frozen
):
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    orders.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    frozen.advance(minutes=45)
    orders.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    quality.rate_visit(
        actor=Actor.of(personas.family),
        visit=fresh(visit),
        punctuality=1,
        skill=3,
        attitude=2,
        comment="An hour late",
    )
    review = QualityReview.objects.get()
    officer = make_user("quality_a", (Role.INSTITUTION_QUALITY, world.inst_a, None))
    page, _ = person(officer)
    page.goto("/quality-reviews/")
    card = page.get_by_test_id(f"review-{review.pk}")
    expect(card.get_by_test_id("review-rating")).to_contain_text("An hour late")
    card.get_by_test_id("outcome").select_option("coaching")
    card.get_by_test_id("notes").fill("Route planning refresher")
    shot(page, "desk-06-review")
    card.get_by_test_id("close").click()
    expect(page.get_by_test_id("no-reviews")).to_be_visible()
    review.refresh_from_db()
    assert (review.status, review.outcome) == ("closed", "coaching")
    page.goto("/quality-reviews/?status=closed")
    expect(
        page.get_by_test_id(f"review-{review.pk}").get_by_test_id("review-outcome")
    ).to_contain_text("Coaching")


def test_daughter_reads_the_care_records_with_the_photo_in_chinese(
    person, personas, world, elder_a, catalog, providers, family_link, frozen, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    orders.add_photo(
        actor=nurse, visit=visit, key="wound_photo", content=_png_1x1(), content_type="image/png"
    )
    orders.submit_record(actor=nurse, visit=fresh(visit), values=GOOD_VALUES, notes="伤口干净")
    page, _ = person(personas.family, "zh-hans")
    page.goto("/family/")
    page.get_by_test_id("records-link").click()
    record = page.get_by_test_id("record")
    expect(record).to_contain_text("伤口换药")
    values = record.get_by_test_id("record-values")
    expect(values).to_contain_text("收缩压")
    expect(values).to_contain_text("132 mmHg")
    expect(values).to_contain_text("3.5 cm")
    expect(record.get_by_test_id("record-notes")).to_have_text("伤口干净")
    photo = record.get_by_test_id("record-photo")
    expect(photo).to_have_attribute("alt", "伤口照片")
    page.wait_for_function("document.querySelector('[data-testid=record-photo]').complete")
    assert photo.evaluate("img => img.naturalWidth") == 1
    shot(page, "desk-07-records-zh")


def test_dispatcher_takes_a_visit_back_from_the_dispatch_list(
    person, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    page, _ = person(personas.dispatcher, "zh-hans")
    page.goto("/dispatch/")
    row = page.get_by_test_id(f"held-{visit.pk}")
    # the reason is required: the browser does not send the form without it
    row.get_by_test_id("unassign").click()
    assert fresh(visit).status == "assigned"
    row.locator("input[name=reason]").fill("护士生病")
    shot(page, "desk-05-unassign-zh")
    row.get_by_test_id("unassign").click()
    expect(page.locator(".msg.success")).to_contain_text("已从服务人员处收回")
    expect(page.get_by_test_id(f"dispatch-{visit.pk}")).to_be_visible()
    visit = fresh(visit)
    assert (visit.status, visit.provider_id) == ("awaiting_dispatch", None)
