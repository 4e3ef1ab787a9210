"""``assay serve``: the server under uvicorn, after migrating the database once."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from typing import Any

import click

from assay.cli.server_options import server_options, settings_from
from assay.core.errors import EXIT_RUNTIME, RuntimeFault

SERVE_HELP = """Run assay's server: sessions and results over HTTP (JSON API under /api/v1).

\b
It listens on 127.0.0.1:8787 and keeps its data in SQLite at
~/.local/share/assay/assay.db unless told otherwise; migrations are applied at start.
Every setting is a flag, an ASSAY_* environment variable or a key in a settings file
(--config), in that order of precedence. The database URL can also come from a file
named by ASSAY_DATABASE_URL_FILE (Docker/Kubernetes secrets).

\b
Examples:
  assay serve
  assay serve --host 0.0.0.0 --port 8080 --workers 4
  assay serve --database-url postgresql://assay@db.internal:5432/assay
  ASSAY_DATABASE_URL_FILE=/run/secrets/db assay serve --config /etc/assay/server.toml

\b
Then create a token (assay token create --name ci --role runner) and open /docs.
Health (no token): /health, /health/detailed, /health/database, /health/jobs.
Prometheus metrics: /metrics. Traces: OTEL_TRACES_EXPORTER=console|otlp (default none).

\b
Exit codes: 2 bad settings or database URL · 3 port in use, database unreachable
"""


def logging_config(fmt: str, level: str) -> dict[str, Any]:
    """One handler on stderr for assay's and uvicorn's loggers, secrets masked."""
    formatter: dict[str, Any] = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    if fmt == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    handler = {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "filters": {"redact": {"()": "assay.core.secrets.RedactingFilter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["redact"],
            }
        },
        "loggers": {
            "assay": handler,
            "uvicorn": handler,
            "uvicorn.error": handler,
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a clear ``RuntimeFault`` (port in use, bad address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        why = {
            errno.EADDRINUSE: "the port is in use by another program (choose --port)",
            errno.EADDRNOTAVAIL: "that address is not one of this machine's (check --host)",
            errno.EACCES: "permission denied (ports below 1024 need privileges)",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise RuntimeFault(f"cannot listen on {host}:{port}: {why}") from None
    except socket.gaierror as exc:
        sock.close()
        raise RuntimeFault(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


@click.command(help=SERVE_HELP)
@click.option("--host", help="Address to listen on (ASSAY_HOST; default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (ASSAY_PORT; default 8787).")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Worker processes (ASSAY_WORKERS; default 1)."
)
@server_options
@click.option(
    "--monitors-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML file of monitors, alert providers and maintenance windows (ASSAY_MONITORS_FILE; "
    "docs/monitors.md).",
)
@click.option("--log-format", type=click.Choice(["text", "json"]), help="Log lines (default text).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    database_url: str | None,
    data_dir: Path | None,
    config: Path | None,
    monitors_file: Path | None,
    log_format: str | None,
    log_level: str | None,
) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from assay.server.app import SETTINGS_ENV, create_app, settings_for_workers, tune_gc
    from assay.server.db import Database
    from assay.server.db.errors import cli_errors
    from assay.server.db.migrate import upgrade
    from assay.server.metrics import multiprocess_directory
    from assay.server.tracing import exporters_from_environment

    exporters_from_environment()  # a bad OTEL_TRACES_EXPORTER stops here (exit 2)
    settings = settings_from(
        config,
        database_url,
        data_dir,
        host=host,
        port=port,
        workers=workers,
        monitors_file=monitors_file,
        log_format=log_format,
        log_level=log_level,
    )
    db = Database(settings.effective_database_url)
    with cli_errors(db.display_url):
        revision = upgrade(db.engine)
    db.dispose()
    sock = bind(settings.host, settings.port)
    actual_port = sock.getsockname()[1]
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    click.echo(
        f"assay server on http://{shown}:{actual_port} · {settings.workers} worker(s) · "
        f"database {db.display_url} (migration {revision}) · API docs at /docs",
        err=True,
    )
    settings = settings.model_copy(update={"migrate_on_start": False, "port": actual_port})
    options: dict[str, Any] = {
        "log_config": logging_config(settings.log_format, settings.log_level),
        "access_log": False,  # assay logs each request itself, with request id and token id
        "lifespan": "on",
        "ws": "none",
        "server_header": False,
    }
    if settings.workers > 1:
        os.environ[SETTINGS_ENV] = settings_for_workers(settings)
        config_ = uvicorn.Config(
            "assay.server.app:create_app_from_environment",
            factory=True,
            workers=settings.workers,
            **options,
        )
        # each worker writes its metrics to files there; a scrape of any one adds them up
        with multiprocess_directory():
            Multiprocess(config_, sockets=[sock]).run()
        return
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **options))
    tune_gc()  # this process is the server's: start-up is done
    server.run(sockets=[sock])
    if not server.started:
        click.echo("error: the server did not start (see the log above)", err=True)
        sys.exit(EXIT_RUNTIME)
