"""Request bodies (literal, ``file://``, generated) and streamed response digests."""

from __future__ import annotations

import hashlib
import random
import re
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema

from assay.core.errors import InvalidParameters

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*$", re.I)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
    "t": 1000**4,
    "tb": 1000**4,
    "tib": 1024**4,
}
KEEP_BODY = 1024 * 1024  # response bodies up to this size are kept for equals/contains
CHUNK = 1024 * 1024


def parse_size(value: Any) -> int:
    """``1024``, ``"10KiB"``, ``"5 MB"`` -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(str(value))
    if not match or match.group(2).lower() not in _UNITS:
        raise InvalidParameters(
            f"invalid size {value!r}: use bytes or a unit such as 512KiB, 5MB, 1GiB"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _size(value: Any, info: ValidationInfo) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except InvalidParameters as exc:
        raise ValueError(f"'{info.field_name}': {exc}") from None


# a parameter in bytes, or with a unit (1MiB, 5 MB); text too, as variables arrive
Size = Annotated[
    int | None,
    BeforeValidator(_size),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]}),
]


def generate(spec: dict[str, Any]) -> bytes:
    """Deterministic bytes: ``{size, seed}`` random or ``{size, fill}`` repeated text."""
    size = parse_size(spec["size"])
    fill = spec.get("fill")
    if fill is not None:
        unit = str(fill).encode() or b"\0"
        return (unit * (size // len(unit) + 1))[:size]
    return random.Random(spec.get("seed", 0)).randbytes(size)


def open_body(value: Any, stack: ExitStack) -> bytes | BinaryIO:
    """What botocore should send for a blob parameter; files are streamed, not read."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, dict):
        return generate(value)
    text = str(value)
    if text.startswith("file://"):
        return stack.enter_context(Path(text[len("file://") :]).open("rb"))
    return text.encode("utf-8")


def digest_of(data: bytes) -> dict[str, Any]:
    return {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
    }


def read_stream(stream: Any) -> tuple[bytes | None, dict[str, Any]]:
    """Read a streaming body in chunks; keep it only when small. Returns (body, digest)."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    kept: list[bytes] | None = []
    try:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            if kept is not None:
                kept.append(chunk)
                if size > KEEP_BODY:
                    kept = None
    finally:
        stream.close()
    digest = {"size": size, "sha256": sha.hexdigest(), "md5": md5.hexdigest()}
    return (b"".join(kept) if kept is not None else None), digest
