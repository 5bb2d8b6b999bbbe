"""The visit-loop pages through Django's client: book -> assess -> pay -> pool -> visit
screen -> confirm and rate, with the refusals shown on the page and changing nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from doorstep.orders.models import Order, Visit
from doorstep.orders.tests.conftest import FAR_2KM, HOME

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_as(client: Any, login_as: Any) -> Any:
    """The shared ``login_as``, logging the previous user out first (one client, several
    people taking turns)."""

    def do(user: Any, lang: str = "en") -> Any:
        client.logout()
        return login_as(user, lang)

    return do


def _book(client: Any, item_id: int, **extra: str) -> Any:
    query = {"elder": extra["elder"]} if "elder" in extra else {}
    page = client.get(f"/services/{item_id}/", query)
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        "offering": str(form.fields["offering"].choices[0][0]),
        "day": "2026-06-16",
        "slot": "09:00",
        "need_text": "换药, left leg",
        **extra,
    }
    return client.post(f"/services/{item_id}/", data)


def test_family_sees_groups_and_a_quote_in_lines(login_as, personas, catalog, family_link):
    client = login_as(personas.family)
    page = client.get("/services/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Wound dressing" in html
    assert "Companionship visit" in html
    page = client.get(f"/services/{catalog.dressing.pk}/")
    html = page.content.decode()
    quotes = page.context["quotes"]
    assert len(quotes) == 1  # only institution A serves 王秀英's district
    total = quotes[0]["total_fen"]
    assert sum(line["amount_fen"] for line in quotes[0]["lines"]) >= total > 0
    assert f"¥{total // 100}.{total % 100:02d}" in html
    assert 'data-testid="quote"' in html


def test_quote_lines_in_chinese(login_as, personas, catalog, family_link):
    client = login_as(personas.family, lang="zh-hans")
    page = client.get(f"/services/{catalog.dressing.pk}/")
    html = page.content.decode()
    assert "伤口换药" in html
    assert "合计" in html
    labels = [line["label"] for line in page.context["quotes"][0]["lines"]]
    assert labels
    assert not any(label.isascii() for label in labels), labels


def test_booking_in_the_past_is_refused_and_creates_nothing(
    login_as, personas, catalog, family_link, frozen
):
    client = login_as(personas.family)
    response = _book(client, catalog.dressing.pk, day="2026-06-14")
    assert response.status_code == 200
    assert "Choose a time in the future." in response.content.decode()
    assert Order.objects.count() == 0


def test_stranger_cannot_book_for_the_elder(login_as, personas, catalog, elder_a, frozen):
    """A family user without a link has no elder to book for; the elder's id in the form
    is ignored."""
    client = login_as(personas.family)
    page = client.get(f"/services/{catalog.dressing.pk}/?elder={elder_a.pk}")
    assert page.context["elder"] is None
    assert "Link to an elder first" in page.content.decode()
    assert Order.objects.count() == 0


def test_whole_loop_through_the_pages(
    login_as, personas, world, catalog, family_link, providers, frozen
):
    client = login_as(personas.family)
    response = _book(client, catalog.dressing.pk)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == f"/orders/{order.pk}/"
    assert order.need_text == "换药, left leg"
    assert order.placed_by == personas.family
    visit = Visit.objects.get(order=order)
    assert visit.status == "awaiting_assessment"
    order_page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Awaiting assessment" in order_page
    # the booked 09:00 is an arrival window (ADR 0037)
    assert "2026-06-16, arrives 09:00–09:30, " in order_page

    # The reviewer of institution A sees the request with the record summary and accepts.
    client = login_as(personas.reviewer)
    html = client.get("/assessments/").content.decode()
    assert "王秀英" in html
    assert "换药, left leg" in html
    response = client.post(
        f"/assessments/{visit.assessment_id}/decide/",
        {"decision": "accepted", "risk_flags": ["aggressive_pet"], "notes": ""},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "awaiting_payment"
    assert visit.risk_flags == ["aggressive_pet"]

    client = login_as(personas.family)
    pay(client, order.pk, "card")
    visit.refresh_from_db()
    assert visit.status == "awaiting_dispatch"

    client = login_as(personas.dispatcher)
    assert f'data-testid="dispatch-{visit.pk}"' in client.get("/dispatch/").content.decode()
    client.post(f"/dispatch/{visit.pk}/publish/")
    visit.refresh_from_db()
    assert visit.pool_published_at is not None

    # The caregiver may not take a clinical visit: the reason is on the page, and trying
    # anyway changes nothing.
    client = login_as(personas.caregiver)
    html = client.get("/pool/").content.decode()
    assert f'data-testid="blocked-{visit.pk}"' in html
    assert f'data-testid="offer-{visit.pk}"' not in html
    response = client.post(f"/pool/{visit.pk}/take/", follow=True)
    assert "This provider may not take this visit." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "awaiting_dispatch"
    assert visit.provider_id is None

    client = login_as(personas.nurse)
    html = client.get("/pool/").content.decode()
    assert f'data-testid="offer-{visit.pk}"' in html
    assert "Aggressive pet" in html
    assert "王秀英" not in html
    assert "尹江路" not in html
    response = client.post(f"/pool/{visit.pk}/take/")
    assert response.status_code == 302
    assert response.url == f"/schedule/{visit.pk}/"
    visit.refresh_from_db()
    assert visit.status == "assigned"
    assert visit.provider == providers.nurse
    html = client.get(f"/schedule/{visit.pk}/").content.decode()
    assert "王秀英" in html
    assert 'data-testid="navigate"' in html

    client.post(f"/schedule/{visit.pk}/travel/")
    frozen.now = visit.window_start
    response = client.post(
        f"/schedule/{visit.pk}/check-in/", {"lat": FAR_2KM[0], "lng": FAR_2KM[1]}, follow=True
    )
    assert "You are too far from the elder&#x27;s home to check in." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "en_route"
    client.post(f"/schedule/{visit.pk}/check-in/", {"lat": HOME[0], "lng": HOME[1]})
    client.post(f"/schedule/{visit.pk}/start/")
    response = client.post(f"/schedule/{visit.pk}/record/", {"systolic": "132"}, follow=True)
    assert "Missing: diastolic, wound_length_cm" in response.content.decode()
    client.post(
        f"/schedule/{visit.pk}/record/",
        {"systolic": "132", "diastolic": "84", "wound_length_cm": "3.5", "notes": "clean"},
    )
    frozen.advance(minutes=45)
    client.post(f"/schedule/{visit.pk}/check-out/", {"lat": HOME[0], "lng": HOME[1]})
    visit.refresh_from_db()
    assert visit.status == "completed"
    assert visit.record.values["systolic"]["value"] == 132  # type: ignore[attr-defined]

    client = login_as(personas.family)
    client.post(f"/visits/{visit.pk}/confirm/")
    assert visit.cosigns.filter(user=personas.family).count() == 1  # type: ignore[attr-defined]
    client.post(
        f"/visits/{visit.pk}/rate/",
        {"punctuality": "5", "skill": "4", "attitude": "5", "comment": "很好"},
    )
    visit.refresh_from_db()
    assert visit.status == "reviewed"
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="live"' not in html
    assert 'data-testid="rated"' in html
    assert 'data-testid="cosigned"' in html


def test_pages_are_role_gated_and_tenant_scoped(
    login_as, personas, world, catalog, family_link, providers, frozen
):
    client = login_as(personas.family)
    _book(client, catalog.dressing.pk)
    visit = Visit.objects.get()
    # Other roles: 404 on the role pages.
    assert client.get("/pool/").status_code == 404
    assert client.get("/assessments/").status_code == 404
    # Institution B's admin: the queue does not show A's request and deciding is 404.
    client = login_as(personas.other_admin)
    assert f"assessment-{visit.assessment_id}" not in client.get("/assessments/").content.decode()
    response = client.post(f"/assessments/{visit.assessment_id}/decide/", {"decision": "accepted"})
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == "awaiting_assessment"
    # Institution B's nurse cannot open the visit screen or the order.
    client = login_as(personas.other_nurse)
    assert client.get(f"/schedule/{visit.pk}/").status_code == 404
    assert client.post(f"/pool/{visit.pk}/take/").status_code == 404


def test_reject_without_notes_shows_the_reason_in_chinese(
    login_as, personas, catalog, family_link, frozen
):
    client = login_as(personas.family)
    _book(client, catalog.dressing.pk)
    visit = Visit.objects.get()
    client = login_as(personas.reviewer, lang="zh-hans")
    response = client.post(
        f"/assessments/{visit.assessment_id}/decide/", {"decision": "rejected"}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages
    assert all(ch for ch in messages[0])
    assert not messages[0].isascii()
    visit.refresh_from_db()
    assert visit.status == "awaiting_assessment"


def test_operator_intake_suggests_and_books_by_phone(
    login_as, personas, world, catalog, elder_a, frozen
):
    client = login_as(personas.operator)
    html = client.get("/intake/", {"q": "13812345678"}).content.decode()
    assert f'data-testid="choose-{elder_a.pk}"' in html
    page = client.get("/intake/", {"elder": elder_a.pk, "need": "换药"})
    codes = [s["item"].code for s in page.context["suggestions"]]
    assert codes
    assert codes[0] == "wound_dressing"
    page = client.get(f"/services/{catalog.dressing.pk}/", {"elder": elder_a.pk, "need": "换药"})
    assert page.context["elder"] == elder_a
    response = _book(client, catalog.dressing.pk, elder=str(elder_a.pk))
    assert response.status_code == 302
    assert response.url == "/intake/"
    order = Order.objects.get()
    assert order.channel == "phone"
    assert order.placed_by == personas.operator
    assert order.elder == elder_a


def pay(client: Any, order_id: int, method: str) -> Any:
    """Pay from the order page's form (its idempotency key and amount)."""
    html = client.get(f"/orders/{order_id}/").content.decode()
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    amount = re.search(r'name="amount" value="(\d+)"', html)
    assert key is not None
    assert amount is not None
    return client.post(
        f"/orders/{order_id}/pay/",
        {"method": method, "key": key.group(1), "amount": amount.group(1)},
    )


def _dispatchable(client_login: Any, personas: Any, catalog: Any) -> Visit:
    """A companionship visit (no assessment) booked by the family and prepaid."""
    client = client_login(personas.family)
    _book(client, catalog.companion.pk)
    order = Order.objects.get()
    pay(client, order.pk, "cash")
    visit = Visit.objects.get(order=order)
    assert visit.status == "awaiting_dispatch"
    return visit


def test_dispatcher_assigns_and_an_ineligible_choice_is_explained(
    login_as, personas, catalog, family_link, providers, frozen
):
    visit = _dispatchable(login_as, personas, catalog)
    client = login_as(personas.dispatcher)
    # Institution B's nurse is not in institution A's list and cannot be forced in.
    response = client.post(
        f"/dispatch/{visit.pk}/assign/", {"provider": providers.other_nurse.pk}, follow=True
    )
    assert "Choose a provider." in response.content.decode()
    visit.refresh_from_db()
    assert visit.provider_id is None
    response = client.post(
        f"/dispatch/{visit.pk}/assign/", {"provider": providers.nurse.pk}, follow=True
    )
    assert "Provider assigned." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "assigned"
    assert visit.provider_id == providers.nurse.pk
    # The family's order page now refreshes its visit cards by itself (HTMX polling).
    client = login_as(personas.family)
    assert 'data-testid="live"' in client.get(f"/orders/{visit.order_id}/").content.decode()
    # The nurse finds it in her schedule; the caregiver cannot open it.
    client = login_as(personas.nurse)
    assert f'data-testid="schedule-{visit.pk}"' in client.get("/schedule/").content.decode()
    client = login_as(personas.caregiver)
    assert client.get(f"/schedule/{visit.pk}/").status_code == 404
    # Another dispatcher's institution: 404 and nothing changes.
    client = login_as(personas.other_admin)
    assert client.post(f"/dispatch/{visit.pk}/publish/").status_code == 404
    visit.refresh_from_db()
    assert visit.pool_published_at is None


def test_second_grab_is_told_someone_else_won(
    login_as, personas, world, catalog, family_link, providers, frozen
):
    visit = _dispatchable(login_as, personas, catalog)
    login_as(personas.dispatcher).post(f"/dispatch/{visit.pk}/publish/")
    client = login_as(personas.caregiver)
    assert client.post(f"/pool/{visit.pk}/take/").status_code == 302
    visit.refresh_from_db()
    assert visit.provider_id == providers.caregiver.pk
    client = login_as(personas.nurse)
    response = client.post(f"/pool/{visit.pk}/take/", follow=True)
    assert "Another provider has already taken this visit." in response.content.decode()
    visit.refresh_from_db()
    assert visit.provider_id == providers.caregiver.pk


def _completed(personas: Any, world: Any, elder: Any, catalog: Any, providers: Any, frozen: Any):
    from doorstep.accounts.policy import Actor
    from doorstep.orders import services
    from doorstep.orders.tests.conftest import GOOD_VALUES, fresh, in_service

    visit = in_service(personas, world, elder, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    frozen.advance(minutes=45)
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    return fresh(visit)


def test_correction_requested_by_the_nurse_and_approved_by_the_institution(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = _completed(personas, world, elder_a, catalog, providers, frozen)
    client = login_as(personas.nurse)
    response = client.post(
        f"/schedule/{visit.pk}/correction/",
        {"field": "check_out_at", "proposed_value": "2026-06-15T10:40", "reason": ""},
        follow=True,
    )
    assert visit.corrections.count() == 0  # type: ignore[attr-defined]
    assert "Please give a reason." in response.content.decode()
    client.post(
        f"/schedule/{visit.pk}/correction/",
        {"field": "check_out_at", "proposed_value": "2026-06-15T10:40", "reason": "No signal"},
    )
    correction = visit.corrections.get()  # type: ignore[attr-defined]
    assert correction.status == "pending"
    # Institution B cannot see or decide it.
    client = login_as(personas.other_admin)
    assert client.get("/verification/").status_code == 200
    assert f"correction-{correction.pk}" not in client.get("/verification/").content.decode()
    response = client.post(
        f"/verification/corrections/{correction.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 404
    correction.refresh_from_db()
    assert correction.status == "pending"
    client = login_as(personas.dispatcher)
    assert f"correction-{correction.pk}" in client.get("/verification/").content.decode()
    client.post(f"/verification/corrections/{correction.pk}/decide/", {"decision": "approve"})
    correction.refresh_from_db()
    assert correction.status == "approved"
    assert correction.decided_by == personas.dispatcher


def test_family_cancels_free_before_travel(login_as, personas, catalog, family_link, frozen):
    client = login_as(personas.family)
    _book(client, catalog.dressing.pk)
    order = Order.objects.get()
    response = client.post(f"/orders/{order.pk}/cancel/", {"reason": ""}, follow=True)
    assert Visit.objects.get().status == "awaiting_assessment"
    assert "Please give a reason." in response.content.decode()
    response = client.post(f"/orders/{order.pk}/cancel/", {"reason": "妈妈住院了"}, follow=True)
    assert "Cancelled, free of charge." in response.content.decode()
    visit = Visit.objects.get()
    assert visit.status == "cancelled"
    assert visit.cancellation_fee_fen == 0


def test_complaint_filed_by_family_and_resolved_by_the_institution(
    login_as, personas, catalog, family_link, frozen
):
    from doorstep.quality.models import Complaint

    client = login_as(personas.family)
    _book(client, catalog.companion.pk)
    order = Order.objects.get()
    client.post(f"/orders/{order.pk}/complain/", {"category": "nonsense", "description": "x"})
    assert Complaint.objects.count() == 0
    client.post(
        f"/orders/{order.pk}/complain/",
        {"category": "attitude", "description": "The phone operator was rude."},
    )
    complaint = Complaint.objects.get()
    assert complaint.raised_by == personas.family
    # Institution B's admin does not see it and cannot act on it.
    client = login_as(personas.other_admin)
    assert f"complaint-{complaint.pk}" not in client.get("/complaints/").content.decode()
    assert client.post(f"/complaints/{complaint.pk}/act/", {"action": "take"}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == "open"
    client = login_as(personas.inst_admin)
    assert f"complaint-{complaint.pk}" in client.get("/complaints/").content.decode()
    client.post(f"/complaints/{complaint.pk}/act/", {"action": "take"})
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"
    response = client.post(
        f"/complaints/{complaint.pk}/act/", {"action": "resolve", "outcome": ""}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"
    client.post(
        f"/complaints/{complaint.pk}/act/",
        {"action": "resolve", "outcome": "Apologised; operator retrained."},
    )
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    assert complaint.outcome == "Apologised; operator retrained."


def test_elder_books_for_herself(login_as, personas, catalog, elder_a, frozen):
    client = login_as(personas.elder)
    page = client.get(f"/services/{catalog.companion.pk}/")
    assert page.context["elder"] == elder_a
    response = _book(client, catalog.companion.pk)
    order = Order.objects.get()
    assert response.url == f"/orders/{order.pk}/"
    assert order.elder == elder_a
    assert order.placed_by == personas.elder
    assert order.channel == "app"
    html = client.get("/orders/").content.decode()
    assert f'data-testid="order-{order.pk}"' in html


def test_documented_visit_appears_in_the_elder_record_pages(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    """After check-out the record shows on the elder's own profile and on the operator's
    elder page, with the template's labels and units; another region's staff see nothing."""
    _completed(personas, world, elder_a, catalog, providers, frozen)
    client = login_as(personas.elder)
    page = client.get("/me/").content.decode()
    assert 'data-testid="care-records"' in page
    assert "132 mm[Hg]" in page
    client = login_as(personas.operator, "zh-hans")
    page = client.get(f"/elders/{elder_a.pk}/").content.decode()
    assert "护理记录" in page
    assert "132 mm[Hg]" in page
    client = login_as(personas.other_admin)
    assert client.get(f"/elders/{elder_a.pk}/").status_code == 404


def test_nurse_stops_a_visit_for_safety_and_the_institution_is_told(
    login_as,
    personas,
    world,
    elder_a,
    catalog,
    providers,
    frozen,
    django_capture_on_commit_callbacks,
):
    """The visit screen's abort needs a reason; with one the visit ends as aborted and the
    institution's admin gets an inbox message. A visit already in service cannot be marked
    no-show (no such button, and the service refuses it)."""
    from doorstep.notifications.models import Notification
    from doorstep.orders.tests.conftest import in_service

    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    client = login_as(personas.nurse)
    page = client.get(f"/schedule/{visit.pk}/").content.decode()
    assert 'data-testid="abort"' in page
    assert 'data-testid="no-show"' not in page
    r = client.post(f"/schedule/{visit.pk}/abort/", {"reason": " "}, follow=True)
    assert Visit.objects.get(pk=visit.pk).status == "in_service"
    assert "reason" in r.content.decode().lower()
    r = client.post(f"/schedule/{visit.pk}/no-show/", follow=True)
    assert Visit.objects.get(pk=visit.pk).status == "in_service"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/schedule/{visit.pk}/abort/", {"reason": "The dog attacked me"}, follow=True
        )
    assert r.status_code == 200
    assert Visit.objects.get(pk=visit.pk).status == "aborted"
    assert Visit.objects.get(pk=visit.pk).abort_reason == "The dog attacked me"
    alert = Notification.objects.get(recipient=personas.dispatcher, kind="orders.visit_aborted")
    assert (alert.severity, alert.body_en) == ("critical", "The dog attacked me")


def test_nurse_uploads_a_photo_and_a_fake_image_is_refused(
    login_as, personas, world, elder_a, catalog, providers, frozen, settings, tmp_path
):
    """The record form offers one upload per photo field; a real JPEG is stored, a text file
    named .jpg is refused with the reason and nothing is stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from doorstep.orders.models import RecordPhoto
    from doorstep.orders.tests.conftest import in_service

    settings.MEDIA_ROOT = tmp_path
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    client = login_as(personas.nurse)
    page = client.get(f"/schedule/{visit.pk}/").content.decode()
    assert 'data-testid="photo-form-wound_photo"' in page
    fake = SimpleUploadedFile("w.jpg", b"not an image at all", content_type="image/jpeg")
    r = client.post(
        f"/schedule/{visit.pk}/photo/", {"key": "wound_photo", "photo": fake}, follow=True
    )
    assert r.status_code == 200
    assert RecordPhoto.objects.filter(visit=visit).count() == 0
    jpeg = SimpleUploadedFile("w.jpg", b"\xff\xd8\xff\xe0" + b"1" * 64, content_type="image/jpeg")
    r = client.post(
        f"/schedule/{visit.pk}/photo/", {"key": "wound_photo", "photo": jpeg}, follow=True
    )
    assert RecordPhoto.objects.filter(visit=visit, key="wound_photo").count() == 1
    assert 'data-testid="photo-count"' in r.content.decode()
