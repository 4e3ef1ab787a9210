"""``endpoint: embedded``: moto's server in-process on a free loopback port.

One server answers every service moto implements (S3, DynamoDB, SQS, IAM, CloudFormation...).
moto keeps its state per process, not per server: every embedded target of a run, whatever
its family, sees the same buckets, tables and stacks.

moto's CloudFormation logs and warns about every resource type it cannot create; assay
reports those itself (``stacks.deploy`` lists resources without a physical id), so the
embedded server keeps them, and werkzeug's per-request lines, out of the user's terminal.
"""

from __future__ import annotations

import logging
import threading
import warnings
from typing import Any

_lock = threading.Lock()
# moto accepts any keys; these are what an embedded target uses when the suite gives none
EMBEDDED_CREDENTIAL = {"access_key": "assay-embedded", "secret_key": "assay-embedded-secret"}


class _Unsupported(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No Moto CloudFormation support")


class EmbeddedMoto:
    """A ThreadedMotoServer bound to 127.0.0.1 on a port the OS picks."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        # werkzeug logs every request at INFO, and moto's own crashes with a traceback; assay
        # has its own step log and reports the 500 those crashes answer
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        moto_log = logging.getLogger("moto")
        if not any(isinstance(f, _Unsupported) for f in moto_log.filters):
            moto_log.addFilter(_Unsupported())
        warnings.filterwarnings("ignore", "Tried to parse .* not supported", UserWarning)
        self._server: Any = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        with _lock:
            self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()
