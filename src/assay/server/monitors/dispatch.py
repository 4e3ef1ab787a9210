"""Where a monitor's run happens: the one seam between scheduling and running.

``LocalDispatcher`` runs the suite in this process, in the scheduler's thread, with the
monitor's targets kept open between runs (clients and connection pools are made once) and
a deadline: at ``timeout`` the run is cancelled, so one hanging target never holds a
thread past it. The scale-out issue adds a dispatcher that hands runs to workers elsewhere.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from assay.core.errors import AssayError
from assay.core.secrets import redact
from assay.engine import OpenTargets, RunOptions, run_suites
from assay.server.monitors.build import Monitor
from assay.server.monitors.state import Verdict
from assay.server.monitors.verdict import RunVerdict, verdict_of


class Dispatcher(Protocol):
    def run(self, monitor: Monitor) -> RunVerdict: ...

    def forget(self, name: str) -> None: ...

    def close(self) -> None: ...


class LocalDispatcher:
    """Runs monitors in this process; keeps each monitor's targets open across runs."""

    def __init__(self) -> None:
        self._targets: dict[str, tuple[Monitor, OpenTargets]] = {}
        self._lock = threading.Lock()

    def run(self, monitor: Monitor) -> RunVerdict:
        start = time.perf_counter()
        cancel = threading.Event()
        deadline = threading.Timer(monitor.spec.timeout, cancel.set)
        deadline.daemon = True
        options = RunOptions(parallel=1, timeout=monitor.spec.timeout, cancel=cancel)
        try:
            suite = monitor.suite_for_run()
            targets = None if monitor.per_run else self._opened(monitor)
            deadline.start()
            run = run_suites([suite], options, targets=targets)
        except AssayError as exc:
            ms = round((time.perf_counter() - start) * 1000, 3)
            return RunVerdict(Verdict.DOWN, redact(f"the run could not start: {exc}"), (), ms)
        finally:
            deadline.cancel()
        return verdict_of(run, monitor.degraded)

    def _opened(self, monitor: Monitor) -> OpenTargets:
        with self._lock:
            kept = self._targets.get(monitor.name)
            if kept is not None and kept[0] is monitor:
                return kept[1]
            if kept is not None:
                kept[1].close()
            targets = OpenTargets.open([monitor.suite], 1)
            self._targets[monitor.name] = (monitor, targets)
            return targets

    def forget(self, name: str) -> None:
        """Close a monitor's targets (it changed or is gone)."""
        with self._lock:
            kept = self._targets.pop(name, None)
        if kept is not None:
            kept[1].close()

    def close(self) -> None:
        with self._lock:
            kept, self._targets = list(self._targets.values()), {}
        for _, targets in kept:
            targets.close()
