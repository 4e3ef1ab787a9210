"""A real HTTP front (for moto, or any server) that misbehaves on request: throttles,
delays, drops.

Requests whose path contains a configured marker are answered with 503 SlowDown a number of
times, delayed, have their connection closed without an answer, or are forwarded and then
have the answer swallowed (the upstream did the work; the client never hears of it);
everything else is forwarded unchanged. It also records the peak number of requests in
flight.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


@dataclass
class Behaviour:
    throttle: dict[str, int] = field(default_factory=dict)  # marker -> 503s left
    delay: dict[str, float] = field(default_factory=dict)  # marker -> seconds
    drop: set[str] = field(default_factory=set)  # markers whose connections are closed
    swallow: dict[str, int] = field(default_factory=dict)  # marker -> answers to swallow
    inflight: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    delayed: dict[str, threading.Event] = field(default_factory=dict)  # marker -> arrived

    def delay_arrival(self, marker: str) -> threading.Event:
        """Set once a request that ``delay`` holds for ``marker`` has arrived."""
        with self.lock:
            return self.delayed.setdefault(marker, threading.Event())


class FlakyS3:
    def __init__(self, upstream: str) -> None:
        self.behaviour = Behaviour()
        up = urlsplit(upstream)
        behaviour = self.behaviour

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with behaviour.lock:
                    behaviour.inflight += 1
                    behaviour.peak = max(behaviour.peak, behaviour.inflight)
                    marker = next(
                        (
                            m
                            for m in behaviour.throttle
                            if m in self.path and behaviour.throttle[m] > 0
                        ),
                        None,
                    )
                    if marker:
                        behaviour.throttle[marker] -= 1
                    delay = max(
                        (s for m, s in behaviour.delay.items() if m in self.path), default=0.0
                    )
                    drop = any(m in self.path for m in behaviour.drop)
                    swallow = next(
                        (m for m, n in behaviour.swallow.items() if m in self.path and n > 0),
                        None,
                    )
                    if swallow and not marker:
                        behaviour.swallow[swallow] -= 1
                try:
                    if delay:
                        for m in behaviour.delay:
                            if m in self.path:
                                behaviour.delay_arrival(m).set()
                        time.sleep(delay)
                    if drop:
                        self.close_connection = True
                        self.connection.close()
                        return
                    if marker:
                        self.send_response(503)
                        self.send_header("Content-Type", "application/xml")
                        self.send_header("Content-Length", str(len(SLOW_DOWN)))
                        self.end_headers()
                        self.wfile.write(SLOW_DOWN)
                        return
                    conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    headers["Host"] = f"{up.hostname}:{up.port}"
                    conn.request(self.command, self.path, body=body, headers=headers)
                    reply = conn.getresponse()
                    data = reply.read()
                    conn.close()
                    if swallow:
                        self.close_connection = True
                        self.connection.close()
                        return
                    self.send_response(reply.status)
                    for key, value in reply.getheaders():
                        if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    with behaviour.lock:
                        behaviour.inflight -= 1

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                return  # clients that hang up (timeouts under test) are expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
