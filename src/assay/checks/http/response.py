"""An HTTP answer as an observation: status, masked headers, parsed body, digest, context."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import httpx

from assay.checks.http.errors import TRANSIENT_STATUS
from assay.core import secrets
from assay.core.checks import Observation
from assay.core.conditions import json_seed
from assay.core.placeholders import Placeholder
from assay.core.secrets import MASK, redact

KEEP_BODY = 1024 * 1024  # bodies up to this size are kept (for equals/contains and JSON)
TEXT_LIMIT = 64 * 1024  # text bodies in ``data`` are cut here
MESSAGE_SNIPPET = 200
HEADER = Placeholder(
    "HEADER",
    "text",
    "a response header, its name case-insensitive: [HEADER].content-type",
    fields="name",
    usage="one header name, like [HEADER].content-type",
)


def read_body(response: httpx.Response) -> tuple[bytes | None, dict[str, Any]]:
    """Stream the (decoded) body; keep it when small. Returns (body, digest).

    A kept body is digested only if an expectation asks (the engine does it then); a large
    one is hashed while it streams, since it is not kept. The digest always has ``size``.
    """
    size = 0
    kept: list[bytes] = []
    sha = md5 = None
    for chunk in response.iter_bytes():
        size += len(chunk)
        if sha is None and size <= KEEP_BODY:
            kept.append(chunk)
            continue
        if sha is None or md5 is None:  # just outgrew KEEP_BODY: hash what was kept
            sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
            for part in kept:
                sha.update(part)
                md5.update(part)
            kept = []
        sha.update(chunk)
        md5.update(chunk)
    if sha is None or md5 is None:
        return b"".join(kept), {"size": size}
    return None, {"size": size, "sha256": sha.hexdigest(), "md5": md5.hexdigest()}


def masked_headers(items: Iterable[tuple[str, str]], secret: frozenset[str]) -> dict[str, str]:
    """Lower-case names; repeated headers joined with ', '; secret ones as '***'."""
    out: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        shown = MASK if key in secret else redact(value)
        out[key] = f"{out[key]}, {shown}" if key in out else shown
    return out


Raw = tuple[tuple[bytes, bytes], ...]


@functools.lru_cache(maxsize=256)
def _request_headers(raw: Raw, secret: frozenset[str], _generation: int) -> dict[str, str]:
    return masked_headers(httpx.Headers(list(raw)).multi_items(), secret)


def request_headers(request: httpx.Request, secret: frozenset[str]) -> dict[str, str]:
    """The request's headers as sent, masked like the response's.

    A target sends the same few header sets over and over, so each is masked once; the
    key includes the secret registry's generation, so a secret registered since is masked.
    """
    raw = tuple(request.headers.raw)
    return dict(_request_headers(raw, secret, secrets.generation()))


def _is_json(content_type: str) -> bool:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime in ("application/json", "text/json") or mime.endswith("+json")


def body_value(response: httpx.Response, body: bytes | None, size: int) -> Any:
    """Parsed JSON when the response says JSON and it parses, else text (cut at 64 KiB)."""
    if body is None:
        return f"<{size} bytes, not kept>"
    if body and _is_json(response.headers.get("content-type", "")):
        try:
            return json.loads(body)
        except ValueError:
            pass  # kept as text below: a malformed JSON body is something to look at
    text = body[:TEXT_LIMIT].decode(response.encoding or "utf-8", errors="replace")
    if len(body) > TEXT_LIMIT:
        text += f"... [{len(body) - TEXT_LIMIT} more bytes]"
    return text


def _snippet(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_SNIPPET else text[:MESSAGE_SNIPPET] + "..."


def observe(
    response: httpx.Response,
    body: bytes | None,
    digest: dict[str, Any],
    secret_headers: frozenset[str],
    peer: str | None,
    timings: dict[str, float],
) -> Observation:
    """The observation of a completed exchange (any status)."""
    status = response.status_code
    headers = masked_headers(response.headers.multi_items(), secret_headers)
    value = body_value(response, body, digest["size"])
    request = response.request
    request_url = redact(str(request.url))
    data: dict[str, Any] = {
        "status": status,
        "headers": headers,
        "body": value,
        # without redirects the response's URL is the request's
        "url": redact(str(response.url)) if response.history else request_url,
        "redirects": len(response.history),
        "request": {
            "method": request.method,
            "url": request_url,
            "headers": request_headers(request, secret_headers),
        },
    }
    message = ""
    if status >= 400:
        reason = response.reason_phrase or f"HTTP {status}"
        detail = _snippet(value) if value not in ("", None) else ""
        message = redact(f"{reason}: {detail}" if detail else reason)
    return Observation(
        success=status < 400,
        http_status=status,
        message=message,
        data=data,
        body=body,
        body_digest=digest if "sha256" in digest else None,
        transient=status in TRANSIENT_STATUS,
        timings=timings,
        context={
            "STATUS": status,
            "RESPONSE_TIME": timings["total"] * 1000.0,
            "BODY": body,
            # the JSON parsed above serves every [BODY] condition: no second parse
            **(
                json_seed(body, value)
                if body is not None and isinstance(value, dict | list)
                else {}
            ),
            "HEADER": headers,
            "CONNECTED": True,
            "IP": peer,
        },
    )
