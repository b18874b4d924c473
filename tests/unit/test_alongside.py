"""Work alongside the caller: in a forked child when the caller is single-threaded, else at once."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from o11y_course.batch.alongside import start_alongside

CHILD = """
import os, sys, time
from pathlib import Path
from o11y_course.batch.alongside import AlongsideError, start_alongside

out = Path(sys.argv[1])
def work():
    time.sleep(0.3)
    out.write_text(str(os.getpid()))
started = time.monotonic()
finish = start_alongside(work)
returned = time.monotonic() - started
assert not out.exists(), "finish() has not been called yet"
finish()
assert out.read_text() != str(os.getpid()), "the work ran in the caller"
assert returned < 0.2, f"start_alongside waited {returned:.2f} s"
def broken():
    raise ValueError("no picture today")
try:
    start_alongside(broken)()
except AlongsideError as exc:
    assert str(exc) == "ValueError: no picture today", exc
else:
    raise AssertionError("the child's failure was not raised")
print("ok")
"""


def test_a_single_threaded_caller_gets_a_child_that_works_alongside(tmp_path):
    """The work runs in another process while the caller goes on; finish() waits and raises its failure."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "pid")], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_with_other_threads_the_work_runs_at_once_in_the_caller():
    """A fork would copy only the calling thread (and locks other threads hold): the work runs right away instead."""
    gate = threading.Event()
    helper = threading.Thread(target=gate.wait, daemon=True)
    helper.start()
    try:
        ran_in: list[int] = []
        finish = start_alongside(lambda: ran_in.append(threading.get_ident()))
        assert ran_in == [threading.get_ident()]
        finish()
        with pytest.raises(ZeroDivisionError):
            start_alongside(lambda: 1 / 0)
    finally:
        gate.set()
        helper.join()
