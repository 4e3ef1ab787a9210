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
    from assay.cli.loading import load_all
    from assay.core.checks import CHECKS
    from assay.core.errors import UsageError

    console = Console(highlight=False, soft_wrap=True)
    if what == "checks":
        table = Table("check kind", "description", box=None, pad_edge=False)
        for name in CHECKS:
            kind = CHECKS.get(name)
            assert kind is not None
            if family is None or kind.family == family:
                table.add_row(name, kind.description)
        console.print(table)
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
