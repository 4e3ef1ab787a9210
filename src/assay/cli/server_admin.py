"""``assay db upgrade`` and ``assay token create | list | revoke``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assay.cli.server_options import server_options, settings_from

if TYPE_CHECKING:
    from assay.server.db import Database


@contextmanager
def _database(config: Path | None, url: str | None, data_dir: Path | None) -> Iterator[Database]:
    """The server's database, migrated, with errors as clear messages."""
    from assay.server.db import Database
    from assay.server.db.errors import cli_errors
    from assay.server.db.migrate import upgrade

    db = Database(settings_from(config, url, data_dir).effective_database_url)
    try:
        with cli_errors(db.display_url):
            upgrade(db.engine)
            yield db
    finally:
        db.dispose()


@click.group()
def db() -> None:
    """Manage the server's database (SQLite by default, or PostgreSQL).

    \b
    Examples:
      assay db upgrade
      assay db upgrade --database-url postgresql://assay@db.internal:5432/assay
    """


@db.command()
@server_options
def upgrade(database_url: str | None, data_dir: Path | None, config: Path | None) -> None:
    """Apply the database migrations (assay serve also does this when it starts)."""
    from assay.server.db.migrate import head_revision

    with _database(config, database_url, data_dir) as database:
        click.echo(f"database {database.display_url} is at migration {head_revision()} (latest)")


ROLES = click.Choice(["viewer", "runner", "admin"])


@click.group()
def token() -> None:
    """Create, list and revoke the API tokens of the server.

    \b
    Roles, each including the ones before it:
      viewer   read sessions and results
      runner   also create sessions and upload results (CI, assay run --report-to)
      admin    also administer the server

    \b
    Examples:
      TOKEN=$(assay token create --name ci --role runner)
      assay token list
      assay token revoke ci
    """


@token.command("create")
@click.option("--name", required=True, help="A unique name saying who or what uses it.")
@click.option("--role", type=ROLES, required=True, help="viewer, runner or admin.")
@server_options
def token_create(
    name: str, role: str, database_url: str | None, data_dir: Path | None, config: Path | None
) -> None:
    """Create a token and print it once (stdout); only its hash is stored."""
    from assay.server import tokens

    with _database(config, database_url, data_dir) as database:
        info, secret = tokens.create(database, name, tokens.Role(role))
    click.echo(
        f"created token '{info.name}' (id {info.id}, role {info.role}); it is shown only "
        "once: store it now, as 'Authorization: Bearer <token>'",
        err=True,
    )
    click.echo(secret)


@token.command("list")
@server_options
def token_list(database_url: str | None, data_dir: Path | None, config: Path | None) -> None:
    """List tokens: id, name, role, when created and last used, and whether revoked."""
    from assay.server import tokens

    with _database(config, database_url, data_dir) as database:
        rows = tokens.list_tokens(database)
    if not rows:
        click.echo("no tokens yet: assay token create --name NAME --role viewer|runner|admin")
        return
    click.echo(f"{'id':<14}{'name':<24}{'role':<8}{'created':<22}{'last used':<22}state")
    for t in rows:
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M:%S") if t.last_used_at else "never"
        state = "revoked" if t.revoked_at else "active"
        created = t.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{t.id:<14}{t.name:<24}{t.role:<8}{created:<22}{used:<22}{state}")


@token.command("revoke")
@click.argument("token_id_or_name")
@server_options
def token_revoke(
    token_id_or_name: str, database_url: str | None, data_dir: Path | None, config: Path | None
) -> None:
    """Revoke a token by id or name; requests with it fail with 401 from then on."""
    from assay.server import tokens

    with _database(config, database_url, data_dir) as database:
        info = tokens.revoke(database, token_id_or_name)
    click.echo(f"revoked token '{info.name}' (id {info.id})")
