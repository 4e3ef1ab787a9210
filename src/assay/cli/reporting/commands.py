"""``assay report status`` and ``assay report flush``: the spool of results not yet sent."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from assay.cli.reporting.client import ApiClient, ReportError, server_base_url
from assay.cli.reporting.delivery import send_spool
from assay.cli.reporting.options import resolve_token, token_options
from assay.cli.reporting.spool import (
    Spool,
    SpoolState,
    default_spool_dir,
    is_locked,
    list_spools,
    read_spool,
)
from assay.core.errors import EXIT_OK, EXIT_RUNTIME

REPORT_HELP = """Results waiting in the local spool to be sent to an assay server.

\b
'assay run --report-to URL' writes every result to a spool file (fsync'd) before sending
it, and deletes the file once the server has stored everything. What a server outage, a
slow server or a refused token left behind is sent by the next 'assay run --report-to' to
the same server (in the background) or by 'assay report flush'. Retries never duplicate:
each result carries a stable id the server stores once.

\b
The spool is ASSAY_SPOOL_DIR, else $XDG_DATA_HOME/assay/spool
(~/.local/share/assay/spool). Spool files hold results, never tokens.

\b
Examples:
  assay report status
  ASSAY_TOKEN=... assay report flush
  assay report flush --to http://assay.internal:8787 --token-file /run/secrets/assay
"""


def spool_dir_option(func: Any) -> Any:
    return click.option(
        "--spool-dir",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="ASSAY_SPOOL_DIR",
        help="The spool directory (env ASSAY_SPOOL_DIR; default ~/.local/share/assay/spool).",
    )(func)


@click.group(help=REPORT_HELP)
def report() -> None:
    pass


def _describe(path: Path, state: SpoolState) -> dict[str, Any]:
    locked = is_locked(path)
    if locked:
        state_text = "sending: an assay process has it open"
    elif not state.valid:
        state_text = "unreadable: not a spool this assay understands"
    elif state.finish is None:
        state_text = "waiting; its run was stopped before it ended (sent as interrupted)"
    else:
        state_text = "waiting"
    return {
        "session": state.session_id,
        "server": state.url,
        "run_id": state.header.get("run_id"),
        "suites": state.session.get("suites", []),
        "started_at": state.session.get("started_at"),
        "results": len(state.results),
        "pending": len(state.pending()),
        "rejected": len(state.rejected),
        "session_created": state.created,
        "final_status": (state.finish or {}).get("status"),
        "state": state_text,
        "last_error": state.last_error,
        "file": str(path),
    }


@report.command(short_help="Show what is waiting to be sent.")
@spool_dir_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
def status(spool_dir: Path | None, as_json: bool) -> None:
    """Show what is waiting to be sent: per spooled run, its session, server and counts."""
    directory = spool_dir or default_spool_dir()
    rows = []
    for path in list_spools(directory):
        try:
            rows.append(_describe(path, read_spool(path)))
        except OSError:
            continue  # delivered and removed meanwhile
    if as_json:
        click.echo(json.dumps({"spool_dir": str(directory), "spools": rows}, indent=2))
        return
    if not rows:
        click.echo(f"nothing to send: the spool {directory} is empty")
        return
    pending = sum(r["pending"] for r in rows)
    click.echo(f"{len(rows)} spooled run(s), {pending} result(s) to send, in {directory}")
    for r in rows:
        click.echo(
            f"\n  session {r['session']} -> {r['server']}\n"
            f"    suites   {', '.join(r['suites']) or '-'} (run {r['run_id']}, "
            f"started {r['started_at']})\n"
            f"    results  {r['results']} spooled, {r['pending']} to send, "
            f"{r['rejected']} refused by the server\n"
            f"    state    {r['state']}\n"
            + (f"    last try {r['last_error']}\n" if r["last_error"] else "")
            + f"    file     {r['file']}"
        )


@report.command(short_help="Send spooled results now.")
@click.option(
    "--to",
    "url",
    metavar="URL",
    envvar="ASSAY_REPORT_TO",
    help="Send only what is spooled for this server (env ASSAY_REPORT_TO); default: all.",
)
@token_options
@spool_dir_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each answer.",
)
def flush(
    url: str | None,
    token: str | None,
    token_file: Path | None,
    spool_dir: Path | None,
    timeout: float,
) -> None:
    """Send spooled results now; exit 0 when nothing is left, 3 when some must wait.

    The token must be valid on each server the spool names; use --to to pick one.
    """
    directory = spool_dir or default_spool_dir()
    wanted = server_base_url(url) if url else None
    secret = resolve_token(token, token_file, "assay report flush")
    clients: dict[str, ApiClient] = {}
    failed: dict[str, str] = {}  # server -> why it took nothing
    left = sent = 0
    try:
        for path in list_spools(directory):
            sent_now, kept = _flush_one(path, wanted, secret, timeout, clients, failed)
            sent += sent_now
            left += kept
    finally:
        for client in clients.values():
            client.close()
    if left:
        click.echo(f"{left} spooled run(s) still waiting; see 'assay report status'", err=True)
        sys.exit(EXIT_RUNTIME)
    click.echo(f"sent {sent} result(s); nothing left in {directory}", err=True)
    sys.exit(EXIT_OK)


def _flush_one(
    path: Path,
    wanted: str | None,
    token: str,
    timeout: float,
    clients: dict[str, ApiClient],
    failed: dict[str, str],
) -> tuple[int, int]:
    """(results sent, spools left: 0 or 1) for one spool file."""
    try:
        state = read_spool(path)
    except OSError:
        return 0, 0
    if not state.valid:
        click.echo(f"skipped {path}: not a spool this assay understands", err=True)
        return 0, 0
    if wanted is not None and state.url != wanted:
        return 0, 0
    if state.url in failed:
        click.echo(f"kept session {state.session_id}: {failed[state.url]}", err=True)
        return 0, 1
    spool = Spool.open(path)
    if spool is None:
        if path.exists():
            click.echo(f"skipped session {state.session_id}: a running assay has it", err=True)
            return 0, 1
        return 0, 0
    client = clients.get(state.url) or clients.setdefault(
        state.url, ApiClient(state.url, token, timeout)
    )
    try:
        delivery = send_spool(spool, client, lambda: float("inf"))
    except ReportError as exc:
        spool.close()
        failed[state.url] = str(exc)
        click.echo(f"kept session {state.session_id}: {exc}", err=True)
        return 0, 1
    delivery.close()
    refused = f", {len(delivery.state.rejected)} refused" if delivery.state.rejected else ""
    click.echo(
        f"sent {delivery.sent} result(s){refused} of session {state.session_id} to {state.url}",
        err=True,
    )
    return delivery.sent, 0
