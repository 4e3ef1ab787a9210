"""The assay command as a user meets it: real processes, real exit codes, real output."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support.cli import QUICKSTART, ROOT, assay
from tests.support.ports import closed_port


def test_cli_version_and_help_teach() -> None:
    assert assay("--version").stdout.strip() == "assay, version 0.1.0"
    top = assay("--help").stdout
    assert "assay run examples/quickstart.yaml" in top and "validate" in top
    run_help = assay("run", "--help").stdout
    for text in ("Examples:", "--format junit --output report.xml", "Exit codes:", "--fail-fast"):
        assert text in run_help


def test_cli_quickstart_passes_with_a_table() -> None:
    done = assay("run", str(QUICKSTART))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout and "FAILED" not in done.stdout
    assert "11 steps, 11 passed" in done.stdout
    assert "PASSED  objects round-trip test[1] s3.PutObject" in done.stderr  # plain progress


def test_cli_s3tester_suite_runs_unchanged() -> None:
    done = assay("run", "examples/s3tester-legacy.yaml", "--format", "json", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["passed"] == report["summary"]["total"] == 8


@pytest.mark.parametrize("fmt", ["json", "yaml", "junit"])
def test_cli_formats_parse(fmt: str) -> None:
    done = assay("run", str(QUICKSTART), "--format", fmt, "-q")
    assert done.returncode == 0, done.stderr
    if fmt == "json":
        assert json.loads(done.stdout)["summary"]["passed"] == 11
    elif fmt == "yaml":
        assert yaml.safe_load(done.stdout)["summary"]["total"] == 11
    else:
        root = ET.fromstring(done.stdout)
        assert root.tag == "testsuites" and root.get("tests") == "11"
        assert root.get("failures") == "0" and len(root.findall("testsuite")) == 2


def test_cli_output_file_gets_the_report_and_terminal_the_table(tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    done = assay("run", str(QUICKSTART), "--format", "junit", "--output", str(out), "-q")
    assert done.returncode == 0
    assert "11 steps, 11 passed" in done.stdout
    assert ET.parse(out).getroot().get("tests") == "11"


def test_cli_failed_check_exits_1_with_junit_failure(write_suite: Callable[..., Path]) -> None:
    path = write_suite("""\
targets: {store: {type: s3, endpoint: embedded}}
groups:
  - name: g
    test:
      - s3.HeadBucket: {Bucket: "does-not-exist-${run.id}"}
""")
    done = assay("run", str(path), "--format", "junit", "-q")
    assert done.returncode == 1
    failure = ET.fromstring(done.stdout).find(".//failure")
    assert failure is not None and "expected success, got HTTP 404" in failure.get("message", "")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("groups: [\n", "suite.yaml:1:11"),
        ("targets: {s: {type: s3, endpoint: embedded}}\ngroupz: []\n", "did you mean 'groups'"),
        (
            "targets: {s: {type: s3, endpoint: embedded}}\ngroups:\n  - name: g\n    as: who\n"
            "    test: [{s3.ListBuckets: {}}]\n",
            "unknown credential 'who'",
        ),
        ("include: [suite.yaml]\ngroups: []\n", "include cycle"),
    ],
    ids=["bad-yaml", "unknown-key", "unknown-credential", "include-cycle"],
)
def test_cli_bad_suites_exit_2_without_traceback(
    write_suite: Callable[..., Path], text: str, needle: str
) -> None:
    path = write_suite(text)
    for command in ("run", "validate"):
        done = assay(command, str(path))
        assert done.returncode == 2, done.stderr
        assert needle in done.stderr and "suite.yaml" in done.stderr
        assert "Traceback" not in done.stderr and done.stderr.startswith("error: ")


def test_cli_missing_file_and_bad_usage_exit_2() -> None:
    done = assay("run", "nope.yaml")
    assert done.returncode == 2 and "nope.yaml: file not found" in done.stderr
    done = assay("run", str(QUICKSTART), "--group", "object round-trip")
    assert done.returncode == 2 and "did you mean 'objects round-trip'" in done.stderr
    done = assay("run", str(QUICKSTART), "--var", "novalue")
    assert done.returncode == 2 and "KEY=VALUE" in done.stderr
    assert assay("run", str(QUICKSTART), "--format", "html").returncode == 2


def test_cli_unreachable_target_exits_3(write_suite: Callable[..., Path]) -> None:
    path = write_suite(f"""\
targets:
  s: {{type: s3, endpoint: "http://127.0.0.1:{closed_port()}", timeout: 2,
      retries: {{max_attempts: 2, base_delay: 0.01}},
      credentials: {{c: {{access_key: a, secret_key: b}}}}}}
groups:
  - name: g
    test: [{{s3.ListBuckets: {{}}}}]
""")
    done = assay("run", str(path), "-q")
    assert done.returncode == 3
    assert "unreachable" in done.stdout
    strict = assay("validate", "--strict", str(path))
    assert strict.returncode == 3 and "Could not connect" in strict.stderr


def test_cli_dry_run_calls_nothing(write_suite: Callable[..., Path]) -> None:
    path = write_suite(f"""\
targets:
  s: {{type: s3, endpoint: "http://127.0.0.1:{closed_port()}",
      credentials: {{c: {{access_key: a, secret_key: super-secret-value}}}}}}
groups:
  - name: g
    test: [{{s3.PutObject: {{Bucket: b, Key: k, Body: super-secret-value}}}}]
""")
    done = assay("run", str(path), "--dry-run")
    assert done.returncode == 0
    assert "test[1] s3.PutObject" in done.stdout and "dry run: nothing was called" in done.stdout
    assert "super-secret-value" not in done.stdout


def test_cli_validate_and_strict(write_suite: Callable[..., Path]) -> None:
    ok = assay("validate", str(QUICKSTART), "--strict")
    assert ok.returncode == 0 and "ok: 1 suite(s), 2 group(s), 11 step(s)" in ok.stdout
    path = write_suite("""\
targets:
  s: {type: s3, endpoint: embedded, credentials: {a: {access_key: a, secret_key: b},
                                                  spare: {access_key: c, secret_key: d}}}
groups:
  - name: g
    test: [{s3.ListBuckets: {}}]
""")
    assert assay("validate", str(path)).returncode == 0
    strict = assay("validate", "--strict", str(path))
    assert (
        strict.returncode == 2 and "credential 'spare' of target 's' is never used" in strict.stderr
    )


def test_cli_list_checks_describes_every_kind() -> None:
    done = assay("list", "checks")
    lines = [ln for ln in done.stdout.splitlines()[1:] if ln.strip()]
    assert len(lines) >= 115
    assert all(len(ln.split(None, 1)) == 2 for ln in lines), "every kind has a description"
    assert any(ln.startswith("s3.PutObject ") and "Adds an object" in ln for ln in lines)
    assert any(ln.startswith("s3.presigned_get ") for ln in lines)


def test_cli_list_groups_and_credentials() -> None:
    groups = assay("list", "groups", str(QUICKSTART))
    assert (
        "objects round-trip" in groups.stdout and "multipart and generated bodies" in groups.stdout
    )
    creds = assay("list", "credentials", "examples/s3tester-legacy.yaml")
    assert "admin" in creds.stdout and "admin-secret-key" not in creds.stdout
    assert "admin-access-key" not in creds.stdout
    assert assay("list", "groups").returncode == 2


def test_cli_schema_validates_suites() -> None:
    schema = json.loads(assay("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    suite = yaml.safe_load(QUICKSTART.read_text())
    assert not list(validator.iter_errors(suite))
    suite["groups"][0]["test"][0]["s3.PutObject"]["Kee"] = "typo"
    assert list(validator.iter_errors(suite))


def test_cli_json_logs(write_suite: Callable[..., Path]) -> None:
    done = assay("run", str(QUICKSTART), "--log-format", "json", "--format", "json")
    records = [json.loads(line) for line in done.stderr.splitlines()]
    steps = [r for r in records if r["message"] == "step finished"]
    assert len(steps) == 11 and all(r["status"] == "passed" for r in steps)
    assert records[-1]["message"] == "run finished" and records[-1]["passed"] == 11


def test_cli_ctrl_c_still_runs_after_phases(
    moto_server: str, write_suite: Callable[..., Path], s3_client: object
) -> None:
    from tests.support.flaky import FlakyS3

    front = FlakyS3(moto_server)
    front.behaviour.delay["slow-key"] = 3.0
    try:
        path = write_suite("""\
targets:
  s: {type: s3, endpoint: "${ENDPOINT}", path_style: true,
      credentials: {c: {access_key: a, secret_key: b}}}
groups:
  - name: g
    before: [{s3.CreateBucket: {Bucket: "intr-${run.id}"}}]
    test:
      - s3.PutObject: {Bucket: "intr-${run.id}", Key: slow-key, Body: x}
      - s3.ListObjectsV2: {Bucket: "intr-${run.id}"}
    after: [{s3.empty_bucket: {Bucket: "intr-${run.id}"}}]
""")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assay",
                "run",
                str(path),
                "--format",
                "json",
                "--var",
                f"ENDPOINT={front.url}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert proc.stderr is not None
        line = proc.stderr.readline()  # the before step's progress line
        assert "before[1]" in line, line
        assert front.behaviour.delay_arrival("slow-key").wait(30), "the slow step never started"
        proc.send_signal(signal.SIGINT)  # while the slow PutObject is in flight
        out, err = proc.communicate(timeout=60)
    finally:
        front.close()
    assert proc.returncode == 130, err
    report = json.loads(out)
    phases = [(r["phase"], r["status"]) for r in report["results"]]
    assert ("after", "passed") in phases
    assert ("test", "skipped") in phases and report["interrupted"] is True
    buckets = [b["Name"] for b in s3_client.list_buckets()["Buckets"]]  # type: ignore[attr-defined]
    assert not any(b.startswith("intr-") for b in buckets)
    assert "Traceback" not in err
