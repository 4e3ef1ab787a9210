"""Backups of a given age for the freshness kinds' tests: local files and moto objects.

A file's age is its modification time (``os.utime``); an object's is the ``LastModified``
of moto's own record of it, moved back in the in-process server's state, since S3 has no
call that sets it.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from moto.core.utils import utcnow
from moto.s3.models import s3_backends


def write_backup(path: Path, size: int, age: float, content: bytes | None = None) -> Path:
    """A file of ``size`` bytes (or ``content``) last modified ``age`` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if content is not None else b"x" * size)
    when = time.time() - age
    os.utime(path, (when, when))
    return path


def _key(bucket: str, key: str) -> Any:
    for regions in s3_backends.values():
        for backend in regions.values():
            found = backend.buckets.get(bucket)
            if found is not None:
                return found.keys[key]
    raise KeyError(f"moto holds no bucket {bucket}")


def age_object(bucket: str, key: str, age: float) -> None:
    """Make an object of the in-process moto server ``age`` seconds old."""
    _key(bucket, key).last_modified = utcnow() - timedelta(seconds=age)
