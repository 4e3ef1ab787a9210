"""``endpoint: embedded``: moto's server in-process on a free loopback port.

One server answers every service moto implements (S3, DynamoDB, SQS, IAM, CloudFormation...).
moto keeps its state per process, not per server: every embedded target of a run, whatever
its family, sees the same buckets, tables and stacks.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

_lock = threading.Lock()
# moto accepts any keys; these are what an embedded target uses when the suite gives none
EMBEDDED_CREDENTIAL = {"access_key": "assay-embedded", "secret_key": "assay-embedded-secret"}


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
