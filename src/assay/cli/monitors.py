"""``assay monitors apply | export | list``: a server's API monitors from a file in git."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from assay.cli.api_client import Server, ServerProblem, list_output, remote_options
from assay.cli.monitors_plan import (
    MonitorsFile,
    Plan,
    export_yaml,
    make_plan,
    read_file,
    render_plan,
)
from assay.core.errors import EXIT_FAILED, EXIT_OK

MONITORS_HELP = """Keep a server's monitors in a file: plan and apply it, export it, list them.

\b
A monitors file here is a 'monitors:' list, each as in docs/monitors.md. Monitors made this
way are the server's API monitors (origin "api"); the ones of the server's own
--monitors-file are never changed. Credentials are references the server resolves
(${ENV_NAME}, ${file:/run/secrets/name}); the server refuses a literal one.

\b
Examples:
  export ASSAY_SERVER=http://assay.internal:8787 ASSAY_TOKEN=...   # a runner token
  assay monitors apply monitors.yaml --dry-run     # the plan: + create ~ replace - delete
  assay monitors apply monitors.yaml --prune       # and delete API monitors not in the file
  assay monitors export --output monitors.yaml     # the server's API monitors as a file
  assay monitors list
"""


@click.group(help=MONITORS_HELP)
def monitors() -> None:
    pass


@monitors.command(short_help="Make the server's API monitors what FILE says.")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--prune", is_flag=True, help="Also delete API monitors that FILE does not name.")
@click.option("--dry-run", is_flag=True, help="Show the plan and change nothing.")
@remote_options("runner")
def apply(
    file: Path,
    prune: bool,
    dry_run: bool,
    server: str | None,
    token: str | None,
    token_file: Path | None,
) -> None:
    """Make the server's API monitors what FILE says: create, replace, and with --prune delete.

    \b
    FILE holds a 'monitors:' list. It is checked here first: a problem names the file, the
    field and its line (exit 2). 'providers:' and 'maintenance:' are the server's own
    configuration (its --monitors-file) and are refused here (exit 2).

    \b
    Then every monitor on the server is read and compared, in canonical form (defaults left
    out), with FILE's; the plan shows:
      + name            created
      ~ name  fields    replaced; the top-level fields that change
      - name            deleted (--prune only; only monitors made through the API)
      = n unchanged
    A monitor of FILE named like one of the server's monitors file is an error (exit 1).

    \b
    Without --dry-run each change is made (PUT or DELETE). A change the server refuses (a
    literal credential, an invalid check: 422, or 409) is shown with the server's message;
    the others are still made, and the exit code is 1.

    \b
    Examples:
      assay monitors apply monitors.yaml --dry-run --server http://127.0.0.1:8787
      ASSAY_TOKEN=... assay monitors apply monitors.yaml --prune
    """
    source = read_file(file)
    with Server.connect(server, token, token_file, "assay monitors apply", "runner") as api:
        plan = make_plan(source.specs, list(api.pages("/monitors")), prune)
        for line in render_plan(plan, api.url):
            click.echo(line)
        if plan.conflicts:
            names = ", ".join(plan.conflicts)
            raise ServerProblem(
                f"{file} names monitors of the server's own monitors file: {names}; those "
                "belong to that file: rename them here, or change them there. Nothing applied."
            )
        if dry_run or not plan.changes:
            if not plan.changes:
                click.echo("nothing to do")
            sys.exit(EXIT_OK)
        done, failed = _apply(api, plan, source)
    summary = ", ".join(f"{n} {what}" for what, n in done.items())
    click.echo(f"applied to {api.url}: {summary}; {len(plan.unchanged)} unchanged")
    if failed:
        click.echo(f"error: {failed} change(s) refused (above); the others were made", err=True)
        sys.exit(EXIT_FAILED)


def _apply(api: Server, plan: Plan, source: MonitorsFile) -> tuple[dict[str, int], int]:
    """Make each change; a refused one is reported and the rest go on."""
    done = {"created": 0, "replaced": 0, "deleted": 0}
    failed = 0
    actions = [(n, "PUT") for n in [*plan.create, *plan.replace]]
    actions += [(n, "DELETE") for n in plan.delete]
    for name, method in actions:
        try:
            if method == "PUT":
                api.call("PUT", f"/monitors/{name}", plan.specs[name])
                done[_verb(method, name, plan)] += 1
            else:
                api.call("DELETE", f"/monitors/{name}")
                done["deleted"] += 1
        except ServerProblem as exc:
            if not exc.refused:
                raise
            failed += 1
            places = [source.where(name, str(d.get("field", ""))) for d in exc.details]
            located = "; in " + ", ".join(p for p in places if p) if any(places) else ""
            click.echo(
                f"error: monitor '{name}' was not {_verb(method, name, plan)}: {exc}{located}",
                err=True,
            )
    return done, failed


def _verb(method: str, name: str, plan: Plan) -> str:
    if method == "DELETE":
        return "deleted"
    return "created" if name in plan.create else "replaced"


@monitors.command(short_help="Write the server's monitors as a monitors file.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the file here instead of to stdout.",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Also the monitors of the server's own monitors file (not for 'apply' to it).",
)
@remote_options("viewer")
def export(
    output: Path | None,
    everything: bool,
    server: str | None,
    token: str | None,
    token_file: Path | None,
) -> None:
    """Write the server's API monitors (or all, --all) as a monitors file.

    \b
    Each monitor is in canonical form (what was given, defaults left out; durations in
    seconds), sorted by name, in a stable key order: applying the export changes nothing,
    and exporting again gives the same bytes. Credentials are the references the server
    holds, never values.

    \b
    Examples:
      assay monitors export --output monitors.yaml
      assay monitors export --all > everything.yaml
    """
    params = {} if everything else {"origin": "api"}
    with Server.connect(server, token, token_file, "assay monitors export", "viewer") as api:
        items = list(api.pages("/monitors", params))
    text = export_yaml(items)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ServerProblem(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"exported {len(items)} monitor(s) from {api.url} to {output}", err=True)


@monitors.command("list", short_help="The server's monitors with their state.")
@click.option("--state", "states", multiple=True, help="Only these states (repeatable).")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Only with this label.")
@list_output("monitors")
@remote_options("viewer")
def list_monitors(
    states: tuple[str, ...],
    labels: tuple[str, ...],
    output: str,
    server: str | None,
    token: str | None,
    token_file: Path | None,
) -> None:
    """The server's monitors: name, state, 24 h uptime, p95 latency, last run.

    \b
    Examples:
      assay monitors list
      assay monitors list --state down --label team=core
      assay monitors list --output json | jq -r '.[] | select(.state.state=="down") | .name'
    """
    params: dict[str, Any] = {"state": list(states), "label": list(labels)}
    with Server.connect(server, token, token_file, "assay monitors list", "viewer") as api:
        items = list(api.pages("/monitors", params))
    if output == "json":
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        click.echo("no monitors")
        return
    rows = [("NAME", "STATE", "UPTIME 24H", "P95", "LAST RUN", "ORIGIN")]
    rows += [_row(m) for m in items]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _row(item: dict[str, Any]) -> tuple[str, str, str, str, str, str]:
    state = item.get("state") or {}
    uptime = item.get("uptime_24h")
    p95 = item.get("p95_24h_ms")
    last = state.get("last_run_at")
    return (
        item["name"],
        str(state.get("state", "?")) + (" (flapping)" if state.get("flapping") else ""),
        f"{uptime * 100:.2f}%" if uptime is not None else "-",
        f"{p95:.0f} ms" if p95 is not None else "-",
        str(last)[:19].replace("T", " ") if last else "never",
        str(item.get("origin", "")),
    )
