"""The judging process's handle on the sandbox: send a run, get plain data back, never hang."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from typing import Any

from o11y_course.sandbox.limits import Limits
from o11y_course.sandbox.runner import run_spawned

START_ENV = "O11Y_SANDBOX_START"  # "fork" (default where available) or "spawn"
GRACE_SECONDS = 30.0  # time the zygote itself may take beyond a run's own timeout
# Sandbox processes start in the folder that holds the o11y_course package: ``python -m`` puts its
# working directory first on sys.path, and the caller's (perhaps a submission) must never be there.
SAFE_CWD = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Sandbox:
    """Runs learner code in bounded children forked from one pre-warmed zygote process."""

    def __init__(self, protected_dirs: list[str] | None = None, preload: tuple[str, ...] = ()):
        self.protected_dirs = [os.path.abspath(p) for p in protected_dirs or []]
        wanted = os.environ.get(START_ENV, "fork" if hasattr(os, "fork") else "spawn")
        self.mode = "fork" if wanted == "fork" and hasattr(os, "fork") else "spawn"
        self._zygote: subprocess.Popen[bytes] | None = None
        self.preload = tuple(preload)  # modules the zygote imports beyond the base stack
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the zygote now (it imports the stack while the caller does other work)."""
        if self.mode == "fork" and (self._zygote is None or self._zygote.poll() is not None):
            env = {**os.environ, "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1"}
            self._zygote = subprocess.Popen(
                [sys.executable, "-m", "o11y_course.sandbox.zygote", *self.preload],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None if os.environ.get("O11Y_DEBUG") else subprocess.DEVNULL,
                env=env,
                cwd=SAFE_CWD,
                start_new_session=True,
            )

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
        with self._lock:
            if self.mode == "spawn":
                return run_spawned(request)
            return self._run_in_zygote(request, limits.timeout + GRACE_SECONDS)

    def _run_in_zygote(self, request: dict[str, Any], wait: float) -> dict[str, Any]:
        self.start()
        zygote = self._zygote
        assert zygote is not None and zygote.stdin is not None and zygote.stdout is not None
        try:
            zygote.stdin.write((json.dumps(request) + "\n").encode())
            zygote.stdin.flush()
            ready, _, _ = select.select([zygote.stdout], [], [], wait)
            line = zygote.stdout.readline() if ready else b""
        except (BrokenPipeError, OSError):
            line = b""
        if not line:
            self._kill_zygote()
            return {"error": {"kind": "sandbox-died", "phase": None}, "output": ""}
        return json.loads(line)

    def _kill_zygote(self) -> None:
        if self._zygote is not None:
            try:
                os.killpg(self._zygote.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            self._zygote.wait()
            self._zygote = None

    def close(self) -> None:
        """Stop the zygote; it takes its remaining children with it."""
        zygote, self._zygote = self._zygote, None
        if zygote is None:
            return
        try:
            if zygote.stdin:
                zygote.stdin.close()
            zygote.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            self._zygote = zygote
            self._kill_zygote()
        finally:
            if zygote.stdout:
                zygote.stdout.close()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
