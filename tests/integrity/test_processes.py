"""Submissions that start processes meant to outlive grading: refused, or killed and reported; none survives."""

from __future__ import annotations

from pathlib import Path

from tests.integrity.conftest import assert_verdict, is_running, processes_running

SLEEP = ("sleep", "4242")
RUNS = 6  # sandbox runs for one exercise: its checks share six distinct scenarios, none cached after an import-time crash

FORK_AND_DETACH = '''
import os
import time

_pid = os.fork()
if _pid == 0:
    os.setsid()
    with open(os.path.join({markers!r}, str(os.getpid())), "w") as _handle:
        _handle.write("forked")
    time.sleep(4242)
'''

# libc's fork() raises no audit event, so the guard cannot refuse it: the run must still end with no
# survivor. The parent waits until the detached process has written its pid file, so it surely existed.
NATIVE_FORK = '''
import ctypes as _ctypes
import os as _os
import time as _time

_libc = _ctypes.CDLL(None)
_me = _os.getpid()
_pid = _libc.fork()
if _pid == 0:
    _libc.setsid()
    if {daemon!r}:  # fork again and let the middle process exit, as a daemon does
        if _libc.fork() != 0:
            _os._exit(0)
    with open(_os.path.join({markers!r}, f"{{_me}}-{{_os.getpid()}}"), "w") as _handle:
        _handle.write("forked")
    _time.sleep(4242)
    _os._exit(0)
for _ in range(300):
    if any(_name.startswith(f"{{_me}}-") for _name in _os.listdir({markers!r})):
        break
    _time.sleep(0.01)
'''


def pids_in(markers: Path) -> list[int]:
    """The pids that hostile processes wrote into ``markers`` (as ``<parent>-<pid>`` or ``<pid>``)."""
    return [int(entry.name.rsplit("-", 1)[-1]) for entry in markers.iterdir()]


def test_subprocess_popen_is_refused(make_submission, grade_submission):
    """subprocess.Popen(["sleep", "4242"], start_new_session=True) at import is refused: 0 points, every check errors saying so, no sleep runs."""
    before = set(processes_running(*SLEEP))
    source = f"import subprocess\n\nsubprocess.Popen({list(SLEEP)!r}, start_new_session=True)\n"
    report = grade_submission(make_submission(source))
    assert_verdict(report, score=0, status="error", fragment="starting processes (subprocess.Popen) is not allowed while grading")
    assert set(processes_running(*SLEEP)) <= before


def test_os_fork_and_setsid_is_refused(make_submission, grade_submission, marker_dir):
    """os.fork() + os.setsid() + sleep at import is refused: 0 points, every check errors saying so, and no child ever ran."""
    report = grade_submission(make_submission(FORK_AND_DETACH.format(markers=str(marker_dir))))
    assert_verdict(report, score=0, status="error", fragment="starting processes (os.fork) is not allowed while grading")
    assert pids_in(marker_dir) == []


def test_native_fork_is_killed_and_reported(make_submission, grade_submission, reference_source, marker_dir):
    """A correct app that forks a detached sleeper through ctypes at import scores 0: each run's sleeper is killed and every check errors saying so."""
    report = grade_submission(make_submission(reference_source + NATIVE_FORK.format(daemon=False, markers=str(marker_dir))))
    assert_verdict(report, score=0, status="error", fragment="Your code started 1 process by getting around the grader's guard")
    pids = pids_in(marker_dir)
    assert len(pids) == RUNS, "each run's sleeper should have written its pid file"
    assert [pid for pid in pids if is_running(pid)] == []


def test_native_daemon_is_killed_and_reported(make_submission, grade_submission, reference_source, marker_dir):
    """A correct app that daemonizes through ctypes (fork, setsid, fork, parent exits) scores 0: the orphaned daemons are killed and reported."""
    report = grade_submission(make_submission(reference_source + NATIVE_FORK.format(daemon=True, markers=str(marker_dir))))
    assert_verdict(report, score=0, status="error", fragment="Your code started 2 processes by getting around the grader's guard")
    pids = pids_in(marker_dir)
    assert len(pids) == RUNS, "each run's daemon should have written its pid file"
    assert [pid for pid in pids if is_running(pid)] == []
