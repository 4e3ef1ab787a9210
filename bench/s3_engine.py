"""Throughput of assay's engine against plain boto3, on one embedded moto server.

    python bench/s3_engine.py [--ops N] [--concurrency C] [--repeat R] [--size BYTES]

Both sides do the same work on the same server: N objects, each put, read back (body read
fully) and deleted, so 3 * N operations, spread over C lanes. A lane handles its own keys in
order: all its PutObject calls, then all its GetObject calls, then all its DeleteObject calls.

* boto3: C threads (``concurrent.futures``) share one client (``max_pool_connections >= C``, one
  attempt per call, checksums only when required, as assay configures its own clients). The
  timed part creates the client and runs the lanes, as assay's run opens its target.
* assay: a native suite written to a temp file, one group per lane (the steps in ``test``),
  loaded with ``load_suite`` (timed apart) and run with ``run_suites(RunOptions(parallel=C))``;
  only the run is timed and every result must be PASSED.

The two alternate R times, swapping who goes first. Reported: each side's median throughput, the
ratio assay/boto3 as the median of the paired runs (target >= 0.9), the loader's time, and the
original s3tester's promises (> 10 ops/s; 50 operations in < 10 s). The exit status is non-zero
only when something went wrong, never for a missed target. bench/README.md has the last figures
and where assay's time goes.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config

import assay.checks  # noqa: F401  (registers the s3 target type and check kinds)
from assay.checks.aws.embedded import EmbeddedMoto
from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.results import RunResult, Status
from assay.engine import RunOptions, run_suites

ACCESS_KEY = "bench"
SECRET_KEY = "bench-secret"
REGION = "us-east-1"
TARGET_RATIO = 0.9
PROMISE_OPS_PER_S = 10.0
PROMISE_OPS, PROMISE_SECONDS = 50, 10.0

Op = tuple[str, str]  # (operation, key)
Plan = list[list[Op]]  # one list of operations per lane


class BenchError(Exception):
    """The benchmark could not measure what it should (a failed call, a non-PASSED step)."""


def make_plan(total_ops: int, lanes: int, prefix: str) -> Plan:
    """``total_ops`` operations over ``ceil(total_ops / 3)`` keys, dealt round-robin to lanes.

    Each lane puts its keys, gets them, then deletes them; when ``total_ops`` is not a multiple
    of three the last deletes are left out (the bucket is emptied at the end anyway).
    """
    n_keys = -(-total_ops // 3)
    keys = [f"{prefix}/k{i:05d}" for i in range(n_keys)]
    per_lane = [keys[i::lanes] for i in range(lanes)]
    plan: Plan = [
        [("PutObject", k) for k in ks]
        + [("GetObject", k) for k in ks]
        + [("DeleteObject", k) for k in ks]
        for ks in per_lane
    ]
    for _ in range(3 * n_keys - total_ops):  # 0, 1 or 2 deletes too many
        max(plan, key=len).pop()
    return [lane for lane in plan if lane]


def plan_size(plan: Plan) -> int:
    return sum(len(lane) for lane in plan)


def client_config(concurrency: int) -> Config:
    return Config(
        region_name=REGION,
        s3={"addressing_style": "path"},
        retries={"total_max_attempts": 1, "mode": "standard"},
        max_pool_connections=max(10, concurrency * 2),
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def new_client(url: str, concurrency: int) -> Any:
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    return session.client("s3", endpoint_url=url, config=client_config(concurrency))


# --- boto3 baseline -------------------------------------------------------------------------


def run_boto3(url: str, bucket: str, plan: Plan, body: bytes) -> dict[str, float]:
    """Time a fresh client plus the plan's lanes on C threads; returns seconds."""
    gc.collect()
    cpu0, t0 = time.process_time(), time.perf_counter()
    client = new_client(url, len(plan))
    t_client = time.perf_counter()

    def lane(ops: list[Op]) -> None:
        for op, key in ops:
            if op == "PutObject":
                client.put_object(Bucket=bucket, Key=key, Body=body)
            elif op == "GetObject":
                data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
                if len(data) != len(body):
                    raise BenchError(f"boto3: {key} came back with {len(data)} bytes")
            else:
                client.delete_object(Bucket=bucket, Key=key)

    with cf.ThreadPoolExecutor(len(plan), thread_name_prefix="bench-boto3") as pool:
        for future in [pool.submit(lane, ops) for ops in plan]:
            future.result()
    t_ops = time.perf_counter()
    client.close()
    t_end, cpu = time.perf_counter(), time.process_time() - cpu0
    return {"total": t_end - t0, "setup": t_client - t0, "ops": t_ops - t_client, "cpu": cpu}


# --- assay ------------------------------------------------------------------------------------


def suite_document(url: str, bucket: str, plan: Plan, body: str) -> dict[str, Any]:
    """A native suite doing ``plan``: one group per lane, bodies through one variable."""
    step_for = {
        "PutObject": lambda k: {"s3.PutObject": {"Bucket": bucket, "Key": k, "Body": "${BODY}"}},
        "GetObject": lambda k: {
            "s3.GetObject": {"Bucket": bucket, "Key": k},
            "expect": {"body": {"size": len(body.encode())}},
        },
        "DeleteObject": lambda k: {"s3.DeleteObject": {"Bucket": bucket, "Key": k}},
    }
    return {
        "variables": {"BODY": body},
        "targets": {
            "store": {
                "type": "s3",
                "endpoint": url,
                "path_style": True,
                "region": REGION,
                "retries": {"max_attempts": 1},
                "credentials": {"bench": {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}},
            }
        },
        "groups": [
            {"name": f"lane-{i}", "test": [step_for[op](key) for op, key in ops]}
            for i, ops in enumerate(plan)
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


# --- the benchmark ----------------------------------------------------------------------------


def measure(ops: int, concurrency: int, repeat: int, size: int) -> dict[str, Any]:
    """Run everything on one embedded server and return the figures (no printing)."""
    if ops < 1 or concurrency < 1 or repeat < 1 or size < 0:
        raise BenchError("--ops, --concurrency and --repeat must be >= 1, --size >= 0")
    body_text = "x" * size
    body = body_text.encode()
    total = 3 * ops
    server = EmbeddedMoto()
    admin = new_client(server.url, 1)
    bucket = "assay-bench"
    runs: list[dict[str, Any]] = []
    try:
        admin.create_bucket(Bucket=bucket)
        with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
            directory = Path(tmp)

            def one_assay(tag: str, n_ops: int, lanes: int) -> dict[str, float]:
                plan = make_plan(n_ops, lanes, tag)
                doc = suite_document(server.url, bucket, plan, body_text)
                return run_assay(write_suite(directory, f"{tag}.yaml", doc), lanes, n_ops)

            # warm-up: moto's backends, botocore's models, assay's imports and caches
            run_boto3(server.url, bucket, make_plan(3 * concurrency, concurrency, "warm-b"), body)
            one_assay("warm-a", 3 * concurrency, concurrency)

            for r in range(repeat):  # alternate, and swap who goes first every other time
                run: dict[str, Any] = {}
                for side in ("boto3", "assay") if r % 2 == 0 else ("assay", "boto3"):
                    if side == "boto3":
                        plan = make_plan(total, concurrency, f"b{r}")
                        run[side] = run_boto3(server.url, bucket, plan, body)
                    else:
                        run[side] = one_assay(f"a{r}", total, concurrency)
                run["ratio"] = run["boto3"]["total"] / run["assay"]["total"]
                runs.append(run)

            # s3tester's promise: 50 operations in < 10 s, loading included, one lane
            promise = one_assay("promise", PROMISE_OPS, 1)
        for item in admin.list_objects_v2(Bucket=bucket).get("Contents", []):  # the promise's
            admin.delete_object(Bucket=bucket, Key=item["Key"])
        admin.delete_bucket(Bucket=bucket)
    finally:
        admin.close()
        server.stop()

    def med(side: str, part: str) -> float:
        return float(statistics.median(run[side][part] for run in runs))

    def ratio(part: str) -> float:
        pairs = [r["boto3"][part] / r["assay"][part] for r in runs if r["assay"][part] > 0]
        return statistics.median(pairs) if pairs else 0.0

    boto3_s, assay_s = med("boto3", "total"), med("assay", "total")
    promise_s = promise["load"] + promise["total"]
    return {
        "ops": total,
        "objects": ops,
        "concurrency": concurrency,
        "repeat": repeat,
        "size": size,
        "runs": runs,
        "boto3": {
            "seconds": boto3_s,
            "ops_per_s": total / boto3_s,
            "setup": med("boto3", "setup"),
            "cpu": med("boto3", "cpu"),
        },
        "assay": {
            "seconds": assay_s,
            "ops_per_s": total / assay_s,
            "load": med("assay", "load"),
            "cpu": med("assay", "cpu"),
        },
        "ratio": ratio("total"),
        "ratio_of_medians": boto3_s / assay_s,
        "ratio_ops_only": ratio("ops"),
        "promises": {
            "ops_per_s": {"limit": PROMISE_OPS_PER_S, "value": total / assay_s},
            "fifty_ops": {"ops": PROMISE_OPS, "limit": PROMISE_SECONDS, "seconds": promise_s},
        },
    }


def report(f: dict[str, Any]) -> str:
    b, a, p = f["boto3"], f["assay"], f["promises"]
    ok = {True: "kept", False: "BROKEN"}
    per_op = {side: 1000 * f[side]["cpu"] / f["ops"] for side in ("boto3", "assay")}
    rate, fifty = p["ops_per_s"], p["fifty_ops"]
    lines = [
        "assay S3 engine benchmark (embedded moto server in this process)",
        f"  workload          {f['objects']} objects x (PutObject, GetObject, DeleteObject) = "
        f"{f['ops']} ops, {f['size']}-byte bodies, concurrency {f['concurrency']}",
    ]
    for i, run in enumerate(f["runs"], 1):
        rb, ra = run["boto3"], run["assay"]
        first = "boto3" if i % 2 else "assay"
        lines.append(
            f"  run {i}/{f['repeat']} ({first} first)  boto3 {rb['total']:6.3f} s   "
            f"assay {ra['total']:6.3f} s   ratio {run['ratio']:.2f}"
        )
    lines += [
        f"boto3 baseline:     {b['ops_per_s']:8.1f} ops/s   median {b['seconds']:.3f} s "
        f"(client creation {1000 * b['setup']:.0f} ms of it)",
        f"assay run:          {a['ops_per_s']:8.1f} ops/s   median {a['seconds']:.3f} s "
        f"(run_suites only, loading apart)",
        f"assay loader:       {a['load']:8.3f} s       load_suite of the {f['ops']}-step suite "
        f"(median)",
        f"process CPU per op: boto3 {per_op['boto3']:.2f} ms, assay {per_op['assay']:.2f} ms "
        f"(server included; assay {1000 * (per_op['assay'] - per_op['boto3']):+.0f} us/op)",
        f"ratio of medians:   {f['ratio_of_medians']:.2f}; steps only (first request to last "
        f"response): {f['ratio_ops_only']:.2f}",
        f"s3tester promise:   > {rate['limit']:g} ops/s ............. "
        f"{ok[rate['value'] > rate['limit']]} ({rate['value']:.1f} ops/s)",
        f"s3tester promise:   {fifty['ops']} operations in < {fifty['limit']:g} s .. "
        f"{ok[fifty['seconds'] < fifty['limit']]} ({fifty['seconds']:.3f} s, load + run, "
        f"one lane)",
        f"target:             assay/boto3 >= {TARGET_RATIO} ....... "
        f"{'met' if f['ratio'] >= TARGET_RATIO else 'MISSED'} ({f['ratio']:.3f}, median of the "
        f"paired runs)",
        f"ratio: {f['ratio']:.2f}",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=200, help="objects (3 operations each)")
    parser.add_argument("--concurrency", type=int, default=8, help="lanes / worker threads")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of each side")
    parser.add_argument("--size", type=int, default=1024, help="object size in bytes")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its report, and return the figures."""
    args = parse_args(argv)
    figures = measure(args.ops, args.concurrency, args.repeat, args.size)
    print(report(figures), flush=True)
    return figures


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
