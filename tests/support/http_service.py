"""A real HTTP service for the ``http`` family's tests, plus a raw socket that misbehaves.

``HttpService`` serves a FastAPI app with uvicorn in a background thread on a free loopback
port, over TLS when given ``TlsFiles`` (a throw-away CA, a server certificate for 127.0.0.1
and a client certificate, made with ``cryptography``). ``RawSocketServer`` speaks no HTTP: on ``/drop`` it reads the request and closes the
connection without answering; on anything else it answers with bytes that are not HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ipaddress
import secrets
import socket
import ssl
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

USER, PASSWORD = "alice", "wonderland-pass-42"
STATIC_TOKEN = "static-token-0123456789"
API_KEY = "api-key-9876543210"


def _unauthorised(scheme: str) -> JSONResponse:
    return JSONResponse(
        {"error": "unauthorised"}, status_code=401, headers={"WWW-Authenticate": scheme}
    )


def build_app() -> FastAPI:
    """The app; its mutable state lives in ``app.state`` (tokens, 503 counters)."""
    app = FastAPI()
    app.state.tokens = {STATIC_TOKEN: USER}
    app.state.unavailable = Counter()

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": "1.2.3", "checks": [{"name": "db", "healthy": True}]}

    @app.get("/health/detailed")
    def detailed() -> dict[str, Any]:
        return {
            "status": "ok",
            "uptime_seconds": 1234,
            "components": {
                "database": {"status": "ok", "latency_ms": 3},
                "cache": {"status": "ok", "hit_ratio": 0.93},
                "queue": {"status": "degraded", "backlog": 17},
            },
        }

    @app.get("/health/database")
    def database() -> dict[str, Any]:
        return {"status": "ok", "connections": {"active": 4, "idle": 6, "max": 20}}

    @app.get("/health/jobs")
    def jobs() -> dict[str, Any]:
        return {"status": "ok", "jobs": [{"name": "cleanup", "last_run": "2024-05-01T00:00:00Z"}]}

    @app.get("/slow")
    async def slow(delay: float = 1.0) -> dict[str, Any]:
        await asyncio.sleep(delay)
        return {"slept": delay}

    @app.get("/fail")
    def fail() -> JSONResponse:
        return JSONResponse({"error": "database unavailable"}, status_code=500)

    @app.get("/unavailable")
    def unavailable(key: str, times: int = 2) -> JSONResponse:
        app.state.unavailable[key] += 1
        if app.state.unavailable[key] <= times:
            return JSONResponse({"error": "warming up"}, status_code=503)
        return JSONResponse({"status": "ok", "calls": app.state.unavailable[key]})

    @app.get("/malformed")
    def malformed() -> Response:
        return Response(b'{"status": "ok", oops', media_type="application/json")

    @app.get("/redirect")
    def redirect() -> RedirectResponse:
        return RedirectResponse("/health", status_code=302)

    @app.get("/basic")
    def basic(request: Request) -> Any:
        expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return _unauthorised('Basic realm="test"')
        return {"user": USER}

    @app.post("/login")
    async def login(request: Request) -> Any:
        form = await request.json()
        if form.get("user") != USER or form.get("password") != PASSWORD:
            return _unauthorised("Bearer")
        token = f"tok-{secrets.token_hex(12)}"
        app.state.tokens[token] = USER
        return {"token": token}

    @app.get("/me")
    def me(request: Request) -> Any:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in app.state.tokens:
            return _unauthorised("Bearer")
        return {"user": app.state.tokens[token]}

    @app.get("/apikey")
    def apikey(request: Request) -> Any:
        if request.headers.get("x-api-key") != API_KEY:
            return _unauthorised("ApiKey")
        return {"key": "accepted"}

    @app.api_route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(request: Request) -> dict[str, Any]:
        raw = await request.body()
        return {
            "method": request.method,
            "headers": dict(request.headers),
            "query": dict(request.query_params),
            "body": raw.decode("utf-8", errors="replace"),
        }

    return app


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: a CA, a server certificate it signed for 127.0.0.1, and a client's."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _issue(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[x509.Name, Any] | None
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, signer = issuer or (name, key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is not None:
        ip = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([ip]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def make_tls_files(folder: Path) -> TlsFiles:
    """A throw-away PKI in ``folder``."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _issue("assay test CA", ca_key, None)
    files = TlsFiles(*(folder / n for n in ("ca.pem", "srv.pem", "srv.key", "cli.pem", "cli.key")))
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for cert_path, key_path, subject in (
        (files.server_cert, files.server_key, "127.0.0.1"),
        (files.client_cert, files.client_key, "assay client"),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(subject, key, (ca.subject, ca_key))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return files


class HttpService:
    """The app on 127.0.0.1 and a free port, served by uvicorn in a thread."""

    def __init__(
        self,
        tls: TlsFiles | None = None,
        client_certs: bool = False,
        app: Any = None,
        lifespan: str = "off",
        port: int = 0,
    ) -> None:
        self.app = build_app() if app is None else app
        options: dict[str, Any] = {}
        if tls is not None:
            options = {"ssl_certfile": str(tls.server_cert), "ssl_keyfile": str(tls.server_key)}
            if client_certs:
                options |= {"ssl_ca_certs": str(tls.ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan=lifespan,
            ws="none",
            # a test that leaves a slow request open must not hold the shutdown for long
            timeout_graceful_shutdown=1,
            **options,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="http-service", daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the test HTTP service did not start")
            self.thread.join(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class RawSocketServer:
    """Accepts connections and answers nothing usable: ``/drop`` closes, else garbage."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="raw-socket", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    request = conn.recv(65536)
                    if b" /drop" not in request.split(b"\r\n", 1)[0]:
                        conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")
                except OSError:
                    pass

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()
