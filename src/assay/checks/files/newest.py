"""``files.newest``: backup freshness on this machine — the newest file matching a glob is
younger than ``max_age``, at least ``min_size`` bytes, and (``checksum: true``) matches the
SHA-256 in the ``.sha256`` file beside it (``sha256sum``'s output, or just the digest).

Only regular files count (symbolic links to them too); a file that vanishes between the
listing and its ``stat`` (a rotation under way) is passed over. With ``checksum: true`` the
``.sha256`` files themselves are never candidates.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, Field, field_validator

from assay.checks import freshness
from assay.checks.aws.bodies import CHUNK, Size
from assay.checks.files.target import FilesTarget, FilesTargetType
from assay.checks.model_kind import TargetKind
from assay.checks.params import UNKNOWN_PARAMETER, Flag, KindParams
from assay.core.checks import CheckCall, Observation

P = TypeVar("P", bound=BaseModel)
NO_FILES = "NoFiles"
DIRECTORY_NOT_FOUND = "DirectoryNotFound"
PERMISSION_DENIED = "PermissionDenied"
CHECKSUM_MISSING = "ChecksumMissing"
CHECKSUM_MISMATCH = "ChecksumMismatch"
UNREADABLE = "Unreadable"
SIDECAR = ".sha256"
_DIGEST = re.compile(r"\b([0-9a-fA-F]{64})\b")


class FilesKind(TargetKind[P, FilesTarget]):
    """A kind of the files family: its steps run on a ``files`` target."""

    family = "files"
    target_type = FilesTargetType
    unknown_key: ClassVar[str] = UNKNOWN_PARAMETER


class NewestParams(KindParams):
    glob: str = Field(
        description="Files to consider, relative to the target's directory: '*.tar.gz', "
        "'db/**/*.dump'."
    )
    max_age: freshness.Duration = Field(
        None, description="Fail (TooOld) when the newest file is older: 26h, 30m, 2d."
    )
    min_size: Size = Field(
        None, description="Fail (TooSmall) when the newest file has fewer bytes: 1024, 5MiB."
    )
    checksum: Flag = Field(
        False,
        description="Fail unless FILE.sha256 beside the newest file holds its SHA-256 "
        "(ChecksumMissing, ChecksumMismatch).",
    )

    @field_validator("glob")
    @classmethod
    def _relative(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("'glob' must be a pattern such as '*.tar.gz'")
        if Path(value).is_absolute():
            raise ValueError(
                f"'glob' is relative to the target's directory, got the absolute {value!r}: "
                "put the directory in the target's 'directory'"
            )
        return value


def candidates(directory: Path, pattern: str, sidecars: bool) -> Iterator[tuple[Path, int, float]]:
    """(path, size, mtime) of each regular file matching ``pattern`` under ``directory``."""
    for path in directory.glob(pattern):
        if not sidecars and path.name.endswith(SIDECAR):
            continue
        try:
            info = path.stat()
        except OSError:  # gone since the listing, or a dangling link
            continue
        if stat.S_ISREG(info.st_mode):
            yield path, info.st_size, info.st_mtime


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sidecar(path: Path) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """The checksum facts of ``path`` and its ``.sha256`` file, and the problem, if any."""
    sidecar = path.with_name(path.name + SIDECAR)
    facts: dict[str, Any] = {"algorithm": "SHA256", "file": sidecar.name}
    try:
        text = sidecar.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return facts, (CHECKSUM_MISSING, f"no checksum file {sidecar} for {path}")
    wanted = _DIGEST.search(text)
    if wanted is None:
        return facts, (CHECKSUM_MISSING, f"{sidecar} holds no SHA-256 digest")
    try:
        facts["value"] = sha256_of(path)
    except OSError as exc:
        return facts, (UNREADABLE, f"cannot read {path}: {exc.strerror or exc}")
    facts["expected"] = wanted.group(1).lower()
    facts["matches"] = facts["value"] == facts["expected"]
    if not facts["matches"]:
        return facts, (
            CHECKSUM_MISMATCH,
            f"{path} has SHA-256 {facts['value']}, {sidecar.name} says {facts['expected']}",
        )
    return facts, None


def _unreadable(code: str, message: str, data: dict[str, Any], clock: float) -> Observation:
    """The directory cannot be looked into: the target is out of reach, as a server is."""
    return Observation(
        success=False,
        error_code=code,
        message=message,
        data=data,
        unreachable=True,
        timings={"total": time.perf_counter() - clock},
        context={"OBJECT_AGE": None, "OBJECT_SIZE": None},
    )


class FilesNewest(FilesKind[NewestParams]):
    name = "files.newest"
    description = (
        "Backup freshness: the newest file matching a glob is younger than max_age, "
        "at least min_size, its .sha256 matching."
    )
    params_model = NewestParams

    def check(self, target: FilesTarget, p: NewestParams, call: CheckCall) -> Observation:
        directory = target.directory
        data: dict[str, Any] = {"directory": str(directory), "glob": p.glob}
        started = time.perf_counter()
        if not directory.is_dir():
            return _unreadable(DIRECTORY_NOT_FOUND, f"no directory {directory}", data, started)
        try:
            os.scandir(directory).close()
        except PermissionError:
            return _unreadable(PERMISSION_DENIED, f"cannot list {directory}", data, started)
        found = list(candidates(directory, p.glob, sidecars=not p.checksum))
        timings = {"list": time.perf_counter() - started}
        if not found:
            timings["total"] = timings["list"]
            return freshness.nothing_found(
                NO_FILES, f"no file matches {p.glob} in {directory}", data, timings
            )
        # of two written at the same instant, the later name (backup-02 after backup-01)
        path, size, mtime = max(found, key=lambda item: (item[2], str(item[0])))
        modified = datetime.fromtimestamp(mtime, UTC)
        newest = freshness.Found(str(path), size, modified, len(found))
        failed = freshness.problems(newest, p.max_age, p.min_size)
        data["path"] = Path(os.path.relpath(path, directory)).as_posix()
        if p.checksum:
            mark = time.perf_counter()
            data["checksum"], problem = verify_sidecar(path)
            timings["checksum"] = time.perf_counter() - mark
            if problem is not None:
                failed.append(problem)
        timings["total"] = time.perf_counter() - started
        return freshness.observe(newest, data, failed, timings)
