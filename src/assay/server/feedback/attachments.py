"""Attachments of feedback: a short list of types, each checked against the file's content,
a size limit, and a file name kept only as a label (never used as a path)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

# content type -> the content's first bytes (None: text, which must be UTF-8)
ALLOWED: dict[str, tuple[bytes, ...] | None] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "text/plain": None,
    "text/csv": None,
    "application/json": None,
    "application/xml": None,
    "text/xml": None,
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]")


class AttachmentError(Exception):
    """An attachment that cannot be taken: ``status`` is 413 or 415."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def safe_filename(name: str | None, position: int) -> str:
    """The client's file name reduced to a harmless label (no directories, no controls)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = _UNSAFE.sub("_", base).strip(" .")[:200]
    return base or f"attachment-{position}"


def _matches(content_type: str, content: bytes) -> bool:
    signatures = ALLOWED[content_type]
    if signatures is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return b"\x00" not in content
    if content_type == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    return content.startswith(signatures)


def check(
    filename: str | None, declared: str | None, content: bytes, position: int, limit: int
) -> Attachment:
    """An accepted attachment, or ``AttachmentError`` (413 too large, 415 wrong type)."""
    label = safe_filename(filename, position)
    content_type = (declared or "").split(";")[0].strip().lower()
    if len(content) > limit:
        raise AttachmentError(
            413, f"attachment '{label}' has {len(content)} bytes; the limit is {limit}"
        )
    if content_type not in ALLOWED:
        raise AttachmentError(
            415,
            f"attachment '{label}' is of type '{content_type or 'none'}'; accepted types: "
            + ", ".join(ALLOWED),
        )
    if not _matches(content_type, content):
        raise AttachmentError(
            415, f"attachment '{label}' is declared {content_type} but its content is not"
        )
    return Attachment(label, content_type, content)
