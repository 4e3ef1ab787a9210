"""What ``assay run --report-to`` costs a run: the same suite with and without a reporter.

    python bench/report_overhead.py [--steps N] [--concurrency C] [--repeat R]

One ``assay serve`` process (a fresh SQLite file, 127.0.0.1, a free port), as a real server
would be. The suite has N ``http.request`` steps against the server's own ``/health`` over C
lanes, so the checks and the uploads share one server (and two cores). Each repeat runs the
suite once without reporting (the baseline) and once with a ``Reporter`` streaming into a new
session (its spool fsync'd in a temp directory), swapping who goes first. Timed apart: the
run itself (``run_suites``), and the wait at its end for the rest of the upload
(``Reporter.close``). Also: the engine-side cost of the listener per event.

Reported: medians, the ratio baseline/reporting over the run as the median of the paired runs
(``ratio: X.XX``, last line; target >= 0.9: reporting slows the run by at most 10 %), and
whether every result arrived exactly once. The exit status is non-zero only when something
went wrong (a step that did not pass, a result not stored), never for a missed target.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

import assay.checks  # noqa: F401  (registers the http target type and check kinds)
from assay.cli.reporting.options import session_body
from assay.cli.reporting.reporter import Reporter, ReportOptions
from assay.config.loader import load_suite
from assay.config.models import Suite
from assay.config.variables import Variables
from assay.core.events import StepFinished
from assay.core.results import Phase, Status, StepResult
from assay.engine import RunOptions, run_suites

TARGET_RATIO = 0.9
ROLE = ("--role", "runner")
SIDES = ["baseline", "reporting"]


class BenchError(Exception):
    """The benchmark could not measure what it should."""


class Server:
    """``assay serve`` in its own process on a fresh SQLite file, as a real server would be."""

    def __init__(self, directory: Path) -> None:
        env = {**os.environ, "ASSAY_RATE_LIMIT": "", "ASSAY_LOG_LEVEL": "warning"}
        data = ["--data-dir", str(directory)]
        made = subprocess.run(
            [sys.executable, "-m", "assay", "token", "create", "--name", "bench", *ROLE, *data],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if made.returncode != 0:
            raise BenchError(f"assay token create failed: {made.stderr}")
        self.token = made.stdout.strip()
        self.log = directory / "serve.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "assay", "serve", "--port", "0", *data],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            found = re.search(r"on (http://127\.0\.0\.1:\d+)", self.log.read_text())
            if found:
                self.url = found.group(1)
                try:
                    httpx.get(f"{self.url}/health", timeout=2).raise_for_status()
                    return
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise BenchError(f"assay serve did not start: {self.log.read_text()}")

    def stored(self, session_id: str) -> int:
        headers = {"Authorization": f"Bearer {self.token}"}
        got = httpx.get(f"{self.url}/api/v1/sessions/{session_id}", headers=headers, timeout=30)
        return int(got.json()["summary"]["total"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def write_suite(directory: Path, url: str, steps: int, lanes: int) -> Path:
    lines = [f"targets:\n  api: {{type: http, base_url: '{url}'}}\nparallel: {lanes}\ngroups:"]
    for lane in range(lanes):
        count = len(range(lane, steps, lanes))
        if count:
            lines.append(f"  - name: lane {lane}\n    test:")
            lines += ["      - http.request: {path: /health}"] * count
    path = directory / "suite.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_once(suite: Suite, reporter: Reporter | None, lanes: int) -> dict[str, float]:
    """Seconds in run_suites, seconds waiting for the upload to finish afterwards, and this
    process's CPU seconds for both (the reporter's thread included)."""
    gc.collect()
    options = RunOptions(parallel=lanes)
    if reporter is not None:
        reporter.run_id = options.run_id
    cpu, start = time.process_time(), time.perf_counter()
    result = run_suites([suite], options, [reporter] if reporter else [])
    ran = time.perf_counter() - start
    if any(r.status is not Status.PASSED for r in result.results):
        raise BenchError("a step did not pass")
    start = time.perf_counter()
    if reporter is not None:
        outcome = reporter.close("passed")
        if not outcome.complete:
            raise BenchError(f"reporting did not complete: {outcome.problem}")
    wait = time.perf_counter() - start
    return {"run": ran, "wait": wait, "cpu": time.process_time() - cpu}


def listener_cost(spool: Path, url: str, events: int) -> float:
    """Microseconds the engine spends in the reporter's listener per finished step."""
    body = session_body(["bench.yaml"], "bench", {"run_id": "listener"}, None)
    reporter = Reporter(ReportOptions(url=url, token="unused", spool_dir=spool), body, "listener")
    result = StepResult("g", Phase.TEST, 1, "n", "http.request", Status.PASSED, 0.001, 1)
    event = StepFinished(result)
    start = time.perf_counter()
    for _ in range(events):
        reporter(event)
    cost = (time.perf_counter() - start) / events * 1e6
    reporter.delivery.close(remove_if_done=False)
    reporter.client.close()
    return cost


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        server = Server(directory)
        try:
            suite_path = write_suite(directory, server.url, args.steps, args.concurrency)
            suite = load_suite(suite_path, Variables(run_id="bench"))
            runs: list[dict[str, Any]] = []
            print("assay reporting overhead (assay serve in another process, SQLite)")
            lanes = args.concurrency
            print(f"  workload  {args.steps} http.request steps on /health, {lanes} lanes")
            run_once(suite, None, args.concurrency)  # warm-up
            for i in range(args.repeat):
                order = SIDES if i % 2 == 0 else SIDES[::-1]
                run: dict[str, Any] = {}
                for side in order:
                    reporter = None
                    if side == "reporting":
                        body = session_body(["suite.yaml"], "bench", {}, None)
                        options = ReportOptions(server.url, server.token, directory / "spool")
                        reporter = Reporter(options, body, uuid.uuid4().hex[:10]).start()
                    run[side] = run_once(suite, reporter, args.concurrency)
                    if reporter is not None:
                        stored = server.stored(str(body["id"]))
                        if stored != args.steps:
                            raise BenchError(f"{stored} results stored, {args.steps} expected")
                run["ratio"] = run["baseline"]["run"] / run["reporting"]["run"]
                runs.append(run)
                print(
                    f"  run {i + 1}/{args.repeat} ({order[0]} first)  "
                    f"baseline {run['baseline']['run']:.3f} s   "
                    f"reporting {run['reporting']['run']:.3f} s "
                    f"(+ {run['reporting']['wait'] * 1000:.0f} ms at the end)   "
                    f"ratio {run['ratio']:.2f}"
                )
            cost = listener_cost(directory / "listener", server.url, 20_000)
        finally:
            server.stop()
    base = statistics.median(r["baseline"]["run"] for r in runs)
    with_reporting = statistics.median(r["reporting"]["run"] for r in runs)
    wait = statistics.median(r["reporting"]["wait"] for r in runs)
    cpu = {
        side: statistics.median(r[side]["cpu"] for r in runs) / args.steps * 1e6 for side in SIDES
    }
    ratio = statistics.median(r["ratio"] for r in runs)
    met = "met" if ratio >= TARGET_RATIO else "MISSED"
    print(f"baseline run:       {args.steps / base:8.1f} steps/s   median {base:.3f} s")
    print(
        f"with reporting:     {args.steps / with_reporting:8.1f} steps/s   "
        f"median {with_reporting:.3f} s, every result stored once"
    )
    print(f"wait at the end:    {wait * 1000:8.1f} ms (median; the rest of the upload)")
    print(
        f"client CPU per step: baseline {cpu['baseline']:.0f} us, reporting "
        f"{cpu['reporting']:.0f} us ({cpu['reporting'] - cpu['baseline']:+.0f} us: spool, "
        "uploads)"
    )
    print(f"listener per event: {cost:8.2f} us (engine thread: a queue put)")
    print(f"target:             baseline/reporting >= {TARGET_RATIO} ....... {met} ({ratio:.3f})")
    print(f"ratio: {ratio:.2f}")
    return {"steps": args.steps, "runs": runs, "ratio": ratio, "listener_us": cost, "cpu_us": cpu}


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
