"""The alerts API: list and detail scoped, acknowledge/resolve codes, SOS idempotency."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.alerts.models import Alert

from .conftest import FrozenClock

pytestmark = pytest.mark.django_db


def test_sos_then_operator_lists_acknowledges_and_resolves(
    frozen: FrozenClock, api_as: Any, personas: Any, elder_a: Any
) -> None:
    elder = api_as(personas.elder)
    r = elder.post("/api/v1/sos", {"idempotency_key": "api-sos-0001"})
    assert r.status_code == 201, r.content
    again = elder.post("/api/v1/sos", {"idempotency_key": "api-sos-0001"})
    assert (again.status_code, again.json()["id"]) == (200, r.json()["id"])
    alert_id = r.json()["id"]
    operator = api_as(personas.operator)
    listing = operator.get("/api/v1/alerts")
    assert listing.status_code == 200, listing.content
    assert [a["id"] for a in listing.json()["items"]] == [alert_id]
    assert api_as(personas.other_regulator).get(f"/api/v1/alerts/{alert_id}").status_code == 404
    r = operator.post(f"/api/v1/alerts/{alert_id}/resolve", {"note": ""})
    assert (r.status_code, r.json()["code"]) == (422, "alert_note_required")
    r = operator.post(f"/api/v1/alerts/{alert_id}/acknowledge", {"note": "Calling"})
    assert r.status_code == 200
    assert r.json()["status"] == "acknowledged"
    r = operator.post(f"/api/v1/alerts/{alert_id}/acknowledge", {})
    assert (r.status_code, r.json()["code"]) == (409, "alert_already_acknowledged")
    r = operator.post(f"/api/v1/alerts/{alert_id}/resolve", {"note": "Pressed by mistake."})
    assert r.status_code == 200
    assert [e["kind"] for e in r.json()["events"]][-2:] == ["acknowledged", "resolved"]
    assert Alert.objects.get().status == "resolved"
    r = elder.post("/api/v1/sos", {"idempotency_key": "bad"})
    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_invalid")
    assert Alert.objects.count() == 1
