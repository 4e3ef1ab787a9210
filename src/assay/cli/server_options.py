"""Options shared by ``assay serve``, ``assay db`` and ``assay token``: where the data is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from assay.server.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def server_options(func: F) -> F:
    """``--database-url``, ``--data-dir`` and ``--config``."""
    func = click.option(
        "--config",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Settings file (TOML or YAML; keys as in docs/server.md). ASSAY_CONFIG also works.",
    )(func)
    func = click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Where the default SQLite database lives (ASSAY_DATA_DIR; "
        "default ~/.local/share/assay).",
    )(func)
    return click.option(
        "--database-url",
        metavar="URL",
        help="sqlite:///path.db or postgresql://user@host:5432/db (ASSAY_DATABASE_URL, "
        "ASSAY_DATABASE_URL_FILE; default SQLite in --data-dir).",
    )(func)


def settings_from(
    config: Path | None, database_url: str | None, data_dir: Path | None, **flags: Any
) -> Settings:
    from assay.server.settings import load_settings

    return load_settings(config, database_url=database_url, data_dir=data_dir, **flags)
