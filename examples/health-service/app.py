"""A small service with the health endpoints that examples/health.yaml checks.

    python examples/health-service/app.py --port 8765

Serves on 127.0.0.1 with uvicorn (FastAPI and uvicorn come with assay's test extras):

* ``GET /health``: liveness, ``{"status": "ok"}``;
* ``GET /health/detailed``: version, uptime and the status of each component (database, jobs,
  cache);
* ``GET /health/database``: a database round trip in milliseconds and the migration revision;
* ``GET /health/jobs``: the background workers and when each last ran.

The figures are simulated (there is no real database), but shaped like a deployed service's.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI

VERSION = "2.7.1"
MIGRATION = "20240611_0042_add_audit_log"
WORKERS = {"email-sender": 30, "report-builder": 300, "cache-warmer": 60}  # name -> period (s)
STARTED = time.monotonic()


def _now() -> datetime:
    return datetime.now(UTC)


def _database() -> dict[str, Any]:
    began = time.perf_counter()
    sum(range(2_000))  # stands in for "SELECT 1"
    return {
        "status": "ok",
        "round_trip_ms": round((time.perf_counter() - began) * 1000, 3),
        "migration": {"revision": MIGRATION, "pending": 0},
    }


def _jobs() -> dict[str, Any]:
    now = _now()
    workers = [
        {
            "name": name,
            "status": "ok",
            "interval_seconds": period,
            "last_run": (now - timedelta(seconds=period // 2)).isoformat(timespec="seconds"),
        }
        for name, period in WORKERS.items()
    ]
    return {"status": "ok", "workers": workers}


def build_app() -> FastAPI:
    app = FastAPI(title="health-service", version=VERSION)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/health/detailed")
    def detailed() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": VERSION,
            "uptime_seconds": round(time.monotonic() - STARTED, 1),
            "components": {
                "database": {"status": _database()["status"]},
                "jobs": {"status": _jobs()["status"], "workers": len(WORKERS)},
                "cache": {"status": "ok", "hit_ratio": 0.94},
            },
        }

    @app.get("/health/database")
    def database() -> dict[str, Any]:
        return _database()

    @app.get("/health/jobs")
    def jobs() -> dict[str, Any]:
        return _jobs()

    return app


app = build_app()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The health-service example for assay.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on")
    args = parser.parse_args(argv)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
