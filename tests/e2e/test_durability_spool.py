"""The reporting spool when its writer is killed with SIGKILL in the middle of an append."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from assay.cli.reporting.spool import Spool, read_spool

HEADER = {"url": "http://127.0.0.1:8787", "run_id": "r1", "session": {"id": "s1"}}


def test_spool_survives_kill_during_large_appends(tmp_path: Path) -> None:
    """A real SIGKILL of a writer: whatever it left reads back as whole records only."""
    writer = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from assay.cli.reporting.spool import Spool
        spool = Spool.create(Path({str(tmp_path)!r}), "s1.r1", {HEADER!r})
        n = 0
        while True:
            n += 1
            big = {{"id": f"r1/g/test/{{n}}", "index": n, "message": "x" * 2_000_000}}
            spool.append({{"type": "results", "items": [big]}})
            if n == 2:
                print("ready", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGKILL)  # in the middle of writing the third 2 MB record
    proc.wait(10)
    proc.stdout.close()
    path = tmp_path / "s1.r1.jsonl"
    state = read_spool(path)
    assert state.unreadable == 0
    indexes = [r["index"] for r in state.pending()]
    assert indexes == list(range(1, len(indexes) + 1)) and len(indexes) >= 2
    spool = Spool.open(path)  # cuts any torn tail; appends go on from whole records
    assert spool is not None
    spool.append({"type": "acked", "ids": [f"r1/g/test/{n}" for n in indexes]})
    spool.close()
    after = read_spool(path)
    assert after.torn == after.unreadable == 0 and after.pending() == []
