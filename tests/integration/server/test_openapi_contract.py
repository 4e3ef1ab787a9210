"""schemathesis against the server's own OpenAPI document, through assay's own
``openapi.contract`` check: every operation, with an admin token, on SQLite and PostgreSQL.
No 5xx, and every status, content type, header and body as the document says.

Seeded and bounded (``max_examples`` per operation and mode) so it stays well under a
minute; raise ``ASSAY_CONTRACT_EXAMPLES`` for a deeper search. The regressions it found are
pinned by the plain tests below.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from assay.core.results import RunResult, Status
from tests.integration.server.conftest import Served, assert_error, settings_for, step

EXAMPLES = int(os.environ.get("ASSAY_CONTRACT_EXAMPLES", "50"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
SUITE = """\
targets:
  server:
    type: http
    base_url: "${BASE}"
    credentials:
      admin: {token: "${TOKEN}"}
groups:
  - name: the server's own contract
    as: admin
    test:
      - name: every operation
        openapi.contract:
          schema: /openapi.json
          max_examples: %d
          seed: 4
          checks: [%s]
        timeout: 300
        debug: true
"""


def test_openapi_contract_every_operation_conforms(
    serve: Callable[..., Served],
    database_url: str,
    write_suite: Callable[..., Path],
    run_suite: Callable[..., RunResult],
) -> None:
    served = serve(settings_for(database_url, rate_limit=""))  # thousands of requests
    document = httpx.get(f"{served.url}/openapi.json", timeout=30).json()
    operations = sum(len(methods) for methods in document["paths"].values())
    suite = write_suite(SUITE % (EXAMPLES, ", ".join(CHECKS)))
    run = run_suite(suite, {"BASE": served.url, "TOKEN": served.tokens["admin"]})
    (result,) = run.results
    data = result.details.get("response", {})
    assert result.status is Status.PASSED, "\n".join(
        [result.message, *(f"{f['check']}: {f['reproduce']}" for f in data.get("failures", []))]
    )
    assert data["operations"] == operations >= 11
    assert data["complete"] is True and data["cases"] >= 10 * operations
    assert served.tokens["admin"] not in result.message + str(data)


def test_openapi_documents_400_for_bodies_that_are_not_json(server: Served) -> None:
    document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    for path, methods in document["paths"].items():
        if path.startswith("/api/v1"):
            for method, operation in methods.items():
                assert "400" in operation["responses"], f"{method.upper()} {path}"
    with server.client("runner") as http:
        created = http.post("/api/v1/sessions", json={"environment": "contract"}).json()
        broken = http.patch(
            f"/api/v1/sessions/{created['id']}",
            content=b"\xff{not json",
            headers={"Content-Type": "application/json"},
        )
    assert_error(broken, 400, "bad_request")


def test_nul_characters_are_stored_as_replacement_on_every_backend(
    server: Served, env: str
) -> None:
    """PostgreSQL cannot store NUL; a check's output holding one is kept, not refused."""
    with server.client("runner") as http:
        created = http.post("/api/v1/sessions", json={"environment": env, "name": "a\x00b"})
        assert created.status_code == 201, created.text
        session_id = created.json()["id"]
        result = step(1, message="body: \x00\x01", details={"raw\x00": ["x\x00y"]}, id="r\x000")
        first = http.post(f"/api/v1/sessions/{session_id}/results", json={"results": [result]})
        again = http.post(f"/api/v1/sessions/{session_id}/results", json={"results": [result]})
        listed = http.get(
            f"/api/v1/sessions/{session_id}/results", params={"kind": "s3.PutObject"}
        ).json()
        by_env = http.get("/api/v1/sessions", params={"environment": env}).json()
        with_nul = http.get("/api/v1/sessions", params={"environment": env + "\x00"}).json()
    assert first.status_code == 201 and first.json()["accepted"] == 1, first.text
    assert again.status_code == 200 and again.json()["duplicate_ids"] == ["r\ufffd0"]
    (stored,) = listed["items"]
    assert stored["id"] == "r\ufffd0" and stored["message"] == "body: \ufffd\x01"
    assert stored["details"] == {"raw\ufffd": ["x\ufffdy"]}
    assert by_env["items"][0]["name"] == "a\ufffdb" and with_nul["total"] == 0
    assert uuid.UUID(session_id)
