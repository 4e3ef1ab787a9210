"""Monitors at scale: N HTTP monitors in one ``assay serve``, against Prometheus'
blackbox_exporter probing the same endpoint at the same rate.

    python bench/monitor_scale.py                          # 1,000 / 5,000 / 10,000, 30 s
    python bench/monitor_scale.py --sizes 1000 --intervals 2
    python bench/monitor_scale.py --quick                  # 50 monitors, 2 s, no exporter

For each size N: a local health service runs in another process (uvicorn, one trivial
endpoint); ``assay serve`` (one process, SQLite in a temp folder) starts with a monitors
file of N monitors (``http.request`` on ``/health``, ``[STATUS] == 200``) at ``--interval``.
After one interval of warm-up (first runs are spread over it), ``--intervals`` intervals are
measured:

* checks/s: runs recorded in the window (the server's own ``monitor_runs``) per second,
  against the N / interval that are due;
* scheduling lag: for consecutive runs of a monitor, the gap between their starts minus the
  interval (p50, p99; target < 1 s);
* CPU ms per check: the server process's user + system CPU time over the window divided by
  its checks; peak RSS (``VmHWM``; target < 300 MB at 5,000);
* ``GET /api/v1/monitors`` with 500 per page (target p95 < 100 ms at 1,000 monitors).

Then blackbox_exporter (Debian's ``prometheus-blackbox-exporter``, installed with apt-get
when missing, run as a plain process with its own config) gets the same probes at the same
rate from this process, as Prometheus would send them: its CPU ms per probe, and the ratio
assay / exporter. The exit status is non-zero only when something went wrong, never for a
missed target. bench/README.md has the last figures.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

EXPORTER = "prometheus-blackbox-exporter"
START_TIMEOUT = 120.0
TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Process:
    """A subprocess on a free loopback port that answers ``ready`` with 200."""

    def __init__(self, argv: list[str], log: Path, ready: str, env: dict[str, str]) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(ready, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"{argv[0]} did not start:\n{log.read_text(errors='replace')[-3000:]}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


SERVICE = textwrap.dedent(
    """
    import sys, uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def health(request):
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/health", health)])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                access_log=False)
    """
)


def monitors_file(path: Path, n: int, service: str, interval: float) -> None:
    lines = ["monitors:"]
    for i in range(n):
        lines += [
            f"  - name: m{i:05d}",
            f"    interval: {interval}",
            "    timeout: 10",
            f'    target: {{type: http, base_url: "{service}", retries: {{max_attempts: 1}}}}',
            '    check: {http.request: {path: /health}, expect: {conditions: ["[STATUS] == 200"]}}',
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def runs_between(db: Path, start: float, end: float) -> list[tuple[str, float]]:
    """(monitor, started_at epoch) of the runs recorded in ``[start, end)``."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        rows = conn.execute("SELECT monitor, started_at FROM monitor_runs").fetchall()
    out = []
    for monitor, at in rows:
        epoch = _epoch(at)
        if start <= epoch < end:
            out.append((monitor, epoch))
    return out


def _epoch(text: str) -> float:
    from datetime import UTC, datetime

    value = datetime.fromisoformat(text)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def lags(runs: list[tuple[str, float]], interval: float) -> list[float]:
    by_monitor: dict[str, list[float]] = {}
    for monitor, at in runs:
        by_monitor.setdefault(monitor, []).append(at)
    out = []
    for times in by_monitor.values():
        times.sort()
        out += [b - a - interval for a, b in itertools.pairwise(times)]
    return out


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def measure_assay(n: int, opts: argparse.Namespace, folder: Path, service: str) -> dict[str, Any]:
    path = folder / f"monitors-{n}.yaml"
    monitors_file(path, n, service, opts.interval)
    data = folder / f"data-{n}"
    port = free_port()
    env = os.environ | {
        "ASSAY_DATA_DIR": str(data),
        "ASSAY_MONITOR_CONCURRENCY": str(opts.concurrency),
        "ASSAY_LOG_LEVEL": "warning",
    }
    token = subprocess.run(
        [sys.executable, "-m", "assay", "token", "create", "--name", "bench", "--role", "viewer"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    argv = [
        sys.executable,
        "-m",
        "assay",
        "serve",
        "--port",
        str(port),
        "--monitors-file",
        str(path),
    ]
    started = time.monotonic()
    server = Process(argv, folder / f"assay-{n}.log", f"http://127.0.0.1:{port}/health", env)
    try:
        boot = time.monotonic() - started
        time.sleep(opts.interval)  # warm-up: first runs are spread over one interval
        window = opts.interval * opts.intervals
        cpu0, t0 = cpu_seconds(server.pid), time.time()
        time.sleep(window)
        cpu1, t1 = cpu_seconds(server.pid), time.time()
        rss = peak_rss_mb(server.pid)
        listing = list_latencies(f"http://127.0.0.1:{port}", token, opts.list_repeat)
    finally:
        server.stop()
    runs = runs_between(data / "assay.db", t0, t1)
    gaps = lags(runs_between(data / "assay.db", t0 - opts.interval * 2, t1), opts.interval)
    checks = len(runs)
    return {
        "monitors": n,
        "boot_s": boot,
        "due_per_s": n / opts.interval,
        "checks_per_s": checks / (t1 - t0),
        "checks": checks,
        "lag_p50_s": pct(gaps, 0.5),
        "lag_p99_s": pct(gaps, 0.99),
        "cpu_ms_per_check": (cpu1 - cpu0) * 1000 / checks if checks else float("nan"),
        "peak_rss_mb": rss,
        "list_p50_ms": pct(listing, 0.5),
        "list_p95_ms": pct(listing, 0.95),
        "window_s": t1 - t0,
    }


def list_latencies(url: str, token: str, repeat: int) -> list[float]:
    out = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for _ in range(repeat):
            start = time.perf_counter()
            answer = http.get("/api/v1/monitors", params={"limit": 500})
            out.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200:
                raise BenchError(f"GET /api/v1/monitors: HTTP {answer.status_code} {answer.text}")
    return out


def exporter_binary() -> str | None:
    found = shutil.which(EXPORTER) or shutil.which("blackbox_exporter")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        print(f"installing {EXPORTER} (apt-get) ...", file=sys.stderr)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", EXPORTER],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        found = shutil.which(EXPORTER)
    return found


def measure_exporter(
    binary: str, rate: float, seconds: float, folder: Path, service: str, threads: int
) -> dict[str, Any]:
    config = folder / "blackbox.yml"
    config.write_text(
        "modules:\n  http_2xx:\n    prober: http\n    timeout: 10s\n"
        "    http: {preferred_ip_protocol: ip4}\n",
        encoding="utf-8",
    )
    port = free_port()
    argv = [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"]
    exporter = Process(
        argv, folder / "blackbox.log", f"http://127.0.0.1:{port}/-/healthy", dict(os.environ)
    )
    probe = f"http://127.0.0.1:{port}/probe"
    params = {"module": "http_2xx", "target": f"{service}/health"}
    ok = failed = 0
    try:
        with (
            httpx.Client(limits=httpx.Limits(max_connections=threads)) as http,
            cf.ThreadPoolExecutor(threads) as pool,
        ):
            cpu0, start = cpu_seconds(exporter.pid), time.monotonic()
            futures = []
            sent = 0
            while (now := time.monotonic() - start) < seconds:
                due = int(now * rate)
                for _ in range(due - sent):
                    futures.append(pool.submit(http.get, probe, params=params, timeout=15))
                sent = max(sent, due)
                time.sleep(0.005)
            for future in futures:
                body = future.result().text
                ok += "probe_success 1" in body
                failed += "probe_success 1" not in body
            cpu1, elapsed = cpu_seconds(exporter.pid), time.monotonic() - start
    finally:
        exporter.stop()
    probes = ok + failed
    return {
        "probes": probes,
        "failed": failed,
        "probes_per_s": probes / elapsed,
        "cpu_ms_per_probe": (cpu1 - cpu0) * 1000 / probes if probes else float("nan"),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,5000,10000", help="monitor counts, comma-separated"
    )
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between runs")
    parser.add_argument("--intervals", type=int, default=3, help="intervals measured per size")
    parser.add_argument("--concurrency", type=int, default=32, help="monitor_concurrency")
    parser.add_argument("--list-repeat", type=int, default=30, help="GET /api/v1/monitors calls")
    parser.add_argument("--no-exporter", action="store_true", help="skip blackbox_exporter")
    parser.add_argument("--quick", action="store_true", help="50 monitors, 2 s, no exporter")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.sizes, opts.interval, opts.intervals, opts.no_exporter = "50", 2.0, 2, True
        opts.list_repeat = 5
    return opts


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'monitors':>8} {'due/s':>7} {'checks/s':>8} {'lag p50':>8} {'lag p99':>8} "
        f"{'CPU/check':>10} {'RSS MB':>7} {'list p95':>9} {'exporter CPU/probe':>18} {'ratio':>6}"
    ]
    for r in rows:
        exporter = r.get("exporter")
        e_cpu = f"{exporter['cpu_ms_per_probe']:.3f} ms" if exporter else "-"
        ratio = f"{r['cpu_ms_per_check'] / exporter['cpu_ms_per_probe']:.1f}" if exporter else "-"
        lines.append(
            f"{r['monitors']:>8} {r['due_per_s']:>7.1f} {r['checks_per_s']:>8.1f} "
            f"{r['lag_p50_s']:>7.3f}s {r['lag_p99_s']:>7.3f}s {r['cpu_ms_per_check']:>7.2f} ms "
            f"{r['peak_rss_mb']:>7.0f} {r['list_p95_ms']:>6.1f} ms {e_cpu:>18} {ratio:>6}"
        )
    lines.append("ratio: assay's CPU per check / blackbox_exporter's CPU per probe (same rate)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    opts = parse_args(argv)
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    binary = None if opts.no_exporter else exporter_binary()
    if binary is None and not opts.no_exporter:
        print(f"{EXPORTER} is not available: no exporter figures", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="assay-monitor-bench-") as tmp:
        folder = Path(tmp)
        port = free_port()
        script = folder / "service.py"
        script.write_text(SERVICE, encoding="utf-8")
        service = f"http://127.0.0.1:{port}"
        health = Process(
            [sys.executable, str(script), str(port)],
            folder / "service.log",
            f"{service}/health",
            dict(os.environ),
        )
        try:
            for n in sizes:
                row = measure_assay(n, opts, folder, service)
                if binary is not None:
                    rate = row["checks_per_s"]
                    row["exporter"] = measure_exporter(
                        binary, rate, row["window_s"], folder, service, opts.concurrency
                    )
                rows.append(row)
                print(report(rows[-1:]).splitlines()[1], file=sys.stderr)
        finally:
            health.stop()
    print(report(rows))
    return rows


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        print(f"monitor_scale: {exc}", file=sys.stderr)
        sys.exit(1)
