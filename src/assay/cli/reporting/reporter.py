"""``assay run --report-to``: stream a run's results into a new session on the server.

The engine's listener only puts each finished step on a queue; a background thread spools
it (fsync'd) and uploads it in batches, retrying with backoff while the server is down,
slow or failing. At the end of the run the thread gets ``grace`` seconds to deliver what is
left and the session's final status; whatever it cannot send stays in the spool, for the
next ``assay run --report-to`` to the same server or ``assay report flush``. A second
thread meanwhile delivers spools earlier runs left for this server. Nothing here can fail
the run or change its exit code.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.cli.reporting.client import ApiClient, ReportError, ServerUnavailable, TokenRefused
from assay.cli.reporting.delivery import BATCH, Delivery, send_spool
from assay.cli.reporting.spool import FORMAT, Spool, SpoolState, list_spools, read_spool
from assay.core.events import Event, StepFinished
from assay.core.results import result_id
from assay.engine.retry import RetryPolicy

log = logging.getLogger("assay.report")


@dataclass(frozen=True)
class ReportOptions:
    url: str
    token: str
    spool_dir: Path
    grace: float = 10.0  # seconds the end of the run waits for the upload to finish
    timeout: float = 10.0  # one request
    linger: float = 0.25  # seconds to gather results into one upload while the run goes on
    backoff: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_attempts=0, base_delay=0.5, max_delay=15.0)
    )


@dataclass
class Outcome:
    """What reporting achieved, for the lines printed at the end of the run."""

    url: str
    session_id: str
    sent: int = 0
    pending: int = 0
    rejected: int = 0
    rejected_reason: str = ""
    spool: Path | None = None
    problem: str | None = None  # why something is still pending
    refused: bool = False  # the token was refused
    backlog_sent: int = 0  # results of earlier runs delivered on the side

    @property
    def complete(self) -> bool:
        return self.problem is None and self.pending == 0

    @property
    def kept(self) -> str:
        """What is still to be sent, in words."""
        if self.pending:
            return f"{self.pending} result(s)"
        return "the session's final status"


_CLOSE = object()


class Reporter:
    """An event listener that streams results to the server from a background thread."""

    def __init__(self, options: ReportOptions, session: dict[str, Any], run_id: str) -> None:
        self.options = options
        self.run_id = run_id
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.client = ApiClient(options.url, options.token, options.timeout)
        header = {"url": self.client.url, "run_id": run_id, "session": session}
        spool: Spool | None = None
        try:
            spool = Spool.create(options.spool_dir, f"{session['id']}.{run_id}", header)
            state = spool.read()
        except OSError as exc:  # reporting goes on from memory, without a safety net
            state = SpoolState(Path(), header={"format": FORMAT, **header})
            problem = f"cannot write the spool in {options.spool_dir}: {exc.strerror or exc}"
        self.delivery = Delivery(state, spool, self.client)
        if spool is None:
            self.delivery.spool_error = problem
        self.outcome = Outcome(
            self.client.url, str(session["id"]), spool=spool.path if spool else None
        )
        self._deadline: float | None = None  # set when the run ends
        self._finish: dict[str, Any] | None = None  # the final status, once the run ended
        self._stuck: ReportError | None = None  # a problem retrying cannot fix
        self._oldest: float | None = None  # when the oldest result not yet sent came in
        self._fresh = 0  # results taken in since the last upload
        self._thread = threading.Thread(target=self._run, name="assay-report", daemon=True)
        self._backlog = threading.Thread(target=self._flush_backlog, name="assay-backlog")
        self._backlog.daemon = True

    def start(self) -> Reporter:
        self._thread.start()
        self._backlog.start()
        return self

    def __call__(self, event: Event) -> None:
        """The engine's listener: never blocks, never raises; the result (not changed after
        it is emitted) is turned into JSON in the reporter's thread, not the engine's."""
        if isinstance(event, StepFinished):
            self.queue.put(event.result)

    def _absorb(self, wait: float = 0.0) -> None:
        """Spool what the engine finished so far (waiting up to ``wait`` s for something),
        and the final status once the run has ended."""
        items: list[dict[str, Any]] = []
        try:
            item = self.queue.get(timeout=wait) if wait > 0 else self.queue.get_nowait()
            while True:
                if isinstance(item, tuple) and item[0] is _CLOSE:
                    self._finish = item[1]
                else:
                    rid = result_id(item.group, item.phase, item.index, item.suite, self.run_id)
                    items.append(item.to_dict() | {"id": rid})
                item = self.queue.get_nowait()
        except queue.Empty:
            pass
        if items:
            self.delivery.add(items)
            self._fresh += len(items)
            self._oldest = self._oldest or time.monotonic()
        if self._finish is not None and self.delivery.state.finish is None:
            self.delivery.finish(self._finish)

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # never let reporting break the run; the spool keeps all
            self._stuck = ReportError(f"reporting failed: {type(exc).__name__}: {exc}")

    def _wait(self, ended: bool, next_try: float) -> None:
        """Take in new results: while the run goes on, gather them for ``linger`` seconds
        (one spool write and one upload for many quick steps), never past a retry time."""
        now = time.monotonic()
        if ended:  # nothing more will come: the wait is the backoff, within the grace
            time.sleep(min(max(0.0, next_try - now), max(0.0, self._time_left())))
        elif self._oldest is not None:
            wake = max(next_try, self._oldest + self.options.linger)
            time.sleep(min(0.5, max(0.0, wake - now)))
        else:
            self._absorb(min(0.5, next_try - now) if next_try > now else 0.5)
            return
        self._absorb()

    def _loop(self) -> None:
        """Spool and send what the engine finished; back off while the server is down."""
        delivery = self.delivery
        attempt, next_try, ended = 0, 0.0, False
        while True:
            self._wait(ended, next_try)
            if not ended and self._finish is not None:
                ended, next_try = True, 0.0  # one more try at once, whatever the backoff
            if self._stuck is not None and ended:
                return
            now = time.monotonic()
            if self._stuck is not None or now < next_try:
                continue
            if not ended and (
                self._oldest is None
                or (now - self._oldest < self.options.linger and self._fresh < BATCH)
            ):
                continue  # nothing new yet, or still gathering
            self._oldest, self._fresh = None, 0
            try:
                delivery.pump(self._time_left, self._absorb)
                attempt = 0
            except ServerUnavailable as exc:
                attempt += 1
                pause = max(self.options.backoff.delay(attempt), exc.retry_after or 0.0)
                next_try = time.monotonic() + pause
                self._oldest = self._oldest or time.monotonic()  # still to send
                log.debug("reporting paused for %.1f s: %s", pause, exc)
                # at the end, a server nobody can connect to is not worth waiting for
                if self._finish is not None and (exc.unreachable or pause >= self._time_left()):
                    self._stuck = exc
            except ReportError as exc:
                self._stuck = exc
            if self._finish is None:
                continue
            if delivery.done or self._stuck is not None:
                return
            if self._time_left() <= 0:
                self._stuck = ServerUnavailable("the server did not finish in time")
                return

    def _time_left(self) -> float:
        """Seconds until the end of the grace period; unbounded while the run goes on."""
        if self._deadline is None:
            return float("inf")
        return self._deadline - time.monotonic()

    def _flush_backlog(self) -> None:
        """Deliver spools that earlier runs left for this server, while this run goes on."""
        client = ApiClient(self.options.url, self.options.token, self.options.timeout)
        try:
            for path in list_spools(self.options.spool_dir):
                if path == self.delivery.state.path or self._stuck is not None:
                    continue
                with contextlib.suppress(OSError, ValueError):
                    if read_spool(path).url != self.client.url:
                        continue
                spool = Spool.open(path)
                if spool is None:
                    continue
                try:
                    delivery = send_spool(spool, client, self._time_left)
                    self.outcome.backlog_sent += delivery.sent
                    delivery.close()
                except (ServerUnavailable, TokenRefused):
                    spool.close()
                    return  # the server is not taking results now; they keep
                except ReportError:
                    spool.close()  # this spool's session was refused; try the others
        except Exception as exc:  # best effort: never let it break the run
            log.debug("sending earlier spools stopped: %s", exc)
        finally:
            client.close()

    def close(self, status: str) -> Outcome:
        """The run ended with ``status``: deliver the rest within the grace period."""
        self._deadline = time.monotonic() + self.options.grace
        finish = {"status": status, "finished_at": datetime.now(UTC).isoformat()}
        self.queue.put((_CLOSE, finish))
        self._thread.join(self.options.grace + 1.0)
        self._backlog.join(max(0.0, self._deadline - time.monotonic()) + 0.1)
        if not self._thread.is_alive():
            with contextlib.suppress(Exception):
                self._absorb()  # if the thread died early, results still reach the spool
        return self._outcome()

    def _outcome(self) -> Outcome:
        delivery, outcome = self.delivery, self.outcome
        if self._thread.is_alive():  # a request still hangs past the grace period
            self._stuck = self._stuck or ServerUnavailable("the server did not answer in time")
        state = delivery.state
        outcome.sent = delivery.sent
        outcome.pending = len(state.pending())
        outcome.rejected = len(state.rejected)
        outcome.rejected_reason = next(iter(state.rejected.values()), "")
        if not delivery.done:
            problem = self._stuck or ServerUnavailable("the server did not answer in time")
            outcome.problem = delivery.spool_error or str(problem)
            outcome.refused = isinstance(problem, TokenRefused)
            if delivery.spool is not None and not self._thread.is_alive():
                delivery.note_failure(str(problem))
        if not self._thread.is_alive():
            delivery.close()
            self.client.close()
        if delivery.done:
            outcome.spool = None
        return outcome
