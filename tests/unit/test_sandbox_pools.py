"""Zygotes: a driver that keeps much prepared data (the drills) forks from a zygote of its own, and
every zygote lives exactly as long as the judging process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from o11y_course.drivers.drill_runner import DRIVER as DRILL_DRIVER
from o11y_course.real.scraping import SERVE_DRIVER
from o11y_course.sandbox.client import Sandbox
from o11y_course.sandbox.limits import Limits
from o11y_course.sandbox.pools import MAIN_POOL, pool_of
from o11y_course.scenario import FILES_DRIVER
from tests.conftest import REPO

DRILLS = str(REPO / "reference" / "advanced" / "03-incident-drill")
PROVIDED = {"incident.py": str(REPO / "exercises" / "advanced" / "03-incident-drill" / "incident.py")}
PILLARS = str(REPO / "reference" / "beginner" / "01-identify-the-pillar")
DRILL_POOL = "o11y_course.drivers.drill_runner"
SERVE_POOL = "o11y_course.drivers.flask_serve"
METRICS_APP = str(REPO / "reference" / "beginner" / "02-metrics-endpoint")
LIMITS = Limits(timeout=20)


def anon_kib(pid: int) -> int:
    """A process's anonymous resident memory (what a fork of it copies page tables for)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise AssertionError(f"no RssAnon for {pid}")


def finishes(work, seconds: float = 60.0):
    """Run ``work()`` in a thread; fail (instead of hanging the suite) when it takes over ``seconds``."""
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the sandbox did not answer within {seconds:g} s"
    return box["value"]


def drills(sandbox: Sandbox, seeds: list[int]) -> dict:
    """Run the reference's diagnose() on ``seeds`` (with the course's incident.py beside it)."""
    return sandbox.run(DRILLS, DRILL_DRIVER, {"seeds": seeds}, LIMITS, provided=PROVIDED)


def seeds_of(outcome: dict) -> list[int]:
    assert "result" in outcome, outcome
    return [d["seed"] for d in outcome["result"]["values"]["drills"]]


@pytest.fixture
def sandbox(course):
    box = Sandbox(protected_dirs=[str(p) for p in course.protected_dirs()])
    if box.mode != "fork":
        pytest.skip("zygotes need fork")
    box.start()
    yield box
    box.close()


def test_pool_of_drivers():
    """Only a course driver that says OWN_ZYGOTE = True leaves the main zygote."""
    assert pool_of(DRILL_DRIVER) == DRILL_POOL
    assert pool_of(SERVE_DRIVER) == SERVE_POOL
    assert pool_of(FILES_DRIVER) == MAIN_POOL
    assert pool_of("o11y_course.drivers.no_such_driver:run") == MAIN_POOL
    assert pool_of("json:loads") == MAIN_POOL  # not a course driver, whatever it holds


def test_drills_fork_from_their_own_zygote(sandbox):
    """Building eight drills makes the drill zygote grow, never the main one that every other run forks."""
    assert "result" in sandbox.run(PILLARS, FILES_DRIVER, {"files": []}, LIMITS)
    main_before = anon_kib(sandbox.zygote_pids()[MAIN_POOL])
    seeds = list(range(1, 9))
    assert seeds_of(drills(sandbox, seeds)) == seeds
    pids = sandbox.zygote_pids()
    assert set(pids) == {MAIN_POOL, DRILL_POOL}
    main_after, drill_zygote = anon_kib(pids[MAIN_POOL]), anon_kib(pids[DRILL_POOL])
    assert main_after - main_before < 3 * 1024, f"the main zygote grew by {main_after - main_before} KiB"
    assert drill_zygote - main_after > 8 * 1024, f"the drill zygote holds only {drill_zygote - main_after} KiB more than the main one"


def test_an_app_waiting_to_be_scraped_does_not_hold_up_other_runs(sandbox):
    """Serving an app for Prometheus (here nobody scrapes, so it waits its full second) forks from a
    zygote of its own: runs of the main zygote go on meanwhile."""
    from o11y_course.real.ports import free_port

    serve = {"port": free_port(), "traffic": [], "scrapes": 1, "max_seconds": 1, "registry": "fresh"}
    assert "result" in sandbox.run(PILLARS, FILES_DRIVER, {"files": []}, LIMITS)
    served: dict = {}
    thread = threading.Thread(target=lambda: served.update(sandbox.run(METRICS_APP, SERVE_DRIVER, serve, LIMITS)))
    started = time.monotonic()
    thread.start()
    time.sleep(0.2)  # the app is being served
    assert "result" in sandbox.run(PILLARS, FILES_DRIVER, {"files": []}, LIMITS)
    other_run_done = time.monotonic() - started
    thread.join(30)
    assert served["result"]["values"]["scrape_statuses"] == []
    assert other_run_done < 0.9, f"the main zygote's run had to wait {other_run_done:.2f} s for the served app"
    assert set(sandbox.zygote_pids()) == {MAIN_POOL, SERVE_POOL}


def test_replies_to_prepare_requests_are_read_before_the_run(sandbox):
    """Two prepare requests ahead, then a run: each reply is consumed in order and the run gets its own
    outcome, also when both replies wait in the pipe together (the drills are built already)."""
    assert seeds_of(drills(sandbox, [11, 12, 13])) == [11, 12, 13]
    assert sandbox.prepare_ahead(DRILL_DRIVER, {"seeds": [11, 12]})
    assert sandbox.prepare_ahead(DRILL_DRIVER, {"seeds": [13]})
    time.sleep(0.5)  # the two replies arrive together
    assert finishes(lambda: seeds_of(drills(sandbox, [12, 13]))) == [12, 13]
    assert finishes(lambda: seeds_of(drills(sandbox, [11]))) == [11]


def test_the_main_zygote_is_never_asked_ahead(sandbox):
    """Preparing ahead in the main zygote would hold up the runs the checks wait for: it is refused."""
    assert not sandbox.prepare_ahead(FILES_DRIVER, {"files": []})
    assert set(sandbox.zygote_pids()) == {MAIN_POOL}


def test_a_drill_zygote_found_dead_is_replaced(sandbox):
    """A drill zygote that died between runs is started again for the next run; the main zygote goes on untouched."""
    assert seeds_of(drills(sandbox, [5])) == [5]
    pids = sandbox.zygote_pids()
    os.kill(pids[DRILL_POOL], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while DRILL_POOL in sandbox.zygote_pids():
        assert time.monotonic() < deadline, "the killed zygote still looks alive"
        time.sleep(0.02)
    assert finishes(lambda: seeds_of(drills(sandbox, [5]))) == [5]
    now = sandbox.zygote_pids()
    assert now[MAIN_POOL] == pids[MAIN_POOL] and now[DRILL_POOL] != pids[DRILL_POOL]


def test_a_drill_zygote_that_dies_during_a_run_is_reported_then_replaced(sandbox, tmp_path):
    """A drill zygote that dies while a run is in progress fails that run as sandbox-died, and the
    next run starts a new one."""
    slow = tmp_path / "slow-diagnosis"
    slow.mkdir()
    (slow / "diagnose.py").write_text("import time\n\n\ndef diagnose(evidence):\n    time.sleep(5)\n")
    assert seeds_of(drills(sandbox, [5])) == [5]
    killed = sandbox.zygote_pids()[DRILL_POOL]
    threading.Timer(1.0, os.kill, (killed, signal.SIGKILL)).start()
    outcome = finishes(lambda: sandbox.run(str(slow), DRILL_DRIVER, {"seeds": [5]}, LIMITS, provided=PROVIDED))
    assert outcome["error"]["kind"] == "sandbox-died"
    assert finishes(lambda: seeds_of(drills(sandbox, [5]))) == [5]
    assert sandbox.zygote_pids().get(DRILL_POOL) != killed, ({p: (z.process.pid, z.process.poll()) for p, z in sandbox._zygotes.items()}, killed)
    assert DRILL_POOL in sandbox.zygote_pids(), {p: (z.process.pid, z.process.poll()) for p, z in sandbox._zygotes.items()}


def test_close_ends_every_zygote(sandbox):
    drills(sandbox, [7])
    pids = list(sandbox.zygote_pids().values())
    assert len(pids) == 2
    sandbox.close()
    assert sandbox.zygote_pids() == {}
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def gone(pid: int) -> bool:
    """True when process ``pid`` has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def test_a_zygote_started_by_a_short_lived_thread_outlives_it(course):
    """Observing ahead may start a zygote from a background thread: the zygote must not end with that thread."""
    box = Sandbox(protected_dirs=[str(p) for p in course.protected_dirs()])
    if box.mode != "fork":
        pytest.skip("zygotes need fork")
    try:
        starter = threading.Thread(target=lambda: box.run(PILLARS, FILES_DRIVER, {"files": []}, LIMITS))
        starter.start()
        starter.join()
        first = box.zygote_pids()[MAIN_POOL]
        time.sleep(0.3)
        assert "result" in box.run(PILLARS, FILES_DRIVER, {"files": []}, LIMITS)
        assert box.zygote_pids()[MAIN_POOL] == first
    finally:
        box.close()


ORPHAN_SCRIPT = """
import sys, threading
from o11y_course.drivers.drill_runner import DRIVER
from o11y_course.sandbox.client import Sandbox
from o11y_course.sandbox.limits import Limits
box = Sandbox(protected_dirs=[])
box.start()
threading.Thread(target=box.run, args=(sys.argv[1], DRIVER, {"seeds": [5]}, Limits(timeout=60)), kwargs={"provided": {"incident.py": sys.argv[2]}}).start()
while "o11y_course.drivers.drill_runner" not in box.zygote_pids():
    pass
print(" ".join(str(pid) for pid in box.zygote_pids().values()), flush=True)
threading.Event().wait()
"""


def test_zygotes_end_when_the_judging_process_is_killed(tmp_path):
    """A judge killed outright takes its zygotes with it, the one busy with a long run included."""
    slow = tmp_path / "slow-diagnosis"
    slow.mkdir()
    (slow / "diagnose.py").write_text("import time\n\n\ndef diagnose(evidence):\n    time.sleep(60)\n")
    judge = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, str(slow), PROVIDED["incident.py"]], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        pids = [int(pid) for pid in judge.stdout.readline().split()]
        assert len(pids) == 2
        time.sleep(1.0)  # the drill zygote is now inside the slow run
        assert not any(gone(pid) for pid in pids)
    finally:
        judge.kill()
        judge.wait()
    deadline = time.monotonic() + 5
    while not all(gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"zygotes outlived the killed judge: {[p for p in pids if not gone(p)]}"
        time.sleep(0.05)
