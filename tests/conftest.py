"""Shared fixtures: a real moto server on loopback, PostgreSQL, and helpers to run suites.

Runs are deterministic: hypothesis draws the same examples on every run (``derandomize``,
no example database), so a green run stays green. ``ASSAY_EXPLORE=1`` gives property and
contract tests fresh randomness to hunt for new bugs; what they find becomes a fixed test.
"""

from __future__ import annotations

import os
import shutil
import signal
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from hypothesis import settings
from moto.server import ThreadedMotoServer

import assay.checks  # noqa: F401  (registers check kinds)
from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core import secrets
from assay.core.results import RunResult
from assay.engine import RunOptions, run_suites
from tests.support import postgres

EXPLORE = os.environ.get("ASSAY_EXPLORE", "") not in ("", "0")
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile("explore" if EXPLORE else "deterministic")

UNIT = Path(__file__).resolve().parent / "unit"
EXAMPLE_CDK_APP = Path(__file__).resolve().parents[1] / "examples" / "cdk-app"


def pytest_configure(config: pytest.Config) -> None:
    """SIGINT as in a terminal; and once per test run (not in xdist workers, which inherit
    the environment) a PostgreSQL that answers, a throw-away one when none does and the
    binaries are here."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # started in the background by a shell without job control, which ignores SIGINT in
        # what it starts; children inherit an ignored signal, and the Ctrl-C tests need
        # theirs to arrive as it does in a terminal
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(config, "workerinput"):
        return
    server = postgres.ensure()
    if server is not None:
        config.stash[THROW_AWAY] = server
        print(f"tests: started a throw-away PostgreSQL at {server.url}")
    unit_only = all(Path(arg).resolve().is_relative_to(UNIT) for arg in config.args)
    if not unit_only and (problem := postgres.missing()):
        pytest.exit(problem, returncode=2)  # one line, before anything runs


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(THROW_AWAY, None)
    if server is not None:
        server.stop()


THROW_AWAY = pytest.StashKey[postgres.ThrowAway]()


@pytest.fixture(autouse=True)
def _secrets_stay_with_their_test() -> Iterator[None]:
    """The secret registry is process-wide: what a test registers (a suite's credentials,
    random ones from hypothesis) is forgotten after it, so it cannot mask another test's
    output in the same worker. Secrets of the fixtures it uses were registered before."""
    saved = secrets.registered()
    yield
    secrets.restore(saved)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A uniquely named database, created for this test session and dropped after it."""
    if problem := postgres.missing():
        pytest.exit(problem, returncode=2)
    name = f"assay_test_{uuid.uuid4().hex[:12]}"
    admin_url = postgres.admin_url()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server in this process, on a free loopback port; yields its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(moto_server: str):  # type: ignore[no-untyped-def]
    """A raw boto3 client on the session moto server (for arranging and asserting)."""
    return boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test-secret",
    )


@pytest.fixture(scope="session")
def aws_client(moto_server: str) -> Callable[..., Any]:
    """Raw boto3 clients of any service on the session moto server (arranging, asserting)."""
    made: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str = "us-east-1") -> Any:
        if (service, region) not in made:
            made[(service, region)] = boto3.client(
                service,
                endpoint_url=moto_server,
                region_name=region,
                aws_access_key_id="test",
                aws_secret_access_key="test-secret",
            )
        return made[(service, region)]

    return client


@pytest.fixture
def write_suite(tmp_path: Path) -> Callable[..., Path]:
    """Write a suite (dedented YAML) into a temp dir and return its path."""

    def write(text: str, name: str = "suite.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_suite() -> Callable[..., RunResult]:
    """Load and run one suite file through the real engine."""

    def run(path: Path, variables: dict[str, str] | None = None, **options: object) -> RunResult:
        run_options = RunOptions(**options)  # type: ignore[arg-type]
        suite = load_suite(path, Variables(run_id=run_options.run_id, overrides=variables or {}))
        return run_suites([suite], run_options)

    return run


@pytest.fixture(scope="session")
def cdk_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example CDK app synthesised once per session (through the stacks target, in
    process); a copy of its cloud assembly that tests read as an ``assembly:`` source."""
    from assay.checks.stacks.target import StacksSettings, StacksTarget

    settings = StacksSettings.model_validate({"type": "stacks", "app": str(EXAMPLE_CDK_APP)})
    target = StacksTarget("example", settings)
    try:
        directory = target.assembly().directory
        assert directory is not None
        copy = tmp_path_factory.mktemp("cdk") / "cdk.out"
        shutil.copytree(directory, copy)
    finally:
        target.close()
    assert not Path(directory).exists(), "closing the target removes its synthesis directory"
    return copy
