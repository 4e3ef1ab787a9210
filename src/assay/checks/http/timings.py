"""Request timings: DNS, connect and TLS from a timing network backend; first byte and total.

httpcore resolves a host name inside ``connect_tcp``. ``TimedBackend`` resolves it first, so
that DNS gets a figure of its own, then connects to each address in turn as
``socket.create_connection`` does. httpcore's synchronous pool opens a connection in the
thread that sends the request, so the backend records into the ``Exchange`` that thread is
timing (a thread-local): no per-request callbacks, and nothing at all for a pooled
connection. Keys, in seconds: ``dns`` and ``connect`` (0 when a pooled connection was
reused), ``tls`` (https only), ``first_byte`` (until the final response's headers) and
``total`` (body read). Redirect hops add up.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

_current = threading.local()


class Exchange:
    """The timings of one request; ``begin()`` makes it the calling thread's current one."""

    __slots__ = ("connect", "dns", "first_byte", "peer", "start", "tls")

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.dns = 0.0
        self.connect = 0.0
        self.tls: float | None = None
        self.first_byte: float | None = None
        self.peer: str | None = None

    def begin(self) -> None:
        _current.exchange = self

    def end(self) -> None:
        _current.exchange = None

    def headers_received(self) -> None:
        self.first_byte = time.perf_counter() - self.start

    def result(self, https: bool) -> dict[str, float]:
        out = {"dns": self.dns, "connect": self.connect}
        if https or self.tls is not None:
            out["tls"] = self.tls or 0.0
        if self.first_byte is not None:
            out["first_byte"] = self.first_byte
        out["total"] = time.perf_counter() - self.start
        return out


def _exchange() -> Exchange | None:
    return getattr(_current, "exchange", None)


def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` in the resolver's order, without repeats."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:  # socket.gaierror: httpcore's own connect_tcp maps it the same way
        raise httpcore.ConnectError(str(exc)) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class TimedStream(httpcore.NetworkStream):
    """A connection whose TLS handshake is timed; everything else passes through."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        self._server_addr: Any = None  # asked after every response: one getpeername() only

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        began = time.perf_counter()
        try:
            return TimedStream(self._inner.start_tls(ssl_context, server_hostname, timeout))
        finally:
            exchange = _exchange()
            if exchange is not None:
                exchange.tls = (exchange.tls or 0.0) + time.perf_counter() - began

    def get_extra_info(self, info: str) -> Any:
        if info != "server_addr":
            return self._inner.get_extra_info(info)
        if self._server_addr is None:
            self._server_addr = self._inner.get_extra_info(info)
        return self._server_addr


class TimedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with name resolution and connection set-up timed apart."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        exchange = _exchange()
        began = time.perf_counter()
        try:
            addresses = resolve(host, port)
        finally:
            resolved = time.perf_counter()
            if exchange is not None:
                exchange.dns += resolved - began
        error: Exception | None = None
        try:
            for address in addresses:  # each address gets the whole timeout, as in the stdlib
                try:
                    stream = self._inner.connect_tcp(
                        address, port, timeout, local_address, socket_options
                    )
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                    error = exc
                    continue
                if exchange is not None:
                    exchange.peer = address
                return TimedStream(stream)
        finally:
            if exchange is not None:
                exchange.connect += time.perf_counter() - resolved
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def time_connections(client: httpx.Client) -> None:
    """Put a ``TimedBackend`` under every connection pool of ``client`` (proxies included).

    httpx takes no network backend of its own; its transports keep their httpcore pool in
    ``_pool``. tests/integration/test_http.py checks that every figure is still measured, so
    a change of these internals fails there rather than losing timings quietly.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, TimedBackend):
            pool._network_backend = TimedBackend(backend)  # type: ignore[union-attr]


def peer_address(response: httpx.Response, exchange: Exchange) -> str | None:
    """The server's IP: from a connection opened for this request, else from the response's."""
    if exchange.peer is not None:
        return exchange.peer
    stream = response.extensions.get("network_stream")
    try:
        addr = stream.get_extra_info("server_addr") if stream is not None else None
    except (AttributeError, OSError):
        return None
    return str(addr[0]) if isinstance(addr, tuple) and addr else None
