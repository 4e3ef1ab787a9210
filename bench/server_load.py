"""assay's server under load: ``assay serve`` on loopback, hundreds of concurrent clients.

    python bench/server_load.py                  # SQLite and PostgreSQL, 500 clients, 30 s
    python bench/server_load.py --quick          # 50 clients, 6 s, SQLite
    python bench/server_load.py --database postgresql --workers 1 --clients 500 --duration 60

For each database (SQLite in a temp folder; PostgreSQL in a throw-away database on
127.0.0.1:5432, dropped afterwards) the benchmark migrates, creates one runner token per
client, seeds sessions with results, and starts ``assay serve --workers N`` (2 by default:
one per core of the 2-core machines this runs on) as a subprocess, so that the load
generator, this process, never holds the server's GIL. Then, each phase timed apart:

* mix: C clients (one connection each, asyncio + httpx) act like users: each does one request,
  thinks (uniform 0..2x ``--think`` s), and so on. Requests are health, session list, session
  detail, a results page, and uploads of ``--batch`` results to the client's own session.
  Reported per operation: count, errors, p50/p95/p99/max latency; and results ingested per
  second (the server's own ``assay_results_ingested_total`` as a cross-check).
* ingest: ``--uploaders`` clients upload ``--burst-batch`` results back to back: the most
  results per second the server stores.
* baselines, same run: the same C clients against a trivial FastAPI endpoint served by
  uvicorn with the same options and workers (reads' p95 as a ratio of it), and raw INSERTs of
  the same rows through SQLAlchemy (one thread, same batch size; ingest as a ratio of it).

Targets (issue 4): reads' p95 < 100 ms, > 2,000 results/s ingested, and the seeds' 500 users
answered in under 2 s (p99 of every request). The exit status is non-zero only when
something went wrong (a server that does not start, unexpected errors), never for a missed
target. bench/README.md has the last figures and where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from assay.server.db import Database
from assay.server.db.migrate import upgrade
from assay.server.db.tables import utcnow
from assay.server.sessions import results_store
from assay.server.sessions import store as sessions_store
from assay.server.sessions.schemas import ResultIn, SessionCreate
from assay.server.tokens import Role, create

ADMIN_URL = os.environ.get("ASSAY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
READS = ("health", "session list", "session detail", "results page")
MIX = {"health": 10, "session list": 25, "session detail": 25, "results page": 25, "upload": 15}
TARGET_READ_P95_MS = 100.0
TARGET_RESULTS_PER_S = 2000.0
SEED_LIMIT_S = 2.0
START_TIMEOUT = 60.0


class BenchError(Exception):
    """Something went wrong (not a missed target)."""


@dataclass
class Options:
    databases: list[str]
    clients: int
    duration: float
    think: float
    batch: int
    uploaders: int
    burst_batch: int
    burst_duration: float
    workers: int
    seed_sessions: int
    seed_results: int


@dataclass
class Samples:
    """Latencies (seconds) per operation, errors per operation, results accepted."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    lag: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def step(index: int, group: str) -> dict[str, Any]:
    """A result as ``StepResult.to_dict()`` gives it (with a client id)."""
    return {
        "id": f"{group}-{index}",
        "group": group,
        "phase": "test",
        "index": index,
        "name": f"put object {index}",
        "kind": "s3.PutObject",
        "status": "passed" if index % 10 else "failed",
        "duration": 0.0123,
        "attempts": 1,
        "message": "" if index % 10 else "expected 200, got 403 AccessDenied",
        "target": "store",
        "credential": "default",
        "error_code": None,
        "http_status": 200,
        "started_at": "2026-01-01T00:00:00+00:00",
        "suite": "suites/s3.yaml",
        "details": {"bucket": "bench", "key": f"objects/{index}", "size": 1024},
    }


# --- the database and the servers ---------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database URL of ``kind``; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'assay.db'}"
        return
    name = f"assay_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise BenchError(f"PostgreSQL is needed at {ADMIN_URL}: {exc}") from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str, opts: Options) -> tuple[list[str], list[str]]:
    """Migrate, create a runner token per client and seed sessions: (tokens, session ids)."""
    db = Database(url)
    try:
        upgrade(db.engine)
        tokens = [create(db, f"bench-{i}", Role.RUNNER)[1] for i in range(opts.clients)]
        seeded = []
        for s in range(opts.seed_sessions):
            with db.write() as session:
                row, _ = sessions_store.create(
                    session, SessionCreate(environment="bench", name=f"seed {s}"), "bench"
                )
                seeded.append(row.id)
                items = [ResultIn.model_validate(step(i, "seed")) for i in range(opts.seed_results)]
                results_store.ingest(session, row.id, items)
        return tokens, seeded
    finally:
        db.dispose()


class Process:
    """A server subprocess on a free loopback port, stopped with SIGTERM."""

    def __init__(self, argv: list[str], folder: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [*argv, "--port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise BenchError(f"{name} did not start:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def assay_serve(url: str, folder: Path, workers: int) -> Process:
    argv = [sys.executable, "-m", "assay", "serve", "--database-url", url]
    return Process([*argv, "--workers", str(workers)], folder, "assay-serve")


def trivial_serve(folder: Path, workers: int) -> Process:
    argv = [sys.executable, __file__, "--serve-trivial", "--workers", str(workers)]
    return Process(argv, folder, "trivial")


def serve_trivial(port: int, workers: int) -> None:
    """The baseline server: one trivial endpoint, uvicorn configured as ``assay serve``."""
    import uvicorn

    sys.path.insert(0, str(Path(__file__).parent))
    uvicorn.run(
        "server_load:trivial_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        access_log=False,
        lifespan="on",
        ws="none",
        server_header=False,
        log_level="warning",
    )


def trivial_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


# --- the load ---------------------------------------------------------------------------


async def _lag(samples: Samples, until: float) -> None:
    """How late this process's event loop wakes up (a busy generator would skew latencies)."""
    while (now := time.perf_counter()) < until:
        await asyncio.sleep(0.01)
        samples.lag.append(time.perf_counter() - now - 0.01)


# one TLS context for every client: httpx builds one per client otherwise (~60 ms of CPU
# each, which would stall the generator's event loop for seconds with 500 clients)
TLS = ssl.create_default_context()


def _client(url: str, token: str | None = None) -> httpx.AsyncClient:
    """One user's connection (keep-alive), as a browser tab or a CI runner has."""
    return httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"} if token else {},
        timeout=60,
        # idle connections are dropped well before uvicorn's 5 s keep-alive ends (a busy
        # generator can be late to send), or a request sent just as the server closes one
        # fails ("Server disconnected")
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=2.5),
        verify=TLS,
    )


class User:
    """One simulated user: its client, its own session, its random choices."""

    def __init__(self, url: str, token: str | None, opts: Options) -> None:
        self.http = _client(url, token)
        self.token = token
        self.opts = opts
        self.rng = random.Random()
        self.own = ""
        self.sent = 0

    async def open(self, samples: Samples) -> None:
        """Create the user's session (before the timed part)."""
        created = await self.http.post("/api/v1/sessions", json={"environment": "bench-load"})
        if created.status_code != 201:
            samples.problems.append(f"session create: {created.status_code} {created.text}")
        else:
            self.own = created.json()["id"]

    async def request(self, kind: str, seeded: list[str]) -> httpx.Response:
        target = self.rng.choice(seeded) if seeded else ""
        if kind in ("health", "trivial"):
            return await self.http.get("/health")
        if kind == "session list":
            return await self.http.get("/api/v1/sessions", params={"limit": 20})
        if kind == "session detail":
            return await self.http.get(f"/api/v1/sessions/{target}")
        if kind == "results page":
            return await self.http.get(f"/api/v1/sessions/{target}/results", params={"limit": 100})
        group = "burst" if kind == "upload burst" else "load"
        size = self.opts.burst_batch if kind == "upload burst" else self.opts.batch
        body = {"results": [step(self.sent + i, group) for i in range(size)]}
        self.sent += size
        return await self.http.post(f"/api/v1/sessions/{self.own}/results", json=body)

    async def run(
        self, kinds: dict[str, int], seeded: list[str], until: float, think: bool, s: Samples
    ) -> None:
        """Requests until ``until``: each kind drawn by weight, a think time after each."""
        names, weights = zip(*kinds.items(), strict=True)
        if think:  # users arrive over the first think time, not all at once
            await asyncio.sleep(self.rng.uniform(0, self.opts.think))
        while time.perf_counter() < until:
            kind = self.rng.choices(names, weights)[0]
            label = f"upload ({self.opts.batch})" if kind == "upload" else kind
            start = time.perf_counter()
            try:
                answer = await self.request(kind, seeded)
                ok = answer.status_code in (200, 201)
                if ok and kind.startswith("upload"):
                    s.accepted += answer.json()["accepted"]
                elif not ok:
                    s.problems.append(f"{kind}: {answer.status_code} {answer.text[:200]}")
            except httpx.HTTPError as exc:
                ok = False
                s.problems.append(f"{kind}: {type(exc).__name__}: {exc}")
            s.latencies.setdefault(label, []).append(time.perf_counter() - start)
            if not ok:
                s.errors[label] = s.errors.get(label, 0) + 1
            if think:
                await asyncio.sleep(self.rng.uniform(0, 2 * self.opts.think))


async def _load(
    users: list[User], kinds: dict[str, int], seeded: list[str], seconds: float, think: bool
) -> Samples:
    samples = Samples()
    try:
        await asyncio.gather(*(u.open(samples) for u in users if u.token))
        cpu, start = time.process_time(), time.perf_counter()
        until = start + seconds
        await asyncio.gather(
            *(u.run(kinds, seeded, until, think, samples) for u in users),
            _lag(samples, until),
        )
        samples.wall = time.perf_counter() - start
        samples.cpu = time.process_time() - cpu
    finally:
        await asyncio.gather(*(u.http.aclose() for u in users))
    return samples


def mix(url: str, tokens: list[str], seeded: list[str], opts: Options) -> Samples:
    users = [User(url, t, opts) for t in tokens]
    return asyncio.run(_load(users, MIX, seeded, opts.duration, think=True))


def trivial(url: str, opts: Options) -> Samples:
    users = [User(url, None, opts) for _ in range(opts.clients)]
    return asyncio.run(_load(users, {"trivial": 1}, [], opts.duration, think=True))


def burst(url: str, tokens: list[str], opts: Options) -> Samples:
    users = [User(url, t, opts) for t in tokens[: opts.uploaders]]
    return asyncio.run(_load(users, {"upload burst": 1}, [], opts.burst_duration, think=False))


def raw_inserts(url: str, rows: int, batch: int) -> float:
    """Rows per second through SQLAlchemy alone: the same result rows, one transaction per
    batch, one thread, as the server's write transactions are made (WAL, synchronous=FULL)."""
    db = Database(url)
    try:
        with db.write() as session:
            row, _ = sessions_store.create(session, SessionCreate(environment="raw"), "bench")
        items = [ResultIn.model_validate(step(i, "raw")) for i in range(rows)]
        start = time.perf_counter()
        for first in range(0, rows, batch):
            values = [results_store._row(row.id, r, utcnow()) for r in items[first : first + batch]]
            with db.write() as session:
                session.execute(results_store._INSERT, values)  # the same executemany
        return rows / (time.perf_counter() - start)
    finally:
        db.dispose()


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = entry.read_text().rsplit(")", 1)[1].split()
            stats[int(entry.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])))
    family, total = {pid}, 0.0
    for child, (parent, _) in sorted(stats.items()):  # children have higher pids, mostly
        if parent in family:
            family.add(child)
    for member in family:
        total += stats.get(member, (0, 0.0))[1]
    return total / ticks


def server_counter(url: str, name: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    found = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


# --- figures ----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (a value that was measured, never an interpolation)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered), max(1, math.ceil(q / 100 * len(ordered)))) - 1]


def stats(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "count": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms, default=0.0),
    }


def run_database(kind: str, opts: Options) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        folder = Path(tmp)
        with database(kind, folder) as url:
            tokens, seeded = prepare(url, opts)
            server = assay_serve(url, folder, opts.workers)
            try:
                before = server_counter(server.url, "assay_results_ingested_total")
                cpu = tree_cpu(server.proc.pid)
                load = mix(server.url, tokens, seeded, opts)
                server_cpu = tree_cpu(server.proc.pid) - cpu
                counted = server_counter(server.url, "assay_results_ingested_total") - before
                ingest = burst(server.url, tokens, opts)
            finally:
                server.stop()
            raw = raw_inserts(url, max(opts.burst_batch * 4, 2000), opts.burst_batch)
        baseline = trivial_serve(folder, opts.workers)
        try:
            base = trivial(baseline.url, opts)
        finally:
            baseline.stop()
    problems = load.problems + ingest.problems + base.problems
    operations = {
        k: stats(v) | {"errors": load.errors.get(k, 0)} for k, v in load.latencies.items()
    }
    reads = [v for k, vs in load.latencies.items() if k in READS for v in vs]
    every = [v for vs in load.latencies.values() for v in vs]
    read_errors = sum(n for k, n in load.errors.items() if k in READS)
    return {
        "database": kind,
        "offered_per_s": opts.clients / opts.think,
        "operations": operations,
        "reads": stats(reads) | {"errors": read_errors},
        "all": stats(every) | {"errors": sum(load.errors.values())},
        "requests_per_s": len(every) / load.wall,
        "mix_results_per_s": load.accepted / load.wall,
        "server_counted_per_s": counted / load.wall,
        "burst_results_per_s": ingest.accepted / ingest.wall,
        "burst": stats(ingest.latencies.get("upload burst", [])),
        "trivial": stats(base.latencies.get("trivial", [])),
        "raw_rows_per_s": raw,
        "client_cpu": load.cpu / load.wall,
        "server_cpu": server_cpu / load.wall,
        "server_cpu_ms_per_request": server_cpu * 1000 / max(1, len(every)),
        "client_lag_p99_ms": percentile(load.lag, 99) * 1000,
        "problems": problems,
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(opts: Options, figures: dict[str, Any]) -> str:
    load = figures["load"]
    lines = [
        f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} before and "
        f"{load[1]:.1f} after (other work on the machine slows both sides)"
    ]
    for f in figures["databases"]:
        lines.append(
            f"assay server under load: {f['database']}, {opts.workers} worker(s), "
            f"{opts.clients} clients (think {opts.think:g} s mean), {opts.duration:g} s"
        )
        lines.append(
            f"  {'operation':<18}{'count':>7}{'errors':>7}"
            + "".join(f"{h:>10}" for h in ("p50 ms", "p95 ms", "p99 ms", "max ms"))
        )
        rows = [*f["operations"].items(), ("all reads", f["reads"]), ("everything", f["all"])]
        for name, s in rows:
            lines.append(
                f"  {name:<18}{s['count']:>7}{s.get('errors', 0):>7}"
                + "".join(f"{s[k]:>10.1f}" for k in ("p50", "p95", "p99", "max"))
            )
        t, reads = f["trivial"], f["reads"]
        ratio = reads["p95"] / t["p95"] if t["p95"] else 0.0
        lines += [
            f"  requests: {f['requests_per_s']:,.0f}/s (offered ~{f['offered_per_s']:,.0f}/s); "
            "ingested during the mix: "
            f"{f['mix_results_per_s']:,.0f} results/s (server's counter: "
            f"{f['server_counted_per_s']:,.0f}/s)",
            f"  ingest burst: {opts.uploaders} uploaders x {opts.burst_batch} results: "
            f"{f['burst_results_per_s']:,.0f} results/s (upload p95 {f['burst']['p95']:.0f} ms)",
            f"  baseline trivial endpoint (same clients, same uvicorn): p50 {t['p50']:.1f} ms, "
            f"p95 {t['p95']:.1f} ms, p99 {t['p99']:.1f} ms; reads p95 / trivial p95 = "
            f"{ratio:.2f}",
            f"  baseline raw INSERT through SQLAlchemy: {f['raw_rows_per_s']:,.0f} rows/s; "
            f"burst / raw = {f['burst_results_per_s'] / f['raw_rows_per_s']:.2f}",
            f"  server: {f['server_cpu']:.0%} of a core during the mix, "
            f"{f['server_cpu_ms_per_request']:.1f} ms of CPU per request",
            f"  load generator: {f['client_cpu']:.0%} of a core, event-loop lag p99 "
            f"{f['client_lag_p99_ms']:.1f} ms",
            f"  target: reads p95 < {TARGET_READ_P95_MS:g} ms ........ "
            f"{verdict(reads['p95'] < TARGET_READ_P95_MS)} ({reads['p95']:.1f} ms)",
            f"  target: > {TARGET_RESULTS_PER_S:,.0f} results/s ingested .. "
            f"{verdict(f['burst_results_per_s'] > TARGET_RESULTS_PER_S)} "
            f"({f['burst_results_per_s']:,.0f}/s burst, "
            f"{f['mix_results_per_s']:,.0f}/s in the mix)",
            f"  seeds: {opts.clients} users answered < {SEED_LIMIT_S:g} s .... "
            f"{verdict(f['all']['p99'] < SEED_LIMIT_S * 1000)} (p99 {f['all']['p99']:.0f} ms, "
            f"max {f['all']['max']:.0f} ms)",
        ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 clients, 6 s, SQLite")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default=None)
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None, help="seconds of the mix")
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean pause between a user's requests (s)"
    )
    parser.add_argument("--batch", type=int, default=50, help="results per upload in the mix")
    parser.add_argument("--uploaders", type=int, default=8)
    parser.add_argument("--burst-batch", type=int, default=500)
    parser.add_argument("--burst-duration", type=float, default=None)
    parser.add_argument(
        "--workers", type=int, default=2, help="assay serve --workers (2: one per core here)"
    )
    parser.add_argument("--serve-trivial", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def options(args: argparse.Namespace) -> Options:
    quick = args.quick
    database = args.database or ("sqlite" if quick else "both")
    return Options(
        databases=["sqlite", "postgresql"] if database == "both" else [database],
        clients=args.clients or (50 if quick else 500),
        duration=args.duration or (6.0 if quick else 30.0),
        think=args.think,
        batch=args.batch,
        uploaders=args.uploaders,
        burst_batch=args.burst_batch,
        burst_duration=args.burst_duration or (2.0 if quick else 10.0),
        workers=args.workers,
        seed_sessions=10 if quick else 50,
        seed_results=200 if quick else 500,
    )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its report, and return the figures."""
    args = parse_args(argv)
    if args.serve_trivial:
        serve_trivial(args.port, args.workers)
        return {}
    opts = options(args)
    before = os.getloadavg()[0]
    figures: dict[str, Any] = {"databases": [run_database(kind, opts) for kind in opts.databases]}
    figures["load"] = (before, os.getloadavg()[0])
    print(report(opts, figures), flush=True)
    problems = [p for f in figures["databases"] for p in f["problems"]]
    if problems:  # figures are printed first: they say how the server behaved under it
        raise BenchError(f"{len(problems)} requests failed; the first: {problems[0]}")
    return figures


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
