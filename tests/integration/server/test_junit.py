"""``POST /api/v1/sessions/{id}/junit`` on SQLite and PostgreSQL: real JUnit reports in,
hostile or broken XML out with 400/413/415."""

from __future__ import annotations

from datetime import UTC, datetime

from assay.core.failures import Part, failure
from assay.core.results import Phase, RunResult, Status, StepResult
from assay.report.junit import render_junit
from tests.support.server import Served, assert_error

PYTEST_REPORT = b"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4"
  time="1.2" timestamp="2024-05-01T10:00:00.000000">
  <testcase classname="tests.test_api" name="test_ok" time="0.010" file="tests/test_api.py"
    line="3"/>
  <testcase classname="tests.test_api" name="test_bad" time="0.020">
    <failure message="assert 1 == 2">def test_bad():
&gt;   assert 1 == 2</failure>
  </testcase>
  <testcase classname="tests.test_api" name="test_broken" time="0.001">
    <error message="fixture 'db' not found" type="pytest.error">E  fixture 'db' not found</error>
  </testcase>
  <testcase classname="tests.test_api" name="test_later" time="0">
    <skipped message="not yet" type="pytest.skip"/>
  </testcase>
</testsuite></testsuites>
"""
XML = {"Content-Type": "application/xml"}


def _session(server: Served, env: str) -> str:
    with server.client("runner") as http:
        return str(http.post("/api/v1/sessions", json={"environment": env}).json()["id"])


def test_junit_import_maps_every_outcome(server: Served, env: str) -> None:
    sid = _session(server, env)
    with server.client("runner") as http:
        response = http.post(f"/api/v1/sessions/{sid}/junit", content=PYTEST_REPORT, headers=XML)
        again = http.post(f"/api/v1/sessions/{sid}/junit", content=PYTEST_REPORT, headers=XML)
        items = http.get(f"/api/v1/sessions/{sid}/results").json()["items"]
    assert response.status_code == 201, response.text
    assert response.json()["summary"] == {
        "passed": 1,
        "failed": 1,
        "error": 1,
        "skipped": 1,
        "total": 4,
    }
    assert again.status_code == 200 and again.json()["duplicates"] == 4
    by_name = {r["name"]: r for r in items}
    assert by_name["test_bad"]["message"] == "assert 1 == 2"
    assert "assert 1 == 2" in by_name["test_bad"]["details"]["text"]
    assert by_name["test_broken"]["error_code"] == "pytest.error"
    assert by_name["test_later"]["message"] == "not yet"
    assert by_name["test_ok"]["details"]["file"] == "tests/test_api.py"
    assert (
        by_name["test_ok"]["group"] == "pytest" and by_name["test_ok"]["kind"] == "junit.testcase"
    )
    assert by_name["test_ok"]["started_at"].startswith("2024-05-01T10:00:00")


def test_junit_import_reads_assays_own_report_back(server: Served, env: str) -> None:
    run = RunResult("run1", ["suite.yaml"], datetime.now(UTC))
    run.results = [
        StepResult("g", Phase.BEFORE, 0, "make bucket", "s3.CreateBucket", Status.PASSED),
        StepResult("g", Phase.TEST, 0, "get", "s3.GetObject", Status.FAILED, message="403",
                   failures=[failure(Part.STATUS, "status", 403, [200], "403")]),
        StepResult("g", Phase.AFTER, 0, "empty", "s3.empty_bucket", Status.PASSED),
    ]  # fmt: skip
    sid = _session(server, env)
    # what a person reads may change: the results come from the properties, not the names
    document = render_junit(run).replace('name="before[0] make bucket"', 'name="renamed"')
    with server.client("runner") as http:
        http.post(f"/api/v1/sessions/{sid}/junit", content=document.encode(), headers=XML)
        items = http.get(f"/api/v1/sessions/{sid}/results").json()["items"]
    assert [(r["phase"], r["index"], r["name"], r["kind"]) for r in items] == [
        ("before", 0, "make bucket", "s3.CreateBucket"),
        ("test", 0, "get", "s3.GetObject"),
        ("after", 0, "empty", "s3.empty_bucket"),
    ]
    assert items[1]["status"] == "failed" and items[1]["message"] == "403"
    assert items[1]["failures"] == [run.results[1].failures[0].to_dict()]
    assert items[0]["suite"] == "" and "assay.phase" not in items[0]["details"].get(
        "properties", {}
    )


def test_junit_import_refuses_bad_documents(server: Served, env: str) -> None:
    sid = _session(server, env)
    path = f"/api/v1/sessions/{sid}/junit"
    laughs = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<testsuite><testcase name="&lol2;"/></testsuite>"""
    xxe = b"""<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<testsuite><testcase name="&x;"/></testsuite>"""
    with server.client("runner") as http:
        broken = http.post(path, content=b"<testsuite><testcase></testsuite>", headers=XML)
        bomb = http.post(path, content=laughs, headers=XML)
        external = http.post(path, content=xxe, headers=XML)
        html = http.post(path, content=b"<html><body/></html>", headers=XML)
        empty = http.post(path, content=b"", headers=XML)
        no_cases = http.post(path, content=b"<testsuites/>", headers=XML)
        as_json = http.post(path, json={"results": []})
        items = http.get(f"/api/v1/sessions/{sid}/results").json()["total"]
    assert "line 1, column 24" in assert_error(broken, 400, "invalid_junit")["message"]
    assert "DTD" in assert_error(bomb, 400, "invalid_junit")["message"]
    assert "passwd" not in assert_error(external, 400, "invalid_junit")["message"]
    assert "<html>" in assert_error(html, 400, "invalid_junit")["message"]
    assert "empty" in assert_error(empty, 400, "invalid_junit")["message"]
    assert "no <testcase>" in assert_error(no_cases, 400, "invalid_junit")["message"]
    assert "application/json" in assert_error(as_json, 415, "unsupported_media_type")["message"]
    assert items == 0


def test_junit_import_needs_tokens_roles_and_a_session(server: Served, env: str) -> None:
    sid = _session(server, env)
    path = f"/api/v1/sessions/{sid}/junit"
    with server.client() as http:
        assert_error(http.post(path, content=PYTEST_REPORT, headers=XML), 401, "unauthorized")
    with server.client("viewer") as http:
        assert_error(http.post(path, content=PYTEST_REPORT, headers=XML), 403, "forbidden")
    with server.client("runner") as http:
        missing = http.post("/api/v1/sessions/nope/junit", content=PYTEST_REPORT, headers=XML)
        too_long = http.post(f"/api/v1/sessions/{'x' * 65}/junit", content=b"<a/>", headers=XML)
    assert_error(missing, 404, "not_found")
    assert_error(too_long, 422, "validation_error", "path.session_id")
