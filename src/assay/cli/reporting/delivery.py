"""Delivering one spool: create the session, upload what is pending, send the final status.

The spool is written before anything is sent and acknowledgements after the server
answered, so a crash anywhere leaves at worst results that are sent twice — which the
server counts as duplicates of their client ids, never stores twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assay.cli.reporting.client import ApiClient, Rejected, ReportError, SessionMissing
from assay.cli.reporting.spool import Spool, SpoolState

BATCH = 500  # results per upload; halved while the server says a batch is too big


class Delivery:
    """One session's results on their way to the server, mirrored in its spool.

    Without a spool (the spool directory could not be written) it works from memory alone;
    ``spool_error`` then says why nothing is durable.
    """

    def __init__(self, state: SpoolState, spool: Spool | None, client: ApiClient) -> None:
        self.state = state
        self.spool = spool
        self.client = client
        self.batch = BATCH
        self.spool_error: str | None = None
        self.sent = 0  # results the server acknowledged through this delivery

    def _record(self, record: dict[str, Any]) -> None:
        self.state.apply(record)
        if self.spool is None:
            return
        try:
            self.spool.append(record)
        except OSError as exc:
            self.spool_error = f"cannot write the spool {self.spool.path}: {exc.strerror}"
            self.spool.close()
            self.spool = None

    def add(self, items: list[dict[str, Any]]) -> None:
        """New results (each with its client ``id``), spooled before they are sent."""
        if items:
            self._record({"type": "results", "items": items})

    def finish(self, patch: dict[str, Any]) -> None:
        """The run ended: ``patch`` (status, finished_at) is sent after the last result."""
        self._record({"type": "finish", "patch": patch})

    def note_failure(self, error: str) -> None:
        self._record({"type": "failure", "error": error})

    @property
    def done(self) -> bool:
        return self.state.done

    def pump(
        self, time_left: Callable[[], float], before: Callable[[], None] | None = None
    ) -> None:
        """Send until delivered, until only the final status is missing (the run goes on),
        or until ``time_left()`` (seconds) runs out; a ``ReportError`` says why it stopped.
        ``before`` runs before each request (to take in results that arrived meanwhile)."""
        recreated = False
        while not self.done:
            if before is not None:
                before()
            left = time_left()
            if left <= 0:
                return
            try:
                if not self._step(left):
                    return
            except SessionMissing:
                if recreated:
                    raise
                recreated = True  # the server lost the session (a new database): again
                self.state.created = False

    def _step(self, timeout: float) -> bool:
        """One request; False when there is nothing to send right now."""
        state = self.state
        if not state.created:
            self.client.create_session(state.session, timeout)
            self._record({"type": "created"})
            return True
        pending = state.pending()
        if pending:
            batch = pending[: self.batch]
            ids = [str(item["id"]) for item in batch]
            try:
                self.client.upload(state.session_id, batch, timeout)
            except Rejected as exc:
                if len(batch) > 1:
                    self.batch = max(1, len(batch) // 2)  # too big, or one bad item in it
                else:
                    self._record({"type": "rejected", "ids": ids, "reason": str(exc)})
                return True
            self._record({"type": "acked", "ids": ids})
            self.sent += len(ids)
            return True
        if state.finish is not None and not state.finished:
            try:
                self.client.finish(state.session_id, state.finish, timeout)
            except Rejected as exc:
                self.note_failure(f"the final status was refused: {exc}")
            self._record({"type": "finished"})
            return True
        return False

    def close(self, remove_if_done: bool = True) -> None:
        """Release the spool; delete it when everything was delivered."""
        if self.spool is not None:
            if remove_if_done and self.done:
                self.spool.remove()
            else:
                self.spool.close()
            self.spool = None


def send_spool(spool: Spool, client: ApiClient, time_left: Callable[[], float]) -> Delivery:
    """Deliver an existing spool (left by an earlier run); a run that never wrote its end
    (killed) is finished as ``interrupted`` at its last record's time."""
    state = spool.read()
    delivery = Delivery(state, spool, client)
    if state.finish is None:
        delivery.finish({"status": "interrupted", "finished_at": state.last_at or None})
    try:
        delivery.pump(time_left)
    except ReportError as exc:
        delivery.note_failure(str(exc))
        raise
    return delivery
