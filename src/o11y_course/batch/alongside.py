"""Running one piece of work alongside the caller, in a forked child, to use a second core.

The batch draws its picture (most of a second in matplotlib) while it writes the other files. Where
``fork`` is missing, or the caller has other threads (a fork copies only the calling thread, and a
lock another thread holds would stay held in the child forever), the work simply runs at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

MAX_ERROR_BYTES = 4000


class AlongsideError(RuntimeError):
    """The work failed in the child; its message is the child's exception."""


def start_alongside(work: Callable[[], None]) -> Callable[[], None]:
    """Start ``work()``; returns ``finish()``, which waits for it and raises AlongsideError if it failed."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        work()
        return lambda: None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: do the work, report a failure, never return
        os.close(read_end)
        code = 0
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
            os.write(write_end, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:MAX_ERROR_BYTES])
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)

    def finish() -> None:
        chunks = []
        with os.fdopen(read_end, "rb") as pipe:
            while chunk := pipe.read(MAX_ERROR_BYTES):
                chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        if chunks or not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            message = b"".join(chunks).decode("utf-8", "replace") or f"the process doing it ended with status {status}"
            raise AlongsideError(message)

    return finish
