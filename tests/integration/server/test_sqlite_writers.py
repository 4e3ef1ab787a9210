"""SQLite writers queue across threads and processes (db/writers.py), and give up waiting
after the timeout so that a stuck process cannot block the others for ever."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.server.db.writers import WriterQueue

HOLDER = textwrap.dedent(
    """
    import sys
    from assay.server.db.writers import WriterQueue
    queue = WriterQueue(sys.argv[1], 30)
    with queue.hold():
        print("held", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
    """
)


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the writer lock of ``tmp_path/db`` until told to stop."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.communicate(timeout=10)  # reaps it and closes its pipes


def test_writer_queue_is_reentrant_in_a_thread(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "db"), 5)
    with queue.hold(), queue.hold():
        pass
    with queue.hold():  # released fully: taken again at once
        pass
    queue.close()


def test_writer_queue_waits_for_another_process(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    queue = WriterQueue(str(tmp_path / "db"), 30)
    got = threading.Event()

    def write() -> None:
        with queue.hold():
            got.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not got.wait(0.3), "the lock was taken while another process held it"
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    thread.join(30)
    assert got.is_set()
    queue.close()


def test_writer_queue_gives_up_after_its_timeout(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    queue = WriterQueue(str(tmp_path / "db"), 0.2)
    with queue.hold():  # goes ahead (SQLite's busy timeout then decides)
        assert holder.poll() is None
    queue.close()


def test_writer_queue_without_a_file_only_queues_threads() -> None:
    queue = WriterQueue(None, 1)
    with queue.hold(), queue.hold():
        pass
