"""The reporting flags of ``assay run`` (and the token flags ``assay report flush`` shares):
where to report, with which token, into which session; and the lines printed at the end."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from assay.cli.reporting.reporter import Outcome, Reporter, ReportOptions
from assay.cli.reporting.spool import default_spool_dir
from assay.core.errors import UsageError
from assay.core.identifiers import LABEL_KEY_RE, MAX_LABEL_VALUE, SESSION_ID_RE

F = TypeVar("F", bound=Callable[..., Any])
HOW_TO_GET_ONE = "create one with 'assay token create --name ci --role runner' on the server"


def token_options(func: F) -> F:
    """``--token`` (ASSAY_TOKEN) and ``--token-file`` (ASSAY_TOKEN_FILE)."""
    func = click.option(
        "--token-file",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="ASSAY_TOKEN_FILE",
        help="Read the token from this file (env ASSAY_TOKEN_FILE), e.g. a CI secret file.",
    )(func)
    return click.option(
        "--token",
        metavar="TOKEN",
        envvar="ASSAY_TOKEN",
        help="API token with the runner role (env ASSAY_TOKEN; prefer the variable or "
        "--token-file: command lines are visible to other users).",
    )(func)


def report_options(func: F) -> F:
    """The flags ``assay run`` takes to report to a server."""
    func = click.option(
        "--session",
        "session_id",
        metavar="ID",
        help="Report into this session id (created if new; e.g. your CI job id, so several "
        "runs land in one session). Default: a new session per run.",
    )(func)
    func = click.option(
        "--label",
        "labels",
        multiple=True,
        metavar="KEY=VALUE",
        help="A label on the reported session, e.g. commit=3f2a1c (repeatable).",
    )(func)
    func = click.option(
        "--environment",
        envvar="ASSAY_ENVIRONMENT",
        default="default",
        show_default=True,
        help="The environment the reported session is for, e.g. staging (env ASSAY_ENVIRONMENT).",
    )(func)
    func = token_options(func)
    return click.option(
        "--report-to",
        metavar="URL",
        envvar="ASSAY_REPORT_TO",
        help="Stream results into a new session on this assay server, e.g. "
        "http://127.0.0.1:8787 (env ASSAY_REPORT_TO). An outage never fails the run: "
        "results wait in a local spool (see 'assay report').",
    )(func)


def resolve_token(token: str | None, token_file: Path | None, why: str) -> str:
    """The token from ``--token``/ASSAY_TOKEN, else from the token file; a clear error
    (never the token) when there is none."""
    if token and token.strip():
        return token.strip()
    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--token-file: cannot read {token_file}: {exc.strerror}") from None
        if not text:
            raise UsageError(f"--token-file: {token_file} is empty")
        return text
    raise UsageError(
        f"{why} needs an API token: --token, ASSAY_TOKEN, --token-file or ASSAY_TOKEN_FILE "
        f"({HOW_TO_GET_ONE})"
    )


def parse_labels(pairs: tuple[str, ...], run_id: str) -> dict[str, str]:
    labels = {"run_id": run_id}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not LABEL_KEY_RE.match(key):
            raise UsageError(
                f"--label expects KEY=VALUE with a key of letters, digits, '_', '.' or '-' "
                f"(at most 63), got '{pair}'"
            )
        if len(value) > MAX_LABEL_VALUE:
            raise UsageError(f"--label {key}: the value is longer than 200 characters")
        labels[key] = value
    if len(labels) > 50:
        raise UsageError("--label: at most 49 labels per session")
    return labels


def session_body(
    suites: list[str], environment: str, labels: dict[str, str], session_id: str | None
) -> dict[str, Any]:
    """The session to create, checked against the server's rules before the run starts."""
    if session_id is not None and not SESSION_ID_RE.match(session_id):
        raise UsageError(
            f"--session '{session_id}': use 1-64 letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit"
        )
    environment = environment.strip()
    if not 1 <= len(environment) <= 100:
        raise UsageError("--environment must be 1 to 100 characters")
    name = ", ".join(Path(s).name for s in suites)
    return {
        "id": session_id or uuid.uuid4().hex,
        "name": name if len(name) <= 200 else name[:199] + "…",
        "environment": environment,
        "suites": [s[-500:] for s in suites[:100]],
        "labels": labels,
        "status": "running",
        "started_at": datetime.now(UTC).isoformat(),
    }


def start_reporter(
    url: str,
    token: str | None,
    token_file: Path | None,
    environment: str,
    labels: tuple[str, ...],
    session_id: str | None,
    suites: list[str],
    run_id: str,
) -> Reporter:
    """A started reporter for ``assay run --report-to``; usage errors before anything runs."""
    secret = resolve_token(token, token_file, "--report-to")
    body = session_body(suites, environment, parse_labels(labels, run_id), session_id)
    options = ReportOptions(url=url, token=secret, spool_dir=default_spool_dir())
    return Reporter(options, body, run_id).start()


def outcome_lines(outcome: Outcome, quiet: bool) -> list[str]:
    """What to tell the user at the end of the run (stderr)."""
    lines = []
    if outcome.rejected:
        lines.append(
            f"warning: the server at {outcome.url} refused {outcome.rejected} result(s) of "
            f"session {outcome.session_id}, which are not stored: {outcome.rejected_reason}"
        )
    if outcome.complete:
        if not quiet:
            extra = f" (and {outcome.backlog_sent} spooled earlier)" if outcome.backlog_sent else ""
            lines.append(
                f"reported {outcome.sent} result(s){extra} to {outcome.url}/api/v1/sessions/"
                f"{outcome.session_id}"
            )
        return lines
    if outcome.spool is None:
        lines.append(
            f"warning: could not report to {outcome.url} and could not spool either "
            f"({outcome.problem}): {outcome.kept} lost"
        )
    elif outcome.refused:
        lines.append(
            f"warning: the server refused the token ({outcome.problem}); {outcome.kept} "
            f"kept in {outcome.spool}: send them with 'assay report flush' and a valid token"
        )
    else:
        lines.append(
            f"warning: could not report to {outcome.url} ({outcome.problem}); "
            f"{outcome.kept} kept in {outcome.spool}, to be sent by the next "
            "'assay run --report-to' to that server or by 'assay report flush'"
        )
    return lines
