"""``assay``: run, validate and inspect suites."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from assay import __version__
from assay.cli.alerts import alerts
from assay.cli.commands_list import list_cmd
from assay.cli.loading import load_all, parse_vars
from assay.cli.logs import setup as setup_logging
from assay.cli.maintenance import maintenance
from assay.cli.monitors import monitors
from assay.cli.progress import LiveBar, LogEvents, PlainLines
from assay.cli.reporting.commands import report
from assay.cli.reporting.options import report_options
from assay.cli.serve import serve
from assay.cli.server_admin import db, token
from assay.core.errors import EXIT_FAILED, EXIT_OK, EXIT_RUNTIME, AssayError
from assay.core.events import Listener
from assay.core.results import RunResult, Status

EXIT_INTERRUPTED = 130
FORMAT_NAMES = ("table", "json", "yaml", "junit")

RUN_HELP = """Run the groups of one or more suites and report their results.

\b
Examples:
  assay run examples/quickstart.yaml
  assay run suite.yaml --group "private objects" --parallel 8
  assay run suite.yaml --format junit --output report.xml
  assay run suite.yaml --var ENDPOINT=http://127.0.0.1:9000 --fail-fast
  assay run suite.yaml --dry-run
  assay run plan-gate.yaml --approve 'aws_db_instance.main'
  ASSAY_TOKEN=... assay run suite.yaml --report-to http://127.0.0.1:8787 --environment staging

\b
Reporting (--report-to): results stream into a new session on an assay server as steps
finish. An outage, a slow server or a refused token never fails or slows the run, nor
changes its exit code: results wait in a local spool ('assay report status') and are sent
by the next run reporting to that server or by 'assay report flush'.

\b
Exit codes:
  0  every step passed        1  a check failed (the target misbehaved)
  2  suite or usage error     3  a target was unreachable or a step could not run
  130 interrupted (after phases still ran)
"""


def exit_code(run: RunResult) -> int:
    if run.interrupted:
        return EXIT_INTERRUPTED
    statuses = {r.status for r in run.results}
    if Status.ERROR in statuses or run.faults:
        return EXIT_RUNTIME
    if Status.FAILED in statuses:
        return EXIT_FAILED
    return EXIT_OK


class AssayGroup(click.Group):
    """Turns assay's own errors into one clear message and the right exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AssayError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=AssayGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assay")
def cli() -> None:
    """assay verifies that deployed systems really work.

    \b
    Write suites (YAML) of checks against targets: S3-compatible stores (type: s3), HTTP
    services (type: http), hosts' ports, certificates and names (type: net), AWS accounts
    (type: aws: any API call, resources and their properties), CloudFormation stacks from a
    CDK app, a cloud assembly or templates (type: stacks), and Terraform plans
    (type: terraform). `endpoint: embedded` starts a local S3 / AWS (moto) for the run.

    \b
    Start here:
      assay run examples/quickstart.yaml     run a suite
      assay validate suite.yaml --strict     check a suite without running it
      assay list checks                      every check kind with a description
      assay schema > assay.schema.json       JSON Schema for editor completion
      assay run suite.yaml --report-to URL   also stream the results to an assay server
      assay monitors apply monitors.yaml     keep a server's monitors as a file says
    """


def _listeners(quiet: bool, log_format: str, logger: Any) -> list[Listener]:
    if log_format == "json":
        return [LogEvents(logger)]
    if quiet:
        return []
    return [LiveBar()] if sys.stderr.isatty() else [PlainLines()]


@cli.command(help=RUN_HELP)
@click.argument("suites", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--group", "-g", "groups", multiple=True, help="Run only this group (repeatable).")
@click.option(
    "--parallel",
    "-p",
    type=click.IntRange(1, 256),
    help="Run groups concurrently, at most N steps at once (1: one at a time).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Default per-step timeout in seconds.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report here (the table still goes to the terminal).",
)
@click.option("--dry-run", is_flag=True, help="Load, validate and print the plan; call nothing.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first failure (after phases run).")
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a variable, overriding the suite and the environment (repeatable).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Progress as plain text or JSON log records.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.option(
    "--approve",
    "approvals",
    multiple=True,
    metavar="ADDRESS_OR_GLOB",
    help="Approve a destructive change a gate would stop, e.g. a protected resource that "
    "terraform.plan would replace: an address or a glob such as 'module.db.*' (repeatable).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress output, only the report.")
@report_options
def run(
    suites: tuple[Path, ...],
    groups: tuple[str, ...],
    parallel: int | None,
    timeout: float | None,
    fmt: str,
    output: Path | None,
    dry_run: bool,
    fail_fast: bool,
    variables: tuple[str, ...],
    log_format: str,
    log_level: str,
    approvals: tuple[str, ...],
    quiet: bool,
    report_to: str | None,
    token: str | None,
    token_file: Path | None,
    environment: str,
    labels: tuple[str, ...],
    session_id: str | None,
) -> None:
    from assay.cli.plan import render_plan
    from assay.engine import RunOptions, run_suites
    from assay.report import FORMATS
    from assay.report.table import render_table

    logger = setup_logging(log_format, log_level)
    options = RunOptions(
        parallel=parallel,
        groups=list(groups),
        timeout=timeout,
        fail_fast=fail_fast,
        approvals=tuple(a.strip() for a in approvals if a.strip()),
    )
    loaded = load_all(suites, parse_vars(variables), options.run_id, list(groups))
    if dry_run:
        click.echo(render_plan(loaded, options.groups), nl=False)
        sys.exit(EXIT_OK)
    listeners = _listeners(quiet, log_format, logger)
    reporter = None
    if report_to:
        from assay.cli.reporting.options import start_reporter

        reporter = start_reporter(
            report_to,
            token,
            token_file,
            environment,
            labels,
            session_id,
            [str(s) for s in suites],
            options.run_id,
        )
        listeners.append(reporter)
    try:
        result = run_suites(loaded, options, listeners)
    except BaseException:
        if reporter is not None:
            _report_end(reporter, "error", quiet)
        raise
    notes = []
    if reporter is not None:
        notes = _report_end(reporter, session_status(exit_code(result)), quiet, echo=False)
    color = sys.stdout.isatty()
    width = shutil.get_terminal_size((140, 40)).columns if color else 140
    if output is not None:
        try:
            output.write_text(FORMATS[fmt](result), encoding="utf-8")
        except OSError as exc:
            click.echo(f"error: cannot write {output}: {exc.strerror}", err=True)
            sys.exit(EXIT_RUNTIME)
        click.echo(render_table(result, color=color, width=width), nl=False)
    elif fmt == "table":
        click.echo(render_table(result, color=color, width=width), nl=False)
    else:
        click.echo(FORMATS[fmt](result), nl=False)
    for line in notes:
        click.echo(line, err=True)
    sys.exit(exit_code(result))


def session_status(code: int) -> str:
    """The reported session's final status for the run's exit code."""
    statuses = {EXIT_OK: "passed", EXIT_FAILED: "failed", EXIT_INTERRUPTED: "interrupted"}
    return statuses.get(code, "error")


def _report_end(reporter: Any, status: str, quiet: bool, echo: bool = True) -> list[str]:
    """Finish reporting (bounded wait); the lines to show, echoed unless ``echo`` is off."""
    from assay.cli.reporting.options import outcome_lines

    lines = outcome_lines(reporter.close(status), quiet)
    if echo:
        for line in lines:
            click.echo(line, err=True)
    return lines


@cli.command()
@click.argument("suites", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strict",
    is_flag=True,
    help="Also reach every target, and treat unused credentials and empty test phases as errors.",
)
@click.option("--var", "variables", multiple=True, metavar="KEY=VALUE", help="Set a variable.")
def validate(suites: tuple[Path, ...], strict: bool, variables: tuple[str, ...]) -> None:
    """Check suites without running them: YAML, keys, references, parameters.

    \b
    Examples:
      assay validate suite.yaml
      assay validate suite.yaml --strict      # also connect to each target
    """
    from assay.cli.strict import strict_checks

    loaded = load_all(suites, parse_vars(variables))
    if strict:
        strict_checks(loaded)
    steps = sum(len(s.steps()) for s in loaded)
    groups = sum(len(s.groups) for s in loaded)
    click.echo(f"ok: {len(loaded)} suite(s), {groups} group(s), {steps} step(s)")


@cli.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the schema to this file instead of stdout.",
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the suite format (for editor completion).

    \b
    Example (VS Code, YAML extension), at the top of a suite:
      # yaml-language-server: $schema=./assay.schema.json
    """
    import assay.checks  # noqa: F401  (registers every check kind)
    from assay.config.schema import suite_schema

    text = json.dumps(suite_schema(), indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


cli.add_command(list_cmd)
cli.add_command(serve)
cli.add_command(db)
cli.add_command(token)
cli.add_command(report)
cli.add_command(monitors)
cli.add_command(maintenance)
cli.add_command(alerts)


def main() -> None:
    cli(prog_name="assay")
