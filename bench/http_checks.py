"""assay's ``http.request`` checks against a plain httpx loop, on one local HTTP server.

    python bench/http_checks.py [--endpoints N] [--concurrency C] [--repeat R]

One uvicorn server in this process (a thread, 127.0.0.1, a free port) serves a tiny Starlette
app with N distinct endpoints, ``/e/{i}``, each answering ``{"status": "ok", "i": i}``. Both
sides check every endpoint once: status 200 and the JSON ``status`` equal to ``ok``. The N
checks are spread over C lanes (endpoint i goes to lane i mod C).

* baseline: C threads (``concurrent.futures``) share one ``httpx.Client`` configured as assay's
  ``http`` target configures its own (base URL, same pool limits, timeout, no cookies). Each
  GET's body is parsed with ``json.loads``. The timed part creates the client and runs the
  lanes, since assay's run also opens its target (creates its client).
* assay: a native suite written to a temp file, one ``http`` target at the server's base URL,
  one group per lane, one ``http.request`` step per endpoint with
  ``expect: {conditions: ["[STATUS] == 200", "[BODY].status == ok"]}``, loaded with
  ``load_suite`` (timed apart) and run with ``run_suites(RunOptions(parallel=C))``; only the run
  is timed and every result must be PASSED.

The two alternate R times, swapping who goes first. Reported: each side's median checks/s, the
ratio assay/baseline as the median of the paired runs (target >= 0.9), the condition
evaluator's own speed on the same two conditions, and the loader's time. The exit status is
non-zero only when something went wrong, never for a missed target. bench/README.md has the last
figures and where assay's time goes.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import gc
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import assay.checks  # noqa: F401  (registers the http target type and check kinds)
from assay.checks.http.target import _no_cookies
from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.conditions import parse
from assay.core.results import RunResult, Status
from assay.engine import RunOptions, run_suites

TARGET_RATIO = 0.9
TIMEOUT = 30.0  # the http target's default per-request timeout
CONDITIONS = ["[STATUS] == 200", "[BODY].status == ok"]

Plan = list[list[int]]  # endpoint numbers, one list per lane


class BenchError(Exception):
    """The benchmark could not measure what it should (a failed request, a non-PASSED step)."""


def make_plan(endpoints: int, lanes: int) -> Plan:
    """Endpoints dealt round-robin to at most ``lanes`` non-empty lanes."""
    plan = [list(range(i, endpoints, lanes)) for i in range(lanes)]
    return [lane for lane in plan if lane]


def plan_size(plan: Plan) -> int:
    return sum(len(lane) for lane in plan)


# --- the server -------------------------------------------------------------------------------


def build_app() -> Starlette:
    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "i": request.path_params["i"]})

    return Starlette(routes=[Route("/e/{i:int}", endpoint)])


class Server:
    """The app on 127.0.0.1 and a free port, served by uvicorn in a thread."""

    def __init__(self) -> None:
        config = uvicorn.Config(
            build_app(),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="bench-http", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise BenchError("the benchmark's HTTP server did not start")
            self.thread.join(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


# --- baseline ---------------------------------------------------------------------------------


def new_client(url: str, concurrency: int) -> httpx.Client:
    """An ``httpx.Client`` as assay's ``HttpTarget`` builds it (TLS settings aside: plain http)."""
    pool = max(10, concurrency * 2)
    return httpx.Client(
        base_url=url,
        follow_redirects=True,
        timeout=TIMEOUT,
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        cookies=_no_cookies(),
    )


def run_baseline(url: str, plan: Plan) -> dict[str, float]:
    """Time a fresh client plus the plan's lanes on C threads; returns seconds."""
    gc.collect()
    cpu0, t0 = time.process_time(), time.perf_counter()
    client = new_client(url, len(plan))
    t_client = time.perf_counter()

    def lane(endpoints: list[int]) -> None:
        for i in endpoints:
            response = client.get(f"/e/{i}")
            if response.status_code != 200 or json.loads(response.content)["status"] != "ok":
                raise BenchError(f"baseline: /e/{i} answered {response.status_code}")

    try:
        with cf.ThreadPoolExecutor(len(plan), thread_name_prefix="bench-httpx") as pool:
            for future in [pool.submit(lane, endpoints) for endpoints in plan]:
                future.result()
        t_ops = time.perf_counter()
    finally:
        client.close()
    t_end, cpu = time.perf_counter(), time.process_time() - cpu0
    return {"total": t_end - t0, "setup": t_client - t0, "ops": t_ops - t_client, "cpu": cpu}


# --- assay ------------------------------------------------------------------------------------


def suite_document(url: str, plan: Plan) -> dict[str, Any]:
    """A native suite checking ``plan``: one group per lane, one step per endpoint."""
    return {
        "targets": {"svc": {"type": "http", "base_url": url, "retries": {"max_attempts": 1}}},
        "groups": [
            {
                "name": f"lane-{n}",
                "test": [
                    {
                        "name": f"e{i}",
                        "http.request": {"path": f"/e/{i}"},
                        "expect": {"conditions": list(CONDITIONS)},
                    }
                    for i in endpoints
                ],
            }
            for n, endpoints in enumerate(plan)
        ],
    }


def write_suite(directory: Path, name: str, document: dict[str, Any]) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False, width=200), encoding="utf-8")
    return path


def check_passed(result: RunResult, expected: int) -> None:
    bad = [r for r in result.results if r.status is not Status.PASSED]
    if bad:
        first = bad[0]
        raise BenchError(
            f"assay: {len(bad)} of {len(result.results)} steps did not pass; first: "
            f"{first.group} {first.phase}[{first.index}] {first.kind} {first.status}: "
            f"{first.message}"
        )
    if len(result.results) != expected:
        raise BenchError(f"assay: {len(result.results)} results, expected {expected}")


def steps_window(result: RunResult) -> float:
    """Seconds from the first step's start to the last step's end (wall clock)."""
    starts = [r.started_at for r in result.results if r.started_at]
    ends = [r.started_at + timedelta(seconds=r.duration) for r in result.results if r.started_at]
    return (max(ends) - min(starts)).total_seconds() if starts else 0.0


def run_assay(path: Path, concurrency: int, expected: int) -> dict[str, float]:
    """Load (timed apart) and run the suite; returns seconds."""
    t0 = time.perf_counter()
    suite = load_suite(path, Variables(environ={}))
    gc.collect()
    cpu0, t_loaded = time.process_time(), time.perf_counter()
    result = run_suites([suite], RunOptions(parallel=concurrency))
    t_end, cpu = time.perf_counter(), time.process_time() - cpu0
    check_passed(result, expected)
    return {
        "load": t_loaded - t0,
        "total": t_end - t_loaded,
        "ops": steps_window(result),
        "cpu": cpu,
    }


# --- the condition evaluator alone ------------------------------------------------------------


def measure_conditions(seconds: float) -> dict[str, float]:
    """The two conditions evaluated on a fresh http-like context each round (as the engine does:
    one context per observation, so ``[BODY].status`` parses the body once per check)."""
    conditions = [parse(text) for text in CONDITIONS]
    body = json.dumps({"status": "ok", "i": 123}).encode()
    headers = {"content-type": "application/json", "content-length": str(len(body))}
    done, start = 0, time.perf_counter()
    while True:
        for _ in range(200):
            context = {"STATUS": 200, "RESPONSE_TIME": 1.5, "BODY": body, "HEADER": headers}
            for condition in conditions:
                if not condition.evaluate(context).ok:
                    raise BenchError(f"condition failed: {condition.evaluate(context).text}")
            done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return {
                "checks_per_s": done / elapsed,
                "conditions_per_s": done * len(conditions) / elapsed,
                "seconds": elapsed,
            }


# --- the benchmark ----------------------------------------------------------------------------


def measure(
    endpoints: int, concurrency: int, repeat: int, condition_seconds: float = 1.0
) -> dict[str, Any]:
    """Run everything on one local server and return the figures (no printing)."""
    if endpoints < 1 or concurrency < 1 or repeat < 1:
        raise BenchError("--endpoints, --concurrency and --repeat must be >= 1")
    plan = make_plan(endpoints, concurrency)
    lanes = len(plan)
    runs: list[dict[str, Any]] = []
    server = Server()
    try:
        with tempfile.TemporaryDirectory(prefix="assay-bench-http-") as tmp:
            path = write_suite(Path(tmp), "http.yaml", suite_document(server.url, plan))
            # warm-up: the server's routes, httpx's imports, assay's imports and caches
            warm = make_plan(min(endpoints, 4 * lanes), lanes)
            run_baseline(server.url, warm)
            warm_path = write_suite(Path(tmp), "warm.yaml", suite_document(server.url, warm))
            run_assay(warm_path, lanes, plan_size(warm))

            for r in range(repeat):  # alternate, and swap who goes first every other time
                run: dict[str, Any] = {}
                for side in ("baseline", "assay") if r % 2 == 0 else ("assay", "baseline"):
                    if side == "baseline":
                        run[side] = run_baseline(server.url, plan)
                    else:
                        run[side] = run_assay(path, lanes, endpoints)
                run["ratio"] = run["baseline"]["total"] / run["assay"]["total"]
                runs.append(run)
    finally:
        server.stop()
    conditions = measure_conditions(condition_seconds)

    def med(side: str, part: str) -> float:
        return float(statistics.median(run[side][part] for run in runs))

    def ratio(part: str) -> float:
        pairs = [r["baseline"][part] / r["assay"][part] for r in runs if r["assay"][part] > 0]
        return statistics.median(pairs) if pairs else 0.0

    base_s, assay_s = med("baseline", "total"), med("assay", "total")
    return {
        "endpoints": endpoints,
        "concurrency": lanes,
        "repeat": repeat,
        "runs": runs,
        "baseline": {
            "seconds": base_s,
            "checks_per_s": endpoints / base_s,
            "setup": med("baseline", "setup"),
            "cpu": med("baseline", "cpu"),
        },
        "assay": {
            "seconds": assay_s,
            "checks_per_s": endpoints / assay_s,
            "load": med("assay", "load"),
            "cpu": med("assay", "cpu"),
        },
        "conditions": conditions,
        "ratio": ratio("total"),
        "ratio_of_medians": base_s / assay_s,
        "ratio_ops_only": ratio("ops"),
    }


def report(f: dict[str, Any]) -> str:
    b, a, c = f["baseline"], f["assay"], f["conditions"]
    per_check = {side: 1000 * f[side]["cpu"] / f["endpoints"] for side in ("baseline", "assay")}
    lines = [
        "assay HTTP checks benchmark (uvicorn server in this process)",
        f"  workload          {f['endpoints']} endpoints x GET, checked [STATUS] == 200 and "
        f"[BODY].status == ok, concurrency {f['concurrency']}",
    ]
    for i, run in enumerate(f["runs"], 1):
        rb, ra = run["baseline"], run["assay"]
        first = "baseline" if i % 2 else "assay"
        lines.append(
            f"  run {i}/{f['repeat']} ({first} first)  baseline {rb['total']:6.3f} s   "
            f"assay {ra['total']:6.3f} s   ratio {run['ratio']:.2f}"
        )
    lines += [
        f"httpx baseline:       {b['checks_per_s']:8.1f} checks/s   median {b['seconds']:.3f} s "
        f"(client creation {1000 * b['setup']:.1f} ms of it)",
        f"assay run:            {a['checks_per_s']:8.1f} checks/s   median {a['seconds']:.3f} s "
        f"(run_suites only, loading apart)",
        f"assay loader:         {a['load']:8.3f} s          load_suite of the "
        f"{f['endpoints']}-step suite (median)",
        f"condition evaluator:  {c['checks_per_s']:8.0f} checks/s   ({len(CONDITIONS)} "
        f"conditions each, fresh context: {c['conditions_per_s']:,.0f} conditions/s)",
        f"process CPU per check: baseline {per_check['baseline']:.2f} ms, assay "
        f"{per_check['assay']:.2f} ms (server included; assay "
        f"{1000 * (per_check['assay'] - per_check['baseline']):+.0f} us/check)",
        f"ratio of medians:     {f['ratio_of_medians']:.2f}; steps only (first request to last "
        f"response): {f['ratio_ops_only']:.2f}",
        f"target:               assay/baseline >= {TARGET_RATIO} ....... "
        f"{'met' if f['ratio'] >= TARGET_RATIO else 'MISSED'} ({f['ratio']:.3f}, median of the "
        f"paired runs)",
        f"ratio: {f['ratio']:.2f}",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=int, default=600, help="distinct endpoints (checks)")
    parser.add_argument("--concurrency", type=int, default=4, help="lanes / worker threads")
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs of each side")
    parser.add_argument(
        "--condition-seconds", type=float, default=1.0, help="time measuring the evaluator"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its report, and return the figures."""
    args = parse_args(argv)
    figures = measure(args.endpoints, args.concurrency, args.repeat, args.condition_seconds)
    print(report(figures), flush=True)
    return figures


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
