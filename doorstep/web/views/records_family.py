"""Elder and family: the elder's care records (what each provider did, vitals with units,
notes and photos), for the elder themself and for family members whose link has the
view-record right and an un-withdrawn proxy consent (``people.access``, scope ``linked``).

The read is the one behind ``GET /api/v1/elders/{id}/service-records``
(``orders.selectors.records_of_elder`` after ``people.access.access_elder``); a family
member's read is audited like any read of the record. Photos are never served publicly:
``record_photo`` streams one only after the same check.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from doorstep.accounts.policy import Actor
from doorstep.orders.models import RecordPhoto
from doorstep.people import access as people_access

from .common import role_page
from .loop_common import PATIENT_SIDE
from .records import care_records

RECORD_LIMIT = 50


def _patient_side(actor: Actor) -> Actor:
    """The actor with only their elder/family grants: these pages never open a record
    through a staff role the same person may also hold."""
    return Actor(user=actor.user, grants=tuple(g for g in actor.grants if g.role in PATIENT_SIDE))


@role_page(*PATIENT_SIDE)
def records_index(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The elders whose records the user may read; straight to the record if only one."""
    elders = list(people_access.elders_visible_to(_patient_side(actor)).order_by("pk")[:50])
    if len(elders) == 1:
        return redirect("web:elder_records", elder_id=elders[0].pk)
    return render(request, "web/loop/records_index.html", {"elders": elders})


@role_page(*PATIENT_SIDE)
def elder_records(request: HttpRequest, elder_id: int, *, actor: Actor) -> HttpResponse:
    elder = people_access.access_elder(actor=_patient_side(actor), elder_id=elder_id)
    return render(
        request,
        "web/loop/records.html",
        {
            "elder": elder,
            "records": care_records(elder.pk, limit=RECORD_LIMIT, photos=True),
            "own": elder.user_id == actor.user_id,
        },
    )


@role_page(*PATIENT_SIDE)
def record_photo(request: HttpRequest, photo_id: int, *, actor: Actor) -> HttpResponse:
    photo = RecordPhoto.objects.select_related("visit__order").filter(pk=photo_id).first()
    if photo is None:
        raise Http404()
    people_access.access_elder(actor=_patient_side(actor), elder_id=photo.visit.order.elder_id)
    try:
        with photo.file.open("rb") as handle:  # at most 5 MB (orders.services.add_photo)
            content = handle.read()
    except OSError as exc:  # the row exists but the file is gone: nothing to show
        raise Http404() from exc
    response = HttpResponse(content, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response
