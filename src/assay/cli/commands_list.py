"""``assay list checks | groups | credentials``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from assay.config.models import TargetBase


@click.command("list")
@click.argument("what", type=click.Choice(["checks", "groups", "credentials"]))
@click.argument("suites", nargs=-1, type=click.Path(path_type=Path))
@click.option("--family", help="With 'checks': only this family (e.g. s3).")
def list_cmd(what: str, suites: tuple[Path, ...], family: str | None) -> None:
    """List check kinds, or the groups or credential sets of suites.

    \b
    Examples:
      assay list checks
      assay list checks --family s3
      assay list groups examples/quickstart.yaml
      assay list credentials examples/permissions.yaml
    """
    import sys

    from assay.cli.loading import load_all
    from assay.core.checks import CHECKS
    from assay.core.errors import UsageError

    # piped output is not wrapped at 80 columns: rows stay whole for grep and scripts
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 400)
    if what == "checks":
        # one line per kind, never wrapped, so the list greps and pipes well
        kinds = [k for k in (CHECKS.get(n) for n in CHECKS) if k is not None]
        kinds = [k for k in kinds if family is None or k.family == family]
        if not kinds:
            raise UsageError(f"no check kinds in family '{family}'")
        width = max(len("check kind"), *(len(k.name) for k in kinds)) + 2
        click.echo(f"{'check kind':<{width}}description")
        for kind in kinds:
            click.echo(f"{kind.name:<{width}}{kind.description}")
        return
    if not suites:
        raise UsageError(f"'assay list {what}' needs at least one suite file")
    loaded = load_all(suites, {})
    if what == "groups":
        table = Table("group", "target", "as", "before", "test", "after", "suite", box=None)
        for suite in loaded:
            for g in suite.groups:
                table.add_row(
                    g.name,
                    g.target or next(iter(suite.targets)),
                    g.as_ or "",
                    str(len(g.before)),
                    str(len(g.test)),
                    str(len(g.after)),
                    suite.path,
                )
    else:
        table = Table("credential", "target", "access key", "endpoint", "suite", box=None)
        for suite in loaded:
            for tname, settings in suite.targets.items():
                if not isinstance(settings, TargetBase):
                    continue
                for cname, cred in settings.credentials.items():
                    key = cred.access_key
                    masked = key[:4] + "…" + key[-2:] if len(key) > 8 else "…"
                    table.add_row(cname, tname, masked, cred.endpoint or "", suite.path)
    console.print(table)
