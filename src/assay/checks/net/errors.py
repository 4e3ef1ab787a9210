"""The one boundary where socket errors become observations of the net kinds.

A refused port, a timeout or an unknown host is an answer about the host under test, not a
broken target: none of them is ``unreachable``, so ``expect: {error: ConnectionRefused}``
and ``success: false`` can ask for them. Timeouts are transient (worth a retry).
"""

from __future__ import annotations

import socket
import time
from typing import Any

from assay.core.checks import Observation

REFUSED = "ConnectionRefused"
TIMEOUT = "Timeout"
HOST_NOT_FOUND = "HostNotFound"
CONNECTION_ERROR = "ConnectionError"


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded to microseconds."""
    return round(seconds * 1000, 3)


class Clock:
    """Named intervals of one check, in seconds."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self._mark = self.started
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> float:
        """Record the time since the previous lap under ``name``."""
        now = time.perf_counter()
        self.timings[name] = now - self._mark
        self._mark = now
        return self.timings[name]

    def total(self) -> dict[str, float]:
        """The laps plus ``total``."""
        self.timings["total"] = time.perf_counter() - self.started
        return self.timings


def from_socket_error(
    exc: OSError, host: str, port: int, clock: Clock, data: dict[str, Any] | None = None
) -> Observation:
    """An unsuccessful observation for a connection that could not be made."""
    where = f"{host}:{port}"
    if isinstance(exc, ConnectionRefusedError):
        code, message, transient = REFUSED, f"{where} refused the connection", False
    elif isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError since 3.10
        code, message, transient = TIMEOUT, f"no connection to {where} in time", True
    elif isinstance(exc, socket.gaierror):
        code = HOST_NOT_FOUND
        message = f"cannot resolve '{host}': {exc.strerror or exc}"
        transient = exc.errno == socket.EAI_AGAIN
    else:
        code, message, transient = CONNECTION_ERROR, f"{where}: {exc}", True
    timings = clock.total()
    return Observation(
        success=False,
        error_code=code,
        message=message,
        data={"host": host, "port": port, "connected": False, **(data or {})},
        transient=transient,
        timings=timings,
        context={"CONNECTED": False, "IP": None, "RESPONSE_TIME": ms(timings["total"])},
    )
