"""One error format for every 4xx, in the request's language; OpenAPI is served."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_is_served_with_examples(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["info"]["title"] == "Doorstep API"
    assert "/api/v1/auth/token" in spec["paths"]
    assert "13800000001" in r.content.decode()


def test_unauthenticated_is_401_with_code(client):
    r = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 401
    assert r.json() == {"code": "not_authenticated", "message": "请先登录。", "details": {}}


def test_schema_validation_is_422_with_fields(client):
    r = client.post(
        "/api/v1/auth/token",
        data={"identifier": "x"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_error"
    assert body["message"] == "Some fields are not valid."
    assert any(e["loc"][-1] == "password" for e in body["details"]["errors"])


def test_malformed_json_is_a_4xx_not_a_500(client):
    r = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert 400 <= r.status_code < 500
    assert "code" in r.json()
