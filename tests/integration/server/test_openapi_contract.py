"""schemathesis against the server's own OpenAPI document, through assay's own
``openapi.contract`` check: every operation, with an admin token, on SQLite and PostgreSQL.
No 5xx, and every status, content type, header and body as the document says.

Deterministic by default: a fixed seed and ``max_examples`` per operation and mode, so the
same code and lock generate the same cases on every run (a green run stays green) and it
stays well under a minute. To hunt for new bugs, ``ASSAY_EXPLORE=1`` draws a fresh
seed each run (printed with any failure; ``ASSAY_CONTRACT_SEED=N`` replays it) and
``ASSAY_CONTRACT_EXAMPLES`` raises the count. What exploring finds becomes a plain test
below, as the repeated client id did.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from assay.core.results import RunResult, Status
from tests.support.server import Served, assert_error, settings_for, step

EXAMPLES = int(os.environ.get("ASSAY_CONTRACT_EXAMPLES", "50"))
EXPLORE = os.environ.get("ASSAY_EXPLORE", "") not in ("", "0")
SEED = int(os.environ.get("ASSAY_CONTRACT_SEED", random.randrange(2**31) if EXPLORE else 4))
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
          seed: %d
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
    suite = write_suite(SUITE % (EXAMPLES, SEED, ", ".join(CHECKS)))
    run = run_suite(suite, {"BASE": served.url, "TOKEN": served.tokens["admin"]})
    (result,) = run.results
    data = result.details.get("response", {})
    assert result.status is Status.PASSED, "\n".join(
        [
            f"seed {SEED} (replay: ASSAY_CONTRACT_SEED={SEED}): {result.message}",
            *(f"{f['check']}: {f['reproduce']}" for f in data.get("failures", [])),
        ]
    )
    assert data["operations"] == operations >= 11
    assert data["complete"] is True and data["cases"] >= 10 * operations
    assert served.tokens["admin"] not in result.message + str(data)


def test_openapi_repeated_client_ids_answer_documented_statuses(server: Served) -> None:
    """Found by schemathesis: a second POST with one client id answered 200, which the
    document did not list; the same for a results upload that stored nothing new."""
    document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    create = document["paths"]["/api/v1/sessions"]["post"]["responses"]
    upload = document["paths"]["/api/v1/sessions/{session_id}/results"]["post"]["responses"]
    junit = document["paths"]["/api/v1/sessions/{session_id}/junit"]["post"]["responses"]
    client_id = f"c-{uuid.uuid4().hex[:12]}"
    body = {
        "environment": "\u00a6sI\u001dK\u0001\u00f0",
        "finished_at": None,
        "id": client_id,
        "labels": {},
        "name": "\u00a6sI\u001dK\u0001\u00f0",
        "started_at": "2000-01-01T16:56:01+00:00",
        "status": "error",
        "suites": [],
    }
    results = {"results": [{"group": "", "index": 0, "kind": "", "name": "", "phase": "test",
                            "status": "error"}]}  # fmt: skip
    with server.client("runner") as http:
        first = http.post("/api/v1/sessions", json=body)
        again = http.post("/api/v1/sessions", json=body | {"name": "other"})
        stored = http.post(f"/api/v1/sessions/{client_id}/results", json=results)
        retried = http.post(f"/api/v1/sessions/{client_id}/results", json=results)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert (stored.status_code, retried.status_code) == (201, 200), retried.text
    assert retried.json()["accepted"] == 0 and retried.json()["duplicates"] == 1
    for responses in (create, upload, junit):
        assert {"200", "201"} <= set(responses), sorted(responses)


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
