"""The institution's exits and quality pages and the family's view of the care records,
through Django's client: each action reaches the owning service, bad input is refused with
the service's reason and changes nothing, other roles and a second institution get 404.

Fixtures are borrowed from the orders tests (frozen clock at Monday 15 June 2026 08:00
Ningbo, the wound-dressing item, verified providers, 王秀英 at her home, her daughter linked
with the right to view and book)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import make_user
from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.orders import services as orders
from doorstep.orders.models import VisitEvent
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import GOOD_VALUES, HOME, assigned, fresh, in_service
from doorstep.people.tests import conftest as people_fixtures
from doorstep.quality import selectors as quality_selectors
from doorstep.quality import services as quality
from doorstep.quality.models import BlacklistEntry, ProviderSanction, QualityReview
from doorstep.workforce.tests import conftest as workforce_fixtures

# Fixtures borrowed from the orders, people and workforce tests (pytest finds them by
# name); this ``elder_a`` has her home coordinates, unlike the one of ``conftest.py`` here.
catalog = orders_fixtures.catalog
family_link = orders_fixtures.family_link
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
elder_b = people_fixtures.elder_b
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def login_as(client: Any, login_as: Any) -> Any:
    """The shared ``login_as``, logging the previous user out first."""

    def do(user: Any, lang: str = "en") -> Any:
        client.logout()
        return login_as(user, lang)

    return do


@pytest.fixture
def qo(world: Any) -> Any:
    """Quality officers of institutions A and B."""

    class Officers:
        a = make_user("quality_a", (Role.INSTITUTION_QUALITY, world.inst_a, None))
        b = make_user("quality_b", (Role.INSTITUTION_QUALITY, world.inst_b, None))

    return Officers


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


# --- reschedule and cancel by the institution -------------------------------------------


def test_dispatcher_reschedules_an_assigned_visit_and_the_provider_is_released(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    length = visit.window_end - visit.window_start
    client = login_as(personas.dispatcher)
    assert f'href="/desk/orders/{visit.order_id}/"' in client.get("/dispatch/").content.decode()
    page = client.get(f"/desk/orders/{visit.order_id}/")
    assert page.status_code == 200
    assert 'data-testid="reschedule"' in page.content.decode()
    r = client.post(
        f"/desk/visits/{visit.pk}/reschedule/",
        {"window_start": "2026-06-17T14:30", "reason": "Nurse ill; family agreed"},
        follow=True,
    )
    assert _messages(r) == [
        "Rescheduled to 2026-06-17 14:30. The visit waits for a provider again."
    ]
    visit = fresh(visit)
    assert visit.status == "awaiting_dispatch"
    assert visit.provider_id is None
    assert visit.window_start == dt.datetime(2026, 6, 17, 14, 30, tzinfo=SHANGHAI)
    assert visit.window_end - visit.window_start == length
    moves = list(
        VisitEvent.objects.filter(visit=visit, from_status="assigned").values_list(
            "to_status", "reason", "actor_id"
        )
    )
    assert moves == [("rescheduled", "Nurse ill; family agreed", personas.dispatcher.pk)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"window_start": "next Tuesday", "reason": "x"}, "Give the new date and time."),
        ({"window_start": "2026-06-14T09:00", "reason": "x"}, "The visit time is not valid."),
        ({"window_start": "2026-06-17T09:00", "reason": "  "}, "Please give a reason."),
    ],
)
def test_bad_reschedule_changes_nothing(
    login_as, personas, world, elder_a, catalog, providers, frozen, data, message
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    before = (visit.status, visit.window_start, visit.provider_id)
    events = VisitEvent.objects.filter(visit=visit).count()
    client = login_as(personas.dispatcher)
    r = client.post(f"/desk/visits/{visit.pk}/reschedule/", data, follow=True)
    assert _messages(r) == [message]
    visit = fresh(visit)
    assert (visit.status, visit.window_start, visit.provider_id) == before
    assert VisitEvent.objects.filter(visit=visit).count() == events


def test_institution_cancels_en_route_without_a_fee_and_the_page_shows_the_rule(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    orders.start_travel(actor=Actor.of(personas.nurse), visit=visit)
    visit = fresh(visit)
    patient_fee = min(visit.price_fen * 3000 // 10000, 5000)
    assert patient_fee > 0
    client = login_as(personas.inst_admin)
    html = client.get(f"/desk/orders/{visit.order_id}/").content.decode()
    assert (
        f"Cancelled by the institution the patient pays ¥0.00. (Had the patient cancelled "
        f"now: {_yuan(patient_fee)}; free until the provider sets off.)"
    ) in html
    # en route: rescheduling is still possible, so is cancelling
    assert 'data-testid="reschedule"' in html
    r = client.post(f"/desk/visits/{visit.pk}/cancel/", {"reason": ""}, follow=True)
    assert _messages(r) == ["Please give a reason."]
    assert fresh(visit).status == "en_route"
    r = client.post(
        f"/desk/visits/{visit.pk}/cancel/", {"reason": "Road closed by flooding"}, follow=True
    )
    assert _messages(r) == ["Cancelled by the institution, free of charge."]
    visit = fresh(visit)
    assert visit.status == "cancelled"
    assert visit.cancelled_by_side == "institution"
    assert visit.cancellation_fee_fen == 0
    assert visit.cancellation_reason == "Road closed by flooding"
    html = client.get(f"/desk/orders/{visit.order_id}/").content.decode()
    assert 'data-testid="cancel"' not in html
    assert 'data-testid="reschedule"' not in html


def test_desk_is_for_the_orders_own_institution_staff(
    login_as, personas, world, elder_a, catalog, providers, family_link, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    for user in (personas.other_admin, personas.family, personas.nurse, personas.reviewer):
        client = login_as(user)
        assert client.get(f"/desk/orders/{visit.order_id}/").status_code == 404
        r = client.post(
            f"/desk/visits/{visit.pk}/reschedule/",
            {"window_start": "2026-06-17T09:00", "reason": "x"},
        )
        assert r.status_code == 404
        assert client.post(f"/desk/visits/{visit.pk}/cancel/", {"reason": "x"}).status_code == 404
    visit = fresh(visit)
    assert visit.status == "assigned"
    assert visit.provider_id == providers.nurse.pk


# --- patient blacklist ------------------------------------------------------------------


def test_quality_officer_finds_blacklists_and_lifts_a_patient(
    login_as, personas, world, elder_a, qo, frozen
):
    client = login_as(qo.a)
    page = client.get("/blacklist/", {"q": elder_a.phone})
    assert page.status_code == 200
    assert f'data-testid="candidate-{elder_a.pk}"' in page.content.decode()
    r = client.post(
        "/blacklist/add/",
        {
            "institution": world.inst_a.pk,
            "elder": elder_a.pk,
            "reason": "Threatened the nurse with a knife",
            "review_date": "2026-09-15",
        },
        follow=True,
    )
    assert _messages(r) == ["On the blacklist: new bookings from this patient are refused."]
    entry = BlacklistEntry.objects.get()
    assert (entry.institution_id, entry.elder_id, entry.status) == (
        world.inst_a.pk,
        elder_a.pk,
        "active",
    )
    assert entry.review_date == dt.date(2026, 9, 15)
    assert entry.created_by == qo.a
    assert quality_selectors.booking_block_reason(elder_a, world.inst_a) == "patient_blacklisted"
    html = r.content.decode()
    assert "Threatened the nurse with a knife" in html
    assert "2026-09-15" in html
    # the same patient twice: refused by the service
    r = client.post(
        "/blacklist/add/",
        {
            "institution": world.inst_a.pk,
            "elder": elder_a.pk,
            "reason": "again",
            "review_date": "2026-09-15",
        },
        follow=True,
    )
    assert _messages(r) == ["This patient is already on the institution's blacklist."]
    assert BlacklistEntry.objects.count() == 1
    r = client.post(f"/blacklist/{entry.pk}/lift/", {"reason": "Apologised"}, follow=True)
    assert _messages(r) == ["Lifted: the patient may book again."]
    entry.refresh_from_db()
    assert (entry.status, entry.lift_reason, entry.lifted_by) == ("lifted", "Apologised", qo.a)
    assert quality_selectors.booking_block_reason(elder_a, world.inst_a) is None


@pytest.mark.parametrize(
    ("reason", "review_date", "message"),
    [
        ("Violent", "2026-06-15", "The dates are not valid."),  # today: not in the future
        ("Violent", "15/09/2026", "Give the date to review the decision."),
        ("   ", "2026-09-15", "Please give a reason."),
    ],
)
def test_bad_blacklist_input_adds_nothing(
    login_as, personas, world, elder_a, qo, frozen, reason, review_date, message
):
    client = login_as(qo.a)
    r = client.post(
        "/blacklist/add/",
        {
            "institution": world.inst_a.pk,
            "elder": elder_a.pk,
            "reason": reason,
            "review_date": review_date,
        },
        follow=True,
    )
    assert _messages(r) == [message]
    assert BlacklistEntry.objects.count() == 0


def test_blacklist_read_only_for_dispatchers_and_closed_to_others(
    login_as, personas, world, elder_a, qo, family_link, frozen
):
    entry = quality.blacklist_patient(
        actor=Actor.of(qo.a),
        institution=world.inst_a,
        elder=elder_a,
        reason="Aggressive dog let loose on staff",
        review_date=dt.date(2026, 7, 1),
    )
    client = login_as(personas.dispatcher)
    html = client.get("/blacklist/").content.decode()
    assert "Aggressive dog let loose on staff" in html
    assert 'data-testid="lift"' not in html
    assert 'data-testid="elder-search"' not in html
    post = {
        "institution": world.inst_a.pk,
        "elder": elder_a.pk,
        "reason": "x",
        "review_date": "2026-09-15",
    }
    assert client.post("/blacklist/add/", post).status_code == 404
    assert client.post(f"/blacklist/{entry.pk}/lift/").status_code == 404
    entry.refresh_from_db()
    assert entry.status == "active"
    # institution B: A's list, A's entry and A's patient are not there
    client = login_as(personas.other_admin)
    assert client.get("/blacklist/", {"institution": world.inst_a.pk}).status_code == 404
    assert "Aggressive dog" not in client.get("/blacklist/").content.decode()
    assert client.post(f"/blacklist/{entry.pk}/lift/").status_code == 404
    b_post = {**post, "institution": world.inst_b.pk}
    assert client.post("/blacklist/add/", b_post).status_code == 404
    # patient side
    client = login_as(personas.family)
    assert client.get("/blacklist/").status_code == 404
    assert BlacklistEntry.objects.count() == 1
    entry.refresh_from_db()
    assert entry.status == "active"


def test_order_desk_links_to_blacklisting_its_patient(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    client = login_as(personas.inst_admin)
    html = client.get(f"/desk/orders/{visit.order_id}/").content.decode()
    link = f"/blacklist/?institution={world.inst_a.pk}&amp;elder={elder_a.pk}"
    assert link in html
    page = client.get("/blacklist/", {"institution": world.inst_a.pk, "elder": elder_a.pk})
    assert f'data-testid="candidate-{elder_a.pk}"' in page.content.decode()
    # the dispatcher may open the desk but not blacklist: no link
    client = login_as(personas.dispatcher)
    assert link not in client.get(f"/desk/orders/{visit.order_id}/").content.decode()


# --- provider sanctions -----------------------------------------------------------------


def test_admin_suspends_then_lifts_from_the_provider_page(login_as, personas, providers, frozen):
    nurse = providers.nurse
    client = login_as(personas.inst_admin)
    assert f'href="/providers/{nurse.pk}/sanctions/"' in (
        client.get(f"/providers/{nurse.pk}/").content.decode()
    )
    page = client.get(f"/providers/{nurse.pk}/sanctions/").content.decode()
    assert 'data-testid="kind-removal"' in page
    r = client.post(
        f"/providers/{nurse.pk}/sanctions/add/",
        {"kind": "suspension", "reason": "Missed three visits", "until": "2026-06-30"},
        follow=True,
    )
    assert _messages(r) == ["Sanction recorded; the provider is told."]
    sanction = ProviderSanction.objects.get()
    assert (sanction.kind, sanction.status, sanction.decided_by) == (
        "suspension",
        "active",
        personas.inst_admin,
    )
    assert sanction.ends_at == dt.datetime(2026, 7, 1, 0, 0, tzinfo=SHANGHAI)
    assert quality_selectors.assignment_block_reason(nurse) == "provider_suspended"
    assert "No: suspended" in r.content.decode()
    r = client.post(f"/sanctions/{sanction.pk}/lift/", {"reason": "Explained"}, follow=True)
    assert _messages(r) == ["Sanction lifted; the provider is told."]
    sanction.refresh_from_db()
    assert (sanction.status, sanction.lift_reason) == ("lifted", "Explained")
    assert quality_selectors.assignment_block_reason(nurse) is None


def test_admin_removal_deactivates_the_provider(login_as, personas, providers, frozen):
    client = login_as(personas.inst_admin)
    client.post(
        f"/providers/{providers.nurse.pk}/sanctions/add/",
        {"kind": "removal", "reason": "Falsified records"},
    )
    sanction = ProviderSanction.objects.get()
    assert (sanction.kind, sanction.provider_deactivated, sanction.ends_at) == (
        "removal",
        True,
        None,
    )
    providers.nurse.refresh_from_db()
    assert providers.nurse.is_active is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "holiday", "reason": "x"}, "This value is not one of the allowed choices."),
        ({"kind": "warning", "reason": " "}, "Please give a reason."),
        ({"kind": "warning", "reason": "x", "until": "2026-06-30"}, "The dates are not valid."),
        ({"kind": "suspension", "reason": "x", "until": "soon"}, None),
    ],
)
def test_bad_sanction_input_records_nothing(login_as, personas, providers, frozen, data, message):
    client = login_as(personas.inst_admin)
    r = client.post(f"/providers/{providers.nurse.pk}/sanctions/add/", data, follow=True)
    expected = message or "Give the last day of the suspension as a date."
    assert _messages(r) == [expected]
    assert ProviderSanction.objects.count() == 0


def test_quality_officer_may_suspend_but_not_remove(login_as, personas, providers, qo, frozen):
    client = login_as(qo.a)
    page = client.get(f"/providers/{providers.nurse.pk}/sanctions/").content.decode()
    assert 'data-testid="kind-suspension"' in page
    assert 'data-testid="kind-removal"' not in page
    r = client.post(
        f"/providers/{providers.nurse.pk}/sanctions/add/",
        {"kind": "removal", "reason": "x"},
        follow=True,
    )
    assert _messages(r) == ["Only the institution's administrator can remove a provider."]
    assert ProviderSanction.objects.count() == 0
    providers.nurse.refresh_from_db()
    assert providers.nurse.is_active is True


def test_sanctions_closed_to_other_institutions_and_read_only_for_reviewers(
    login_as, personas, providers, frozen
):
    sanction = quality.sanction_provider(
        actor=Actor.of(personas.inst_admin),
        provider=providers.nurse,
        kind="warning",
        reason="Late twice",
    )
    client = login_as(personas.reviewer)
    page = client.get(f"/providers/{providers.nurse.pk}/sanctions/").content.decode()
    assert "Late twice" in page
    assert 'data-testid="sanction-form"' not in page
    assert 'data-testid="lift"' not in page
    client.post(
        f"/providers/{providers.nurse.pk}/sanctions/add/", {"kind": "warning", "reason": "x"}
    )
    client.post(f"/sanctions/{sanction.pk}/lift/")
    client = login_as(personas.other_admin)
    assert client.get(f"/providers/{providers.nurse.pk}/sanctions/").status_code == 404
    r = client.post(
        f"/providers/{providers.nurse.pk}/sanctions/add/", {"kind": "warning", "reason": "x"}
    )
    assert r.status_code == 404
    assert client.post(f"/sanctions/{sanction.pk}/lift/").status_code == 404
    client = login_as(personas.nurse)
    assert client.get(f"/providers/{providers.nurse.pk}/sanctions/").status_code == 404
    assert ProviderSanction.objects.count() == 1
    sanction.refresh_from_db()
    assert sanction.status == "active"


# --- quality reviews --------------------------------------------------------------------


def _completed(personas: Any, world: Any, elder: Any, catalog: Any, providers: Any, frozen: Any):
    visit = in_service(personas, world, elder, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    orders.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES, notes="Wound clean")
    frozen.advance(minutes=45)
    orders.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    return fresh(visit)


def test_low_rating_opens_a_review_the_officer_closes(
    login_as, personas, world, elder_a, catalog, providers, family_link, qo, frozen
):
    visit = _completed(personas, world, elder_a, catalog, providers, frozen)
    client = login_as(personas.family)
    client.post(
        f"/visits/{visit.pk}/rate/",
        {"punctuality": "1", "skill": "4", "attitude": "2", "comment": "Came an hour late"},
    )
    review = QualityReview.objects.get()
    assert (review.trigger, review.status, review.provider_id) == (
        "low_rating",
        "open",
        providers.nurse.pk,
    )
    client = login_as(qo.a)
    html = client.get("/quality-reviews/").content.decode()
    assert f'data-testid="review-{review.pk}"' in html
    assert "Came an hour late" in html
    assert f'href="/providers/{providers.nurse.pk}/sanctions/"' in html
    assert client.get(f"/quality-reviews/{review.pk}/").status_code == 200
    r = client.post(f"/quality-reviews/{review.pk}/close/", {"outcome": "fired"}, follow=True)
    assert _messages(r) == ["This value is not one of the allowed choices."]
    review.refresh_from_db()
    assert review.status == "open"
    r = client.post(
        f"/quality-reviews/{review.pk}/close/",
        {"outcome": "coaching", "notes": "Route planning refresher"},
        follow=True,
    )
    assert _messages(r) == ["Review closed."]
    review.refresh_from_db()
    assert (review.status, review.outcome, review.notes, review.handled_by) == (
        "closed",
        "coaching",
        "Route planning refresher",
        qo.a,
    )
    assert (
        f'data-testid="review-{review.pk}"' not in client.get("/quality-reviews/").content.decode()
    )
    closed = client.get("/quality-reviews/", {"status": "closed"}).content.decode()
    assert f'data-testid="review-{review.pk}"' in closed
    # closed twice: refused, nothing changes
    r = client.post(f"/quality-reviews/{review.pk}/close/", {"outcome": "no_action"}, follow=True)
    assert len(_messages(r)) == 1
    review.refresh_from_db()
    assert review.outcome == "coaching"
    # institution B's officer and a dispatcher: 404
    for user in (qo.b, personas.dispatcher):
        client = login_as(user)
        assert client.get(f"/quality-reviews/{review.pk}/").status_code == 404
        r = client.post(f"/quality-reviews/{review.pk}/close/", {"outcome": "no_action"})
        assert r.status_code == 404


# --- the family's and the elder's view of the care records ------------------------------


def test_family_reads_the_care_records_with_units_and_photos(
    login_as, personas, world, elder_a, catalog, providers, family_link, frozen, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    jpeg = b"\xff\xd8\xff\xe0" + b"1" * 64
    photo = orders.add_photo(
        actor=nurse, visit=visit, key="wound_photo", content=jpeg, content_type="image/jpeg"
    )
    orders.submit_record(actor=nurse, visit=fresh(visit), values=GOOD_VALUES, notes="Wound clean")
    client = login_as(personas.family)
    home = client.get("/").content.decode()
    assert 'href="/records/"' in home
    assert f'href="/records/{elder_a.pk}/"' in client.get("/family/").content.decode()
    r = client.get("/records/")
    assert r.status_code == 302
    assert r["Location"] == f"/records/{elder_a.pk}/"
    html = client.get(f"/records/{elder_a.pk}/").content.decode()
    assert "<dt>Systolic</dt><dd>132 mmHg</dd>" in html
    assert "<dt>Wound length</dt><dd>3.5 cm</dd>" in html
    assert "Wound clean" in html
    assert f'src="/records/photos/{photo.pk}/"' in html
    r = client.get(f"/records/photos/{photo.pk}/")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r.content == jpeg
    # in Chinese: the labels of the template
    html = login_as(personas.family, "zh-hans").get(f"/records/{elder_a.pk}/").content.decode()
    assert "<dt>收缩压</dt><dd>132 mmHg</dd>" in html
    # the elder herself, from her profile
    client = login_as(personas.elder)
    assert f'href="/records/{elder_a.pk}/"' in client.get("/me/").content.decode()
    assert "132 mmHg" in client.get(f"/records/{elder_a.pk}/").content.decode()
    assert client.get(f"/records/photos/{photo.pk}/").status_code == 200


def test_care_records_need_the_view_right_and_consent(
    login_as,
    personas,
    world,
    elder_a,
    elder_b,
    catalog,
    providers,
    family_link,
    frozen,
    settings,
    tmp_path,
):
    from doorstep.people import services as people_services
    from doorstep.people.models import Consent

    settings.MEDIA_ROOT = tmp_path
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    photo = orders.add_photo(
        actor=Actor.of(personas.nurse),
        visit=visit,
        key="wound_photo",
        content=b"\xff\xd8\xff\xe0" + b"1" * 64,
        content_type="image/jpeg",
    )
    # a family member who is not linked, staff, the other elder: 404
    for user in (personas.nobody, personas.inst_admin, personas.operator):
        client = login_as(user)
        assert client.get(f"/records/{elder_a.pk}/").status_code == 404
        assert client.get(f"/records/photos/{photo.pk}/").status_code == 404
    client = login_as(personas.family)
    assert client.get(f"/records/{elder_b.pk}/").status_code == 404
    # the link without the right to view the record
    family_link.can_view_record = False
    family_link.save(update_fields=["can_view_record"])
    assert client.get(f"/records/{elder_a.pk}/").status_code == 404
    assert client.get(f"/records/photos/{photo.pk}/").status_code == 404
    assert f'href="/records/{elder_a.pk}/"' not in client.get("/family/").content.decode()
    family_link.can_view_record = True
    family_link.save(update_fields=["can_view_record"])
    assert client.get(f"/records/{elder_a.pk}/").status_code == 200
    # consent withdrawn: access stops at once
    consent = Consent.objects.get(elder=elder_a, purpose="family_proxy_access")
    people_services.withdraw_consent(actor=Actor.of(personas.elder), consent=consent)
    assert client.get(f"/records/{elder_a.pk}/").status_code == 404
    assert client.get(f"/records/photos/{photo.pk}/").status_code == 404
    assert client.get("/records/").status_code == 200
    assert client.get("/records/photos/999999/").status_code == 404


def test_desk_pages_speak_chinese(
    login_as, personas, world, elder_a, catalog, providers, qo, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    client = login_as(personas.inst_admin, "zh-hans")
    html = client.get(f"/desk/orders/{visit.order_id}/").content.decode()
    assert "由机构取消" in html
    assert "由机构取消，患者支付 ¥0.00。" in html
    r = client.post(
        f"/desk/visits/{visit.pk}/reschedule/", {"window_start": "x", "reason": "y"}, follow=True
    )
    assert _messages(r) == ["请填写新的日期和时间。"]
    client = login_as(qo.a, "zh-hans")
    assert "患者黑名单" in client.get("/blacklist/").content.decode()
    assert "质量复核" in client.get("/quality-reviews/").content.decode()


def _queries_for(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_blacklist_and_review_lists_do_not_query_per_row(
    login_as, personas, world, elder_a, providers, qo, frozen
):
    """Set-up writes rows straight into the tables (not a transition): the page's query
    count is the same for one row as for four."""
    from doorstep.core import clock

    def add_rows(n: int) -> None:
        for _ in range(n):
            BlacklistEntry.objects.create(
                institution=world.inst_a,
                elder=elder_a,
                reason="r",
                review_date=dt.date(2026, 7, 1),
                status="lifted",
                created_by=qo.a,
                lifted_by=qo.a,
                lifted_at=clock.now(),
            )
            QualityReview.objects.create(
                provider=providers.nurse, institution=world.inst_a, trigger="low_rating"
            )

    client = login_as(qo.a)
    add_rows(1)
    one = (
        _queries_for(client, "/blacklist/?status=all"),
        _queries_for(client, "/quality-reviews/"),
    )
    add_rows(3)
    html = client.get("/blacklist/?status=all").content.decode()
    assert len(re.findall(r'data-testid="entry-\d+"', html)) == 4
    four = (
        _queries_for(client, "/blacklist/?status=all"),
        _queries_for(client, "/quality-reviews/"),
    )
    assert four == one
