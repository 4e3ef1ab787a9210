"""``tcp.connect``: whether a TCP port accepts connections, and how fast."""

from __future__ import annotations

import socket

from pydantic import Field

from assay.checks.net.errors import Clock, from_socket_error, ms
from assay.checks.net.params import MaybeText, NetKind, NetParams, Port
from assay.checks.net.target import endpoint, timeout_of
from assay.core.checks import CheckCall, Observation


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """An open TCP connection (IPv4 or IPv6, whichever answers first)."""
    return socket.create_connection((host, port), timeout=timeout)


class TcpParams(NetParams):
    host: MaybeText = Field(
        None, description="Host name or IP (default: the target's host or base_url)."
    )
    port: Port = Field(
        None, description="TCP port (default: the port of an http target's base_url)."
    )


class TcpConnect(NetKind[TcpParams]):
    name = "tcp.connect"
    description = "Open a TCP connection to host:port (a refused port is ConnectionRefused)."
    target_types = ("net", "http")
    params_model = TcpParams

    def run(self, call: CheckCall) -> Observation:
        p = self.parse(call)
        where = endpoint(call.target, p.host, p.port, None)
        clock = Clock()
        try:
            sock = connect(where.host, where.port, timeout_of(call.target, call.timeout))
        except OSError as exc:
            return from_socket_error(exc, where.host, where.port, clock)
        with sock:
            clock.lap("connect")
            ip = str(sock.getpeername()[0])
        timings = clock.total()
        return Observation(
            success=True,
            message=f"connected to {where.host}:{where.port} ({ip})",
            data={"host": where.host, "port": where.port, "ip": ip, "connected": True},
            timings=timings,
            context={"CONNECTED": True, "IP": ip, "RESPONSE_TIME": ms(timings["connect"])},
        )
