"""Zygote pools: a driver that keeps much prepared data (the drills) forks from a zygote of its own."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from o11y_course.drivers.drill_runner import DRIVER as DRILL_DRIVER
from o11y_course.sandbox.client import Sandbox
from o11y_course.sandbox.limits import Limits
from o11y_course.sandbox.pools import MAIN_POOL, pool_of
from o11y_course.scenario import FILES_DRIVER
from tests.conftest import REPO

DRILLS = str(REPO / "reference" / "advanced" / "03-incident-drill")
PROVIDED = {"incident.py": str(REPO / "exercises" / "advanced" / "03-incident-drill" / "incident.py")}
PILLARS = str(REPO / "reference" / "beginner" / "01-identify-the-pillar")
DRILL_POOL = "o11y_course.drivers.drill_runner"
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


def test_a_dead_drill_zygote_is_reported_then_replaced(sandbox):
    """A drill zygote that dies fails the run in progress as sandbox-died; the next run starts a new
    one, and the main zygote goes on untouched."""
    assert seeds_of(drills(sandbox, [5])) == [5]
    pids = sandbox.zygote_pids()
    os.kill(pids[DRILL_POOL], signal.SIGKILL)
    outcome = finishes(lambda: drills(sandbox, [5]))
    assert outcome["error"]["kind"] == "sandbox-died"
    assert finishes(lambda: seeds_of(drills(sandbox, [5]))) == [5]
    now = sandbox.zygote_pids()
    assert now[MAIN_POOL] == pids[MAIN_POOL] and now[DRILL_POOL] != pids[DRILL_POOL]


def test_close_ends_every_zygote(sandbox):
    drills(sandbox, [7])
    pids = list(sandbox.zygote_pids().values())
    assert len(pids) == 2
    sandbox.close()
    assert sandbox.zygote_pids() == {}
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
