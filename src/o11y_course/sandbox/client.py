"""The judging process's handle on the sandbox: send a run, get plain data back, never hang."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from typing import Any

from o11y_course.sandbox.limits import Limits
from o11y_course.sandbox.pools import MAIN_POOL, pool_of
from o11y_course.sandbox.runner import run_spawned

START_ENV = "O11Y_SANDBOX_START"  # "fork" (default where available) or "spawn"
GRACE_SECONDS = 30.0  # time the zygote itself may take beyond a run's own timeout
PREPARE_SECONDS = 120.0  # time a prepare request may take (the drills take about 2 s)
# Sandbox processes start in the folder that holds the o11y_course package: ``python -m`` puts its
# working directory first on sys.path, and the caller's (perhaps a submission) must never be there.
SAFE_CWD = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _Zygote:
    """One zygote process and the replies to prepare requests it still owes."""

    def __init__(self, pool: str, preload: tuple[str, ...]):
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1"}
        self.owed = 0
        self._pending = bytearray()  # read from its output, not yet returned as a reply
        self.process = subprocess.Popen(
            [sys.executable, "-m", "o11y_course.sandbox.zygote", "--pool", pool, *preload],
            bufsize=0,  # replies are read from the pipe itself (select() cannot see Python's buffer)
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("O11Y_DEBUG") else subprocess.DEVNULL,
            env=env,
            cwd=SAFE_CWD,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()

    def reply(self, wait: float) -> bytes:
        """The next reply line, or b"" when none comes within ``wait`` seconds (or the zygote is gone)."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + wait
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, remaining))
            if not ready:
                return b""
            data = os.read(fd, 65536)
            if not data:
                return b""
            self._pending += data
        line, _, rest = bytes(self._pending).partition(b"\n")
        self._pending = bytearray(rest)
        return line + b"\n"

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.close_pipes()

    def close(self) -> None:
        """Close its input (it then ends, taking its remaining children with it); kill it if it lingers."""
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            self.kill()
        finally:
            self.close_pipes()

    def close_pipes(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass


class Sandbox:
    """Runs learner code in bounded children forked from pre-warmed zygote processes.

    Most drivers share the main zygote; a driver with ``OWN_ZYGOTE = True`` gets one of its own,
    started when it is first needed (or asked to prepare ahead, see ``prepare_ahead``).
    """

    def __init__(self, protected_dirs: list[str] | None = None, preload: tuple[str, ...] = ()):
        self.protected_dirs = [os.path.abspath(p) for p in protected_dirs or []]
        wanted = os.environ.get(START_ENV, "fork" if hasattr(os, "fork") else "spawn")
        self.mode = "fork" if wanted == "fork" and hasattr(os, "fork") else "spawn"
        self.preload = tuple(preload)  # modules the zygotes import beyond the base stack
        self._zygotes: dict[str, _Zygote] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()  # around the two dicts

    def zygote_pids(self) -> dict[str, int]:
        """The running zygotes' process ids, by pool."""
        return {pool: z.process.pid for pool, z in list(self._zygotes.items()) if z.alive()}

    def _lock(self, pool: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(pool, threading.Lock())

    def _zygote_of(self, pool: str) -> _Zygote:
        """The pool's running zygote, started now if it is not running (call with the pool's lock)."""
        with self._guard:
            zygote = self._zygotes.get(pool)
            if zygote is None or not zygote.alive():
                if zygote is not None:
                    zygote.close_pipes()
                zygote = self._zygotes[pool] = _Zygote(pool, self.preload if pool == MAIN_POOL else (pool,))
            return zygote

    def start(self) -> None:
        """Start the main zygote now (it imports the stack while the caller does other work)."""
        if self.mode == "fork":
            with self._lock(MAIN_POOL):
                self._zygote_of(MAIN_POOL)

    def prepare_ahead(self, driver: str, params: dict[str, Any]) -> bool:
        """Let a driver with its own zygote start it and do its ``prepare`` work now, in the
        background, while other runs go on; True when that was asked. A run of it waits for the end."""
        pool = pool_of(driver)
        if self.mode != "fork" or pool == MAIN_POOL:
            return False
        with self._lock(pool):
            zygote = self._zygote_of(pool)
            try:
                zygote.send({"op": "prepare", "driver": driver, "params": params})
            except (BrokenPipeError, OSError):
                return False
            zygote.owed += 1
        return True

    def run(
        self, exercise_dir: str, driver: str, params: dict[str, Any], limits: Limits, provided: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Run ``driver`` on the learner files in ``exercise_dir``; returns the outcome dict.

        ``provided`` maps file names to the course's copies, added to the run's folder beside the
        learner's files (for provided files the submission lacks).
        """
        request = {
            "exercise_dir": os.path.abspath(exercise_dir),
            "provided": {name: os.path.abspath(path) for name, path in (provided or {}).items()},
            "driver": driver,
            "params": params,
            "limits": limits.__dict__,
            "protected": self.protected_dirs,
        }
        if self.mode == "spawn":
            return run_spawned(request)
        pool = pool_of(driver)
        with self._lock(pool):
            return self._run_in_zygote(pool, request, limits.timeout + GRACE_SECONDS)

    def _run_in_zygote(self, pool: str, request: dict[str, Any], wait: float) -> dict[str, Any]:
        zygote = self._zygote_of(pool)
        line = b""
        try:
            while zygote.owed:  # the replies to prepare requests come first (their work may take a while)
                zygote.owed -= 1
                if not zygote.reply(wait + PREPARE_SECONDS):
                    raise OSError("no reply to a prepare request")
            zygote.send(request)
            line = zygote.reply(wait)
        except (BrokenPipeError, OSError):
            line = b""
        if not line:
            self._kill(pool)
            return {"error": {"kind": "sandbox-died", "phase": None}, "output": ""}
        return json.loads(line)

    def _kill(self, pool: str) -> None:
        with self._guard:
            zygote = self._zygotes.pop(pool, None)
        if zygote is not None:
            zygote.kill()

    def close(self) -> None:
        """Stop every zygote; each takes its remaining children with it."""
        with self._guard:
            zygotes, self._zygotes = list(self._zygotes.values()), {}
        for zygote in zygotes:
            zygote.close()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
