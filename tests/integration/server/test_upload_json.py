"""Result uploads are parsed by orjson (``api/jsonroute.py``): malformed or out-of-range
JSON is the usual 422 in the one error format, and nothing of it is stored."""

from __future__ import annotations

import pytest

from tests.support.server import Served, assert_error, step

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "body",
    [b'{"results": [', b"not json", b'{"results": [{"duration": 1e400}]}', b"\xff\xfe"],
    ids=["truncated", "not-json", "infinite-number", "not-utf8"],
)
def test_upload_malformed_json_is_422_and_stores_nothing(
    server: Served, env: str, body: bytes
) -> None:
    with server.client("runner") as http:
        sid = http.post("/api/v1/sessions", json={"environment": env}).json()["id"]
        answer = http.post(f"/api/v1/sessions/{sid}/results", content=body, headers=JSON)
        listed = http.get(f"/api/v1/sessions/{sid}/results").json()
    error = assert_error(answer, 422, "validation_error")
    assert "JSON decode error" in error["message"]
    assert listed["total"] == 0


def test_upload_json_with_unicode_and_nesting_round_trips(server: Served, env: str) -> None:
    details = {"path": "/objets/été/\u2603", "nested": {"list": [1, 2.5, None, True]}}
    with server.client("runner") as http:
        sid = http.post("/api/v1/sessions", json={"environment": env}).json()["id"]
        done = http.post(
            f"/api/v1/sessions/{sid}/results", json={"results": [step(0, details=details)]}
        )
        (stored,) = http.get(f"/api/v1/sessions/{sid}/results").json()["items"]
    assert done.status_code == 201 and stored["details"] == details
