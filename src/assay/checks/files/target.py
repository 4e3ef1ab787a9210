"""The ``files`` target type: a directory on the machine running assay (backups, exports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from assay.checks.target_type import FamilyTargetType
from assay.config.models import TargetBase
from assay.core.errors import TargetUnreachable


class FilesSettings(TargetBase):
    """A local directory; its files are read, never written. No credentials."""

    type: Literal["files"] = "files"
    directory: str = Field(
        description="The directory the steps' globs start from (relative to the suite's file)."
    )

    @field_validator("directory")
    @classmethod
    def _resolved(cls, value: str, info: ValidationInfo) -> str:
        # as a file:// value is: against the suite that names it, not the working directory;
        # not required to exist yet (a backup volume may be mounted later): steps say so
        if not value.strip():
            raise ValueError("'directory' must name a directory")
        base = Path((info.context or {}).get("base_dir") or Path.cwd())
        path = Path(value.removeprefix("file://")).expanduser()
        return str(path if path.is_absolute() else (base / path).resolve())


class FilesTarget:
    """An opened ``files`` target: its directory."""

    def __init__(self, name: str, settings: FilesSettings, concurrency: int = 1) -> None:
        self.name = name
        self.settings = settings
        self.directory = Path(settings.directory)

    def credential_names(self) -> list[str]:
        return []

    def describe(self) -> dict[str, Any]:
        return {"type": "files", "directory": str(self.directory)}

    def close(self) -> None:
        return None


class FilesTargetType(FamilyTargetType[FilesSettings, FilesTarget]):
    name = "files"
    noun = "a files target"
    settings_model = FilesSettings
    target_class = FilesTarget

    def probe(self, target: Any) -> None:
        """The directory exists and can be listed (``validate --strict``)."""
        directory = Path(target.directory)
        if not directory.is_dir():
            raise TargetUnreachable(f"target '{target.name}': no directory {directory}")
        try:
            next(directory.iterdir(), None)
        except OSError as exc:
            raise TargetUnreachable(
                f"target '{target.name}': cannot list {directory}: {exc.strerror or exc}"
            ) from None
