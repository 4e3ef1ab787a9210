"""examples/monitoring.yaml through the assay command, against local stand-ins: a TLS server
of a throw-away CA, a local RDAP service, the tests' PostgreSQL and one asking for a password.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest
import yaml

from assay.config.schema import suite_schema
from tests.support import postgres
from tests.support.cli import ROOT, assay
from tests.support.http_service import HttpService
from tests.support.net_servers import TLSServer, make_certificates
from tests.support.pg_password import PasswordServer, password_server
from tests.support.ports import free_port
from tests.support.rdap_service import build_rdap_app

SUITE = "examples/monitoring.yaml"
PASSWORD = "e2e-Pa55word-never-shown"


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment variables that point the example at local servers."""
    ca, leaves = make_certificates(tmp_path_factory.mktemp("certs"))
    tls = TLSServer(leaves["valid"])
    rdap = HttpService(app=build_rdap_app())
    yield {
        "SITE": "localhost",
        "TLS_PORT": str(tls.port),
        "SSL_CERT_FILE": str(ca),  # the process's trust store: the throw-away CA alone
        "RDAP": f"{rdap.url}/bootstrap",
        "DOMAIN": "example.test",
        "DATABASE_URL": postgres.admin_url(),
    }
    rdap.stop()
    tls.stop()


@pytest.fixture(scope="module")
def guarded() -> Iterator[PasswordServer]:
    server = password_server(PASSWORD)
    yield server
    server.stop()


def test_monitoring_example_passes_every_step(stand_ins: dict[str, str]) -> None:
    done = assay("run", SUITE, "--format", "json", "-q", env=stand_ins)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout)["results"]
    assert {r["kind"] for r in results} >= {
        "s3.newest_object",
        "files.newest",
        "db.ping",
        "tls.certificate",
        "domain.expiry",
    }
    assert all(r["status"] == "passed" for r in results), results


def test_monitoring_example_database_password_never_shows(
    stand_ins: dict[str, str], guarded: PasswordServer
) -> None:
    base = {**stand_ins, "DATABASE_URL": guarded.url}
    wrong = {**base, "DB_PASSWORD": "wrong-" + PASSWORD}
    right = {**base, "DB_PASSWORD": PASSWORD}  # its run passing: tests/integration/test_db.py
    failed = assay(
        "run", SUITE, "--group", "database", "--format", "json", "--log-format", "json", env=wrong
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    (result,) = json.loads(failed.stdout)["results"]
    assert (result["status"], result["error_code"]) == ("failed", "AuthenticationFailed")
    planned = assay("run", SUITE, "--group", "database", "--dry-run", env=right)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    closed = {**wrong, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/x"}
    unreachable = assay("validate", "--strict", SUITE, env=closed)
    assert unreachable.returncode == 3, unreachable.stdout + unreachable.stderr
    for done in (failed, planned, unreachable):
        assert PASSWORD not in done.stdout + done.stderr


def test_monitoring_example_is_valid_against_the_published_schema() -> None:
    """``assay schema`` covers the new targets and kinds: editors complete the example."""
    validator = jsonschema.Draft202012Validator(suite_schema())
    suite = yaml.safe_load((ROOT / SUITE).read_text(encoding="utf-8"))
    assert not [e.message for e in validator.iter_errors(suite)]
    suite["groups"][0]["test"][1]["files.newest"]["glb"] = "*.txt"
    suite["targets"]["pg"]["uri"] = "postgresql://x"
    assert len(list(validator.iter_errors(suite))) == 2
