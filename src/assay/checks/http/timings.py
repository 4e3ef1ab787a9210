"""Request timings from httpcore's ``trace`` extension.

httpcore resolves the host inside ``connect_tcp``, so ``connect`` includes DNS resolution;
assay reports no separate ``dns`` figure rather than a second, unrelated lookup. Keys, in
seconds: ``connect`` (0 when a pooled connection was reused), ``tls`` (https only),
``first_byte`` (until the final response's headers) and ``total`` (body read). Redirect hops
add up.
"""

from __future__ import annotations

import time
from typing import Any


def _address(stream: Any) -> str | None:
    """The peer IP of an httpcore network stream, if it tells."""
    try:
        addr = stream.get_extra_info("server_addr")
    except (AttributeError, OSError):
        return None
    return str(addr[0]) if isinstance(addr, tuple) and addr else None


class TraceTimer:
    """A ``trace`` callback for one exchange; ``result()`` gives the timings."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.connect = 0.0
        self.tls: float | None = None
        self.first_byte: float | None = None
        self.peer: str | None = None
        self._began: dict[str, float] = {}

    def __call__(self, name: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        # "connection.connect_tcp.started", "http11.receive_response_headers.complete"
        step, _, phase = name.partition(".")[2].rpartition(".")
        if phase == "started":
            self._began[step] = now
            return
        began = self._began.pop(step, now)
        if step == "connect_tcp":
            self.connect += now - began
            if phase == "complete":
                self.peer = _address(info.get("return_value"))
        elif step == "start_tls":
            self.tls = (self.tls or 0.0) + now - began
        elif step == "receive_response_headers" and phase == "complete":
            self.first_byte = now - self.start

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def result(self, https: bool) -> dict[str, float]:
        out = {"connect": self.connect}
        if https or self.tls is not None:
            out["tls"] = self.tls or 0.0
        if self.first_byte is not None:
            out["first_byte"] = self.first_byte
        out["total"] = self.elapsed()
        return out


def peer_address(response: Any, timer: TraceTimer) -> str | None:
    """The server's IP: from the response's connection, else from the connect trace."""
    stream = response.extensions.get("network_stream")
    return (_address(stream) if stream is not None else None) or timer.peer
