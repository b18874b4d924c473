"""Running promtool on copies of rule and test files, in a fresh temporary folder, with bounds.

The judging process runs promtool itself (it is the grader's tool, not learner code), but only on
copies written to a new folder: never inside a submission. A run is bounded in wall-clock time, CPU
time and data memory, so a test file that asks for billions of samples ends as a clear result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

TIMEOUT = 30.0  # seconds of wall-clock time per run
MEMORY_MB = 512  # data segment limit; a Go program's virtual reservations are not counted
OUTPUT_CHARS = 64 * 1024  # of each stream kept for parsing


@dataclass(frozen=True)
class PromtoolRun:
    """What one promtool command printed and how it ended."""

    args: tuple[str, ...]
    returncode: int | None  # None when it was stopped at the time limit
    stdout: str
    stderr: str
    timeout: float = TIMEOUT

    @property
    def ok(self) -> bool:
        """True when promtool exited with status 0."""
        return self.returncode == 0

    @property
    def timed_out(self) -> bool:
        """True when promtool was stopped at the time limit."""
        return self.returncode is None

    @property
    def out_of_memory(self) -> bool:
        """True when promtool died because it reached the memory limit."""
        return "fatal error: out of memory" in self.stderr or "runtime: out of memory" in self.stderr


def _bounded(memory_mb: int, cpu_seconds: int) -> None:  # pragma: no cover - runs in the child after fork
    """Cap the child's data memory, CPU time and core dumps (imports nothing: it runs between fork and exec)."""
    for which, value in ((resource.RLIMIT_DATA, memory_mb * 1024 * 1024), (resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


# One thread, and no garbage collection until the heap nears half the memory cap: promtool's runs
# are short and small, and a batch already keeps every core busy. A run that keeps allocating is
# collected from there on, and still stopped at ``memory_mb``.
GO_RUNTIME = {"GOMAXPROCS": "1", "GOGC": "off"}


def go_runtime(memory_mb: int) -> dict[str, str]:
    """The Go runtime settings for a run capped at ``memory_mb``."""
    return {**GO_RUNTIME, "GOMEMLIMIT": f"{max(16, memory_mb // 2)}MiB"}


def _scratch() -> str | None:
    """A memory-backed folder where there is one: promtool's test storage then skips the disk."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _safe_name(name: str) -> str:
    if not name or os.path.basename(name) != name or name in (".", ".."):
        raise ValueError(f"promtool input files are plain file names, not {name!r}")
    return name


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:OUTPUT_CHARS]


def run_promtool(
    binary: str,
    args: Sequence[str],
    files: Mapping[str, str],
    *,
    timeout: float = TIMEOUT,
    memory_mb: int = MEMORY_MB,
) -> PromtoolRun:
    """Write ``files`` (name → text) into a new temporary folder and run ``binary *args`` there.

    The folder (in memory-backed ``/dev/shm`` where available) is the working directory, so relative
    names in ``args`` and in test files' ``rule_files`` resolve to the copies; it is removed afterwards.
    """
    folder = tempfile.mkdtemp(prefix="o11y-promtool-", dir=_scratch())
    try:
        for name, text in files.items():
            with open(os.path.join(folder, _safe_name(name)), "w", encoding="utf-8") as handle:
                handle.write(text)
        limit = sys.platform.startswith("linux") and resource is not None
        try:
            done = subprocess.run(
                [binary, *args],
                cwd=folder,
                env={"PATH": os.defpath, "HOME": folder, "TMPDIR": folder, "LANG": "C", **go_runtime(memory_mb)},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                preexec_fn=(lambda: _bounded(memory_mb, int(timeout) + 1)) if limit else None,
            )
        except subprocess.TimeoutExpired as expired:
            return PromtoolRun(tuple(args), None, _text(expired.stdout), _text(expired.stderr), timeout)
        return PromtoolRun(tuple(args), done.returncode, _text(done.stdout), _text(done.stderr), timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_rules(binary: str, rules: str, name: str = "alerts.yml", *, timeout: float = TIMEOUT) -> PromtoolRun:
    """``promtool check rules NAME`` on a copy of the rule file's text."""
    return run_promtool(binary, ["check", "rules", name], {name: rules}, timeout=timeout)


def run_rule_tests(binary: str, files: Mapping[str, str], test_file: str, *, timeout: float = TIMEOUT) -> PromtoolRun:
    """``promtool test rules TEST_FILE`` with ``files`` (the test file and the rule files it names) copied beside it."""
    if test_file not in files:
        raise ValueError(f"{test_file} must be one of the files written for the run")
    return run_promtool(binary, ["test", "rules", test_file], files, timeout=timeout)

