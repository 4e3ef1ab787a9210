"""The timing network backend on real loopback sockets (no HTTP server needed)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpcore
import pytest

from assay.checks.http.timings import Exchange, TimedBackend, TimedStream


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock


def test_timed_backend_times_dns_and_connect_and_records_the_peer(
    listener: socket.socket,
) -> None:
    port = listener.getsockname()[1]
    exchange = Exchange()
    exchange.begin()
    try:
        stream = TimedBackend(httpcore.SyncBackend()).connect_tcp("localhost", port, timeout=5)
    finally:
        exchange.end()
    try:
        assert isinstance(stream, TimedStream)
        assert exchange.peer in ("127.0.0.1", "::1")
        assert exchange.dns > 0 and exchange.connect > 0
    finally:
        stream.close()


def test_timed_stream_asks_the_socket_for_its_peer_once(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    stream = TimedBackend(httpcore.SyncBackend()).connect_tcp("127.0.0.1", port, timeout=5)
    first = stream.get_extra_info("server_addr")
    assert first == ("127.0.0.1", port)
    sock = stream.get_extra_info("socket")
    sock.close()  # getpeername() on it would now fail: only a kept answer can come back
    assert stream.get_extra_info("server_addr") == first
    stream.close()


def test_timed_backend_without_a_current_exchange_still_connects(
    listener: socket.socket,
) -> None:
    port = listener.getsockname()[1]
    stream = TimedBackend(httpcore.SyncBackend()).connect_tcp("127.0.0.1", port, timeout=5)
    stream.write(b"ping", timeout=5)
    conn, _ = listener.accept()
    with conn:
        assert conn.recv(4) == b"ping"
    stream.close()


def test_timed_backend_unresolvable_name_is_a_connect_error() -> None:
    with pytest.raises(httpcore.ConnectError):
        TimedBackend(httpcore.SyncBackend()).connect_tcp("no-such-host.invalid", 80, timeout=2)
