"""The engine against real servers: retries, timeouts, phases, fail-fast, concurrency, events."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.events import Event, RunFinished, RunStarted, StepFinished, StepStarted
from assay.core.results import Phase, RunResult, Status
from assay.engine import OpenTargets, RunOptions, run_suites
from tests.support.flaky import FlakyS3

TARGET = """\
targets:
  store:
    type: s3
    endpoint: "${ENDPOINT}"
    path_style: true
    retries: {max_attempts: 3, base_delay: 0.01, max_delay: 0.05}
    credentials:
      owner: {access_key: test, secret_key: test-secret}
"""

Runner = Callable[..., RunResult]


@pytest.fixture
def flaky(moto_server: str) -> Iterator[FlakyS3]:
    front = FlakyS3(moto_server)
    yield front
    front.close()


def by_id(run: RunResult) -> dict[str, object]:
    return {r.id: r for r in run.results}


def test_engine_retries_transient_errors_then_passes(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    flaky.behaviour.throttle["retry-me"] = 2
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    before: [{s3.CreateBucket: {Bucket: "retry-${run.id}"}}]
    test:
      - s3.PutObject: {Bucket: "retry-${run.id}", Key: retry-me, Body: x}
    after: [{s3.empty_bucket: {Bucket: "retry-${run.id}"}}]
"""
    )
    run = run_suite(path, {"ENDPOINT": flaky.url})
    step = next(r for r in run.results if r.phase is Phase.TEST)
    assert step.status is Status.PASSED, step.message
    assert step.attempts == 3
    assert step.details["retried"] == ["SlowDown, HTTP 503: Please reduce your request rate."] * 2


def test_engine_never_retries_an_expected_error(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    flaky.behaviour.throttle["expected-503"] = 5
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    test:
      - s3.ListObjectsV2: {Bucket: expected-503}
        expect: {error: SlowDown}
"""
    )
    (step,) = run_suite(path, {"ENDPOINT": flaky.url}).results
    assert step.status is Status.PASSED and step.attempts == 1
    assert flaky.behaviour.throttle["expected-503"] == 4


def test_engine_gives_up_after_max_attempts(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    flaky.behaviour.throttle["always-503"] = 100
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    test:
      - s3.ListObjectsV2: {Bucket: always-503}
        retries: 4
"""
    )
    (step,) = run_suite(path, {"ENDPOINT": flaky.url}).results
    assert step.status is Status.FAILED
    assert step.attempts == 4 and step.error_code == "SlowDown"
    assert "expected success, got SlowDown" in step.message


def test_engine_step_timeout(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    flaky.behaviour.delay["slow-bucket"] = 2.0
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    test:
      - s3.HeadBucket: {Bucket: slow-bucket}
        timeout: 0.3
      - s3.ListBuckets: {}
"""
    )
    slow, after = run_suite(path, {"ENDPOINT": flaky.url}).results
    assert slow.status is Status.ERROR and slow.message == "timed out after 0.3s"
    assert after.status is Status.PASSED


def test_engine_dropped_connection_is_reported(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    flaky.behaviour.drop.add("dropped")
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    test: [{s3.HeadBucket: {Bucket: dropped}, retries: 2}]
"""
    )
    (step,) = run_suite(path, {"ENDPOINT": flaky.url}).results
    assert step.status is Status.FAILED
    assert step.attempts == 2 and step.error_code == "ConnectionError"


def test_engine_unreachable_target_is_an_error(
    write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    test: [{s3.ListBuckets: {}}]
"""
    )
    (step,) = run_suite(path, {"ENDPOINT": f"http://127.0.0.1:{port}"}).results
    assert step.status is Status.ERROR
    assert step.details["unreachable"] is True
    assert "unreachable" in step.message


def test_engine_after_runs_when_before_fails(
    moto_server: str, write_suite: Callable[..., Path], run_suite: Runner, s3_client: object
) -> None:
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    before:
      - s3.CreateBucket: {Bucket: "after-${run.id}"}
      - s3.HeadBucket: {Bucket: "no-such-bucket-${run.id}"}
      - s3.PutObject: {Bucket: "after-${run.id}", Key: never, Body: x}
    test: [{s3.ListBuckets: {}}]
    after: [{s3.empty_bucket: {Bucket: "after-${run.id}"}}]
"""
    )
    run = run_suite(path, {"ENDPOINT": moto_server})
    statuses = [(r.phase.value, r.index, r.status) for r in run.results]
    assert statuses == [
        ("before", 1, Status.PASSED),
        ("before", 2, Status.FAILED),
        ("before", 3, Status.SKIPPED),
        ("test", 1, Status.SKIPPED),
        ("after", 1, Status.PASSED),
    ]
    names = [b["Name"] for b in s3_client.list_buckets()["Buckets"]]  # type: ignore[attr-defined]
    assert not any(n.startswith("after-") for n in names)


def test_engine_fail_fast_skips_the_rest_but_runs_after(
    moto_server: str, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    path = write_suite(
        TARGET
        + """\
groups:
  - name: first
    before: [{s3.CreateBucket: {Bucket: "ff-${run.id}"}}]
    test:
      - s3.HeadObject: {Bucket: "ff-${run.id}", Key: missing}
      - s3.ListObjectsV2: {Bucket: "ff-${run.id}"}
    after: [{s3.empty_bucket: {Bucket: "ff-${run.id}"}}]
  - name: second
    test: [{s3.ListBuckets: {}}]
"""
    )
    run = run_suite(path, {"ENDPOINT": moto_server}, fail_fast=True)
    got = [(r.group, r.phase.value, r.status) for r in run.results]
    assert got == [
        ("first", "before", Status.PASSED),
        ("first", "test", Status.FAILED),
        ("first", "test", Status.SKIPPED),
        ("first", "after", Status.PASSED),
        ("second", "test", Status.SKIPPED),
    ]


@pytest.mark.parametrize(
    ("parallel", "expect_overlap"), [(1, False), (4, True)], ids=["sequential", "parallel"]
)
def test_engine_group_concurrency(
    flaky: FlakyS3,
    write_suite: Callable[..., Path],
    run_suite: Runner,
    parallel: int,
    expect_overlap: bool,
) -> None:
    flaky.behaviour.delay["conc-"] = 0.15
    groups = "".join(
        f"""\
  - name: g{i}
    test: [{{s3.HeadBucket: {{Bucket: conc-{i}}}, expect: {{status: 404}}}}]
"""
        for i in range(4)
    )
    path = write_suite(TARGET + "groups:\n" + groups)
    run = run_suite(path, {"ENDPOINT": flaky.url}, parallel=parallel)
    assert all(r.status is Status.PASSED for r in run.results), [r.message for r in run.results]
    assert (flaky.behaviour.peak > 1) is expect_overlap


def test_engine_parallel_steps_within_a_group(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    flaky.behaviour.delay["lane-"] = 0.15
    steps = "".join(
        f"      - {{s3.HeadBucket: {{Bucket: lane-{i}}}, expect: {{status: 404}}}}\n"
        for i in range(4)
    )
    path = write_suite(TARGET + "groups:\n  - name: g\n    parallel: true\n    test:\n" + steps)
    run = run_suite(path, {"ENDPOINT": flaky.url}, parallel=4)
    assert all(r.status is Status.PASSED for r in run.results)
    assert flaky.behaviour.peak > 1


def test_engine_parallel_bounds_calls_when_groups_times_lanes_exceed_it(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    """Two groups at once, each with parallel steps: 2 x 2 callers, but --parallel 2."""
    flaky.behaviour.delay["bound-"] = 0.15
    groups = "".join(
        f"  - name: g{g}\n    parallel: true\n    test:\n"
        + "".join(
            f"      - {{s3.HeadBucket: {{Bucket: bound-{g}-{i}}}, expect: {{status: 404}}}}\n"
            for i in range(4)
        )
        for g in range(2)
    )
    path = write_suite(TARGET + "parallel: true\ngroups:\n" + groups)
    run = run_suite(path, {"ENDPOINT": flaky.url}, parallel=2)
    assert all(r.status is Status.PASSED for r in run.results), [r.message for r in run.results]
    assert flaky.behaviour.peak == 2


def test_engine_emits_one_event_stream(moto_server: str, write_suite: Callable[..., Path]) -> None:
    from assay.config.loader import load_suite
    from assay.config.variables import Variables
    from assay.engine import RunOptions, run_suites

    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    before: [{s3.CreateBucket: {Bucket: "ev-${run.id}"}}]
    test: [{s3.ListObjectsV2: {Bucket: "ev-${run.id}"}}]
    after: [{s3.DeleteBucket: {Bucket: "ev-${run.id}"}}]
"""
    )
    events: list[Event] = []
    suite = load_suite(path, Variables(overrides={"ENDPOINT": moto_server}))
    run = run_suites([suite], RunOptions(), [events.append])
    assert isinstance(events[0], RunStarted) and events[0].total_steps == 3
    assert isinstance(events[-1], RunFinished) and events[-1].run is run
    finished = [e.result for e in events if isinstance(e, StepFinished)]
    assert finished == run.results and len(finished) == 3


# --- a long-lived caller: targets kept across runs, cancellation, events -----------------


def test_engine_kept_targets_serve_several_runs_and_close_once(
    write_suite: Callable[..., Path],
) -> None:
    """A kept target (here an embedded moto server) serves both runs and stays up between
    them; closing the set stops it, once."""
    path = write_suite("""\
targets:
  store: {type: s3, endpoint: embedded}
groups:
  - name: make
    test: [{s3.CreateBucket: {Bucket: kept-bucket}}]
  - name: find
    test: [{s3.HeadBucket: {Bucket: kept-bucket}}]
""")
    suite = load_suite(path, Variables(run_id="kept"))
    with OpenTargets.open([suite], 4) as targets:
        store = targets.get(suite, "store")
        url = store.describe()["endpoint"]
        first = run_suites([suite], RunOptions(groups=["make"]), targets=targets)
        assert httpx.get(url, timeout=5).status_code == 200  # still serving between runs
        again = run_suites([suite], RunOptions(groups=["find"]), targets=targets)
        assert targets.get(suite, "store") is store
    assert [r.status for r in first.results + again.results] == [Status.PASSED] * 2
    with pytest.raises(httpx.TransportError):
        httpx.get(url, timeout=5)  # closed with the set, not after each run


def test_engine_cancel_runs_the_step_in_flight_skips_the_rest_and_still_cleans_up(
    flaky: FlakyS3, write_suite: Callable[..., Path], run_suite: Runner
) -> None:
    flaky.behaviour.delay["slow-key"] = 1.0
    path = write_suite(
        TARGET
        + """\
groups:
  - name: g
    before: [{s3.CreateBucket: {Bucket: "cancel-${run.id}"}}]
    test:
      - s3.PutObject: {Bucket: "cancel-${run.id}", Key: slow-key, Body: x}
      - s3.PutObject: {Bucket: "cancel-${run.id}", Key: never, Body: x}
    after: [{s3.empty_bucket: {Bucket: "cancel-${run.id}"}}]
"""
    )
    options = RunOptions()
    seen: list[Event] = []

    def listener(event: Event) -> None:
        seen.append(event)
        if isinstance(event, StepStarted) and event.phase is Phase.TEST and event.index == 1:
            options.cancel.set()  # as a server does on shutdown or a monitor's deadline

    suite = load_suite(path, Variables(run_id=options.run_id, overrides={"ENDPOINT": flaky.url}))
    run = run_suites([suite], options, [listener])
    got = [(r.phase, r.index, r.status, r.message) for r in run.results]
    assert got[1][:3] == (Phase.TEST, 1, Status.PASSED)
    assert got[2] == (Phase.TEST, 2, Status.SKIPPED, "skipped: run cancelled")
    assert got[3][:3] == (Phase.AFTER, 1, Status.PASSED)
    assert run.interrupted and not run.ok
    assert isinstance(seen[0], RunStarted) and isinstance(seen[-1], RunFinished)
    assert sum(isinstance(e, StepFinished) for e in seen) == 4
