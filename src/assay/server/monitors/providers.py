"""Where notices go: any apprise URL (Slack, Teams, Discord, PagerDuty, Opsgenie, Telegram,
e-mail, ... 150+ services from one syntax), or assay's own signed webhook.

The webhook POSTs the notice as JSON with two headers, as Stripe's do:

    X-Assay-Timestamp: 1764936000
    X-Assay-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

A receiver recomputes the HMAC over the raw body (``verify``) and refuses a timestamp older
than a few minutes, so a captured request cannot be replayed later.

``send`` raises ``DeliveryError`` on failure; the outbox retries with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from assay.core.secrets import redact

SIGNATURE = "X-Assay-Signature"
TIMESTAMP = "X-Assay-Timestamp"
TOLERANCE_S = 300


class DeliveryError(Exception):
    """A notice could not be delivered (this time); the message says why, without secrets."""


@dataclass(frozen=True)
class Message:
    """What a notice says: a title, a text, and the same as data for webhooks."""

    title: str
    body: str
    data: dict[str, Any]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """Whether a request carries a valid signature, made within ``TOLERANCE_S``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered.get(TIMESTAMP.lower(), ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_S:
        return False
    wanted = sign(secret, timestamp, body)
    return hmac.compare_digest(wanted, lowered.get(SIGNATURE.lower(), ""))


@dataclass(frozen=True)
class Webhook:
    """assay's signed JSON webhook."""

    url: str
    secret: str
    timeout: float = 10.0

    def send(self, message: Message) -> None:
        body = json.dumps(message.data, default=str, separators=(",", ":")).encode()
        now = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP: str(now),
            SIGNATURE: sign(self.secret, now, body),
        }
        try:
            answer = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(redact(f"webhook: {type(exc).__name__}: {exc}")) from None
        if answer.status_code >= 300:
            raise DeliveryError(f"webhook: HTTP {answer.status_code}")


@dataclass(frozen=True)
class AppriseUrl:
    """Any service apprise knows, by its URL (``slack://...``, ``mailto://...``, ``json://...``)."""

    url: str

    def send(self, message: Message) -> None:
        import apprise  # imported when a notice goes out: apprise loads ~100 plugins

        sender = apprise.Apprise()
        if not sender.add(self.url):
            raise DeliveryError(redact(f"apprise does not understand the URL '{self.url}'"))
        if not sender.notify(title=message.title, body=message.body):
            raise DeliveryError(redact(f"apprise could not deliver to '{self.url}'"))


@dataclass(frozen=True)
class GitHubIssue:
    """A GitHub issue through the feedback delivery: the alert is filed as a report (``file``
    writes it), and the feedback job creates, deduplicates and retries the issue."""

    file: Callable[[str, str, str], object]  # (title, text, severity)
    enabled: bool
    severity: str = "high"

    def send(self, message: Message) -> None:
        if not self.enabled:
            raise DeliveryError(
                "github: this server has no GitHub to file issues in (set github_repository "
                "and github_token)"
            )
        self.file(message.title, message.body, self.severity)


Provider = Webhook | AppriseUrl | GitHubIssue
