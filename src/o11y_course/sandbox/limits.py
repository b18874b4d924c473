"""Resource limits and process-control settings applied inside a sandbox child."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import signal
import sys
from dataclasses import dataclass

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Limits:
    """Bounds for one sandbox run."""

    timeout: float = 10.0  # wall-clock seconds
    memory_mb: int = 1024  # address space
    output_bytes: int = 2 * 1024 * 1024  # stdout + stderr together
    file_mb: int = 64  # the largest file a run may write (a write beyond it fails with "File too large")


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """The C library, loaded once (finding it may start ``ldconfig``): the zygote loads it, children inherit it."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = _libc()
    return libc is not None and libc.prctl(option, value, 0, 0, 0) == 0


def become_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process so that none can escape clean-up."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> bool:
    """Ask the kernel to kill this process when its parent dies."""
    return _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


def apply_limits(limits: Limits) -> None:
    """Cap memory, CPU time and file size of the current process (POSIX only; best effort elsewhere).

    Python ignores SIGXFSZ, so a write beyond the file size cap raises OSError (errno EFBIG)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    memory = limits.memory_mb * 1024 * 1024
    file_size = limits.file_mb * 1024 * 1024
    for name, value in (("RLIMIT_AS", memory), ("RLIMIT_CPU", int(limits.timeout) + 5), ("RLIMIT_CORE", 0), ("RLIMIT_FSIZE", file_size)):
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
