"""``endpoint: embedded``: moto's S3 server in-process on a free loopback port."""

from __future__ import annotations

import logging
import threading
from typing import Any

_lock = threading.Lock()


class EmbeddedMoto:
    """A ThreadedMotoServer bound to 127.0.0.1 on a port the OS picks."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        # werkzeug logs every request at INFO; assay has its own step log
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server: Any = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        with _lock:
            self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()
