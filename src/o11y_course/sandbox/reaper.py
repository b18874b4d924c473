"""Killing a sandbox child together with every process it started."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def _children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc; empty elsewhere)."""
    listed = _listed_children(pid)
    if listed is not None:
        return listed
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the fields follow the last ')'.
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _listed_children(pid: int) -> list[int] | None:
    """Children of ``pid`` from ``/proc/PID/task/*/children`` (one small read per thread instead of a
    scan of every process); ``None`` where the kernel does not offer that file."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        found: list[int] = []
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
        return found
    except (OSError, ValueError):
        return None


def _reap_zombies() -> set[int]:
    """Reap every child that has already ended; returns their pids."""
    reaped: set[int] = set()
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            return reaped
        reaped.add(pid)


def kill_group(pgid: int) -> None:
    """SIGKILL a whole process group, ignoring one that is already gone."""
    for kill in (os.killpg, os.kill):  # os.kill too: the child may not have become a group leader yet
        try:
            kill(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def sweep_orphans(rounds: int = 50) -> int:
    """Kill and reap every remaining child of this (sub-reaper) process; returns how many there were.

    Call it after the sandbox child itself has been reaped: every process counted here was started
    by learner code (and outlived the run or its process group), never by the grader.
    """
    found: set[int] = set()
    me = os.getpid()
    for _ in range(rounds):
        found |= _reap_zombies()
        children = _children_of(me)
        if not children:
            break
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                found.add(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    found |= _reap_zombies()
    return len(found)
