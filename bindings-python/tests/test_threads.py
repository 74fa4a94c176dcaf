"""Threads: the GIL is released while the engine and the store work, and a Casebook is
safe to share between threads."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest

import casekit
from helpers import IRIS, SAM, book


def _batch(n: int) -> List[Dict[str, Any]]:
    items: List[Dict[str, Any]] = []
    for i in range(n):
        cid = str(uuid.uuid4())
        items.append({"command": {"type": "open_case", "case_id": cid, "program": "housing", "client": {"name": "Client %d" % i}}})
        items.append({"case_id": cid, "command": {"type": "add_note", "text": "First contact with client %d." % i}})
    return items


def _progress_during(call: Any) -> tuple[int, float]:
    """How often a Python loop on this thread ran while `call` ran on another thread."""
    done = threading.Event()
    errors: List[BaseException] = []
    elapsed: List[float] = []

    def worker() -> None:
        t0 = time.perf_counter()
        try:
            call()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            elapsed.append(time.perf_counter() - t0)
            done.set()

    counter = 0
    t = threading.Thread(target=worker)
    t.start()
    while not done.is_set():
        counter += 1
    t.join()
    assert not errors, errors
    return counter, elapsed[0]


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_other_threads_run_while_a_batch_commits(store: str, tmp_path: Path) -> None:
    b = book() if store == "memory" else casekit.Casebook.open(tmp_path / "cases.db")
    items = _batch(15_000)
    # The items are converted with the GIL held; the engine and the store then run
    # without it, and this thread's loop keeps counting meanwhile.
    counter, seconds = _progress_during(lambda: b.execute_batch(IRIS, items))
    assert b.list(SAM, limit=1000).items, "the batch committed"
    assert seconds > 0.05
    assert counter > 50_000, "the calling thread held the GIL: only %d iterations in %.2fs" % (counter, seconds)


def test_threads_share_one_casebook(tmp_path: Path) -> None:
    b = casekit.Casebook.open(tmp_path / "shared.db")
    per_thread = 60
    failures: List[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(per_thread):
                c = b.open_case(IRIS, program="housing", client={"name": "T%d-%d" % (n, i)})
                b.add_note(IRIS, c.case_id, text="note from thread %d" % n, expected_version=1)
                b.complete_intake(IRIS, c.case_id, eligible=True, expected_version=2)
        except BaseException as e:  # noqa: BLE001
            failures.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    page = b.list(SAM, phase="assessment", limit=1000)
    assert len(page.items) == 4 * per_thread
    assert all(s.version == 3 for s in page.items)
    log = b.read_log(limit=10_000)
    assert [e.position for e in log] == list(range(1, 3 * 4 * per_thread + 1))


def test_concurrent_writers_on_one_case_retry_or_conflict_cleanly() -> None:
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Shared"})
    outcomes: List[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            try:
                b.add_note(IRIS, c.case_id, text="busy")
                result = "ok"
            except casekit.ConflictError:
                result = "conflict"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    view = b.get(SAM, c.case_id)
    assert view.version == 1 + outcomes.count("ok")
    assert b.verify(SAM, c.case_id).valid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_can_drop_or_use_its_parents_store(tmp_path: Path) -> None:
    # A large batch starts the SQLite store's appender thread. A child forked after it
    # has no such thread (only the forking thread survives a fork): dropping the store
    # there must not wait for it (or fail), and an import there must not hand it work
    # nobody will do. Each runs in a child of its own, with a deadline and its stderr
    # kept, while this process waits.
    b = casekit.Casebook.open(tmp_path / "cases.db")
    b.execute_batch(IRIS, _batch(40))

    def in_child(name: str, work: Any) -> str:
        err = tmp_path / (name + ".stderr")
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(fd, 2)
                work()
                code = 0
            finally:
                os._exit(code)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0, "%s failed in the child: %s" % (name, err.read_text())
                return err.read_text()
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError("%s hung in the child" % name)

    def drop() -> None:
        nonlocal b
        del b
        gc.collect()

    def import_there() -> None:
        # Nothing else uses the file meanwhile: this process waits for the child.
        b.execute_batch(IRIS, _batch(40))

    assert "panicked" not in in_child("drop", drop)
    assert "panicked" not in in_child("import", import_there)
    assert len(b.list(SAM, limit=1000).items) == 80, "the child's import is in the file"
