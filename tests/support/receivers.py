"""Where the tests' alerts arrive: a webhook receiver that checks assay's signatures and
records every request (apprise's ``json://`` posts here too), and an SMTP server."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

from assay.server.monitors.providers import verify
from tests.support.http_service import HttpService
from tests.support.ports import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signed: bool | None  # None when the receiver knows no secret for the path

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A real HTTP server; ``secret`` signs ``/signed``, ``fail`` answers 503 that often."""

    secret: str = "receiver-secret-0123456789"
    received: list[Received] = field(default_factory=list)
    fail: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(path: str, request: Request) -> Response:
            body = await request.body()
            signed = verify(self.secret, dict(request.headers), body) if path == "signed" else None
            with self.lock:
                self.received.append(Received(path, dict(request.headers), body, signed))
                if self.fail > 0:
                    self.fail -= 1
                    return Response(status_code=503)
            return Response(status_code=204 if signed is not False else 401)

        self.service = HttpService(app=app)
        self.url = self.service.url

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def close(self) -> None:
        self.service.stop()


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    content: bytes


class SmtpServer:
    """aiosmtpd on a free loopback port; ``mails`` is every message it accepted."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                outer.mails.append(
                    Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
                )
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def url(self, to: str = "ops@example.com") -> str:
        """An apprise mailto:// URL that sends here, in plain SMTP."""
        return f"mailto://127.0.0.1:{self.port}?from=assay@example.com&to={to}&secure=no"

    def close(self) -> None:
        self.controller.stop()
