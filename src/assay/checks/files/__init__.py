"""The files family: a local directory (``type: files``) and ``files.newest``, the freshness
of the backups in it."""

from __future__ import annotations

from assay.checks.files.newest import FilesNewest
from assay.checks.files.target import FilesSettings, FilesTarget, FilesTargetType
from assay.core.checks import CHECKS, TARGETS

TARGETS.register("files", FilesTargetType())
CHECKS.register(FilesNewest.name, FilesNewest())

__all__ = ["FilesNewest", "FilesSettings", "FilesTarget", "FilesTargetType"]
