"""``assay validate`` on malformed and randomly mutated suites: exit 2 with one clear error,
never a traceback (the CLI side of tests/unit/test_loader_properties.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.suite_strategies import dump, mutated_suites

FAST = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

CLI_CASES = {
    "invalid YAML": "targets:\n  store: {type: s3\ngroups: []\n",
    "not UTF-8": b"\xff\xfe\x00groups: []\n",
    "a misspelt kind": dump(
        {
            "targets": {"s": {"type": "s3", "endpoint": "embedded"}},
            "groups": [{"name": "g", "test": [{"s3.PutObjekt": {"Bucket": "b", "Key": "k"}}]}],
        },
        None,
    ),
    "targets is a list": "targets: [a]\ngroups: []\n",
    "an impossible date": "groups: [{name: 2001-13-01}]\n",
}


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assay", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("content", list(CLI_CASES.values()), ids=list(CLI_CASES))
def test_cli_validate_reports_malformed_suites_without_traceback(
    tmp_path: Path, content: str | bytes
) -> None:
    path = tmp_path / "suite.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    done = validate(path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("error: "), done.stderr


@settings(FAST, max_examples=3)
@given(suite=mutated_suites())
def test_cli_validate_on_mutated_suites_exits_0_or_2_without_traceback(
    tmp_path: Path, suite: tuple[dict[str, Any], str]
) -> None:
    path = tmp_path / "cli.yaml"
    path.write_text(dump(suite[0], None), encoding="utf-8")
    done = validate(path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 2), (done.returncode, done.stderr)
