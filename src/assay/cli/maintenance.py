"""``assay maintenance start | end | list``: silence monitors on a server for a while (a
deploy from CI), through ``/api/v1/maintenance``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from assay.cli.api_client import Server, list_output, remote_options
from assay.core.durations import format_duration, parse_duration
from assay.core.errors import UsageError

MAINTENANCE_HELP = """Maintenance windows on a server: monitors in one alert nobody.

\b
Runs inside a window are recorded but alert nobody and do not count against uptime. The
windows of the server's monitors file (nightly, weekly, ...) are listed too; these
commands start and end one-off windows through the API.

\b
Examples (a deploy from CI):
  export ASSAY_SERVER=http://assay.internal:8787 ASSAY_TOKEN=...   # a runner token
  ID=$(assay maintenance start --monitor api --monitor checkout --for 30m --reason deploy)
  ./deploy.sh
  assay maintenance end "$ID"
  assay maintenance list
"""


@click.group(help=MAINTENANCE_HELP)
def maintenance() -> None:
    pass


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    selector = {}
    for pair in values:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--selector expects KEY=VALUE, such as team=core, not '{pair}'")
        selector[key.strip()] = value.strip()
    return selector


@maintenance.command(short_help="Start a window now; prints its id.")
@click.option("--monitor", "names", multiple=True, metavar="NAME", help="A monitor (repeatable).")
@click.option(
    "--selector",
    "selectors",
    multiple=True,
    metavar="KEY=VALUE",
    help="Every monitor with this label (repeatable: all must match).",
)
@click.option("--for", "lasting", required=True, metavar="DURATION", help="30m, 2h, 1h30m ...")
@click.option("--reason", default="", help="Why, for whoever looks at the monitors.")
@click.option("--id", "window_id", metavar="ID", help="The window's id (default: the server's).")
@remote_options("runner")
def start(
    names: tuple[str, ...],
    selectors: tuple[str, ...],
    lasting: str,
    reason: str,
    window_id: str | None,
    server: str | None,
    token: str | None,
    token_file: Path | None,
) -> None:
    """Start a maintenance window now, for --for; print its id (stdout) and when it ends.

    \b
    Covers the --monitor names and every monitor whose labels match all --selector pairs.
    Give at least one of them.

    \b
    Examples:
      assay maintenance start --monitor api --for 30m --reason "deploy 1.4"
      assay maintenance start --selector team=core --for 2h --id db-upgrade
    """
    try:
        seconds = parse_duration(lasting)
    except ValueError as exc:
        raise UsageError(f"--for: {exc}") from None
    if seconds <= 0:
        raise UsageError("--for: give a duration longer than zero, such as 30m")
    if not names and not selectors:
        raise UsageError("say what the window covers: --monitor NAME or --selector KEY=VALUE")
    body: dict[str, Any] = {
        "monitors": list(names),
        "selector": _pairs(selectors),
        "for": lasting,
        "reason": reason,
    }
    if window_id:
        body["id"] = window_id
    with Server.connect(server, token, token_file, "assay maintenance start", "runner") as api:
        window = api.call("POST", "/maintenance", body)
    spec = window.get("spec") or {}
    click.echo(
        f"started maintenance window '{window['id']}' on {api.url} ({_covers(spec)}), "
        f"ending {_when(spec.get('end'))} (in {format_duration(seconds)}); end it early with "
        f"'assay maintenance end {window['id']}'",
        err=True,
    )
    click.echo(window["id"])


@maintenance.command(short_help="End a window started through the API.")
@click.argument("window_id", metavar="ID")
@remote_options("runner")
def end(window_id: str, server: str | None, token: str | None, token_file: Path | None) -> None:
    """End the maintenance window ID now (one started with 'assay maintenance start' or the
    API; the server's monitors file owns its own windows).

    \b
    Example:
      assay maintenance end api-3f2a1c9d0e
    """
    with Server.connect(server, token, token_file, "assay maintenance end", "runner") as api:
        api.call("DELETE", f"/maintenance/{window_id}")
    click.echo(f"ended maintenance window '{window_id}' on {api.url}")


@maintenance.command("list", short_help="The server's windows and whether each is on.")
@list_output("windows")
@remote_options("viewer")
def list_windows(
    output: str, server: str | None, token: str | None, token_file: Path | None
) -> None:
    """The server's maintenance windows (its file's and the API's) and whether each is on.

    \b
    Example:
      assay maintenance list --output json
    """
    with Server.connect(server, token, token_file, "assay maintenance list", "viewer") as api:
        windows = api.get("/maintenance")
    if output == "json":
        click.echo(json.dumps(windows, indent=2))
        return
    if not windows:
        click.echo("no maintenance windows")
        return
    rows = [("ID", "ON", "ORIGIN", "COVERS", "WHEN", "REASON")]
    for w in windows:
        spec = w.get("spec") or {}
        rows.append(
            (
                str(w["id"]),
                "yes" if w.get("active") else "no",
                str(w.get("origin", "")),
                _covers(spec),
                _schedule(spec),
                str(spec.get("reason", "")),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _covers(spec: dict[str, Any]) -> str:
    parts = []
    if spec.get("monitors"):
        parts.append("monitors " + ", ".join(spec["monitors"]))
    if spec.get("selector"):
        parts.append("labels " + ", ".join(f"{k}={v}" for k, v in spec["selector"].items()))
    return "; ".join(parts) or "-"


def _when(value: Any) -> str:
    if not value:
        return "?"
    try:
        moment = datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _schedule(spec: dict[str, Any]) -> str:
    if spec.get("end"):
        return f"{_when(spec.get('start'))} to {_when(spec['end'])}"
    every = spec.get("cron") or spec.get("weekly") or spec.get("monthly") or "?"
    lasting = format_duration(float(spec.get("duration") or 0))
    return f"{every} for {lasting} ({spec.get('timezone', 'UTC')})"
