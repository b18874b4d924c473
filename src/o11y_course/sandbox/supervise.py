"""Watching one sandbox child: collect its messages and output, enforce time and output caps."""

from __future__ import annotations

import json
import os
import selectors
import signal
import time
from collections.abc import Callable
from typing import Any

from o11y_course.sandbox.limits import Limits
from o11y_course.sandbox.reaper import kill_group, sweep_orphans

TAIL_BYTES = 4096
MAX_RESULT_BYTES = 64 * 1024 * 1024


def _exit_details(status: int | None) -> dict[str, Any]:
    if status is None:
        return {}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return {"signal": signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig}
    return {"exit_code": os.waitstatus_to_exitcode(status)}


def _decode_messages(buffer: bytes) -> tuple[str | None, dict[str, Any] | None]:
    """The last phase and the final message (``result`` or ``error``) from the child's JSON lines."""
    phase, final = None, None
    for line in buffer.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if "phase" in message:
            phase = message["phase"]
        elif "result" in message or "error" in message:
            final = message
    return phase, final


def supervise(pid: int, result_r: int, out_r: int, limits: Limits, *, reaper: bool, orphaned: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Wait for child ``pid`` (a process-group leader), then kill whatever is left of it.

    Returns the outcome as plain data: ``result`` or ``error``, the output tail, how it ended.
    """
    deadline = time.monotonic() + limits.timeout
    selector = selectors.DefaultSelector()
    selector.register(result_r, selectors.EVENT_READ)
    selector.register(out_r, selectors.EVENT_READ)
    result_buf, tail = bytearray(), bytearray()
    out_total, stopped_for, status = 0, None, None
    result_open = True
    while result_open and stopped_for is None:
        if orphaned is not None and orphaned():  # nobody is left to read the outcome
            stopped_for = "orphaned"
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stopped_for = "timeout"
            break
        for key, _ in selector.select(min(remaining, 0.1)):
            data = os.read(key.fd, 65536)
            if key.fd == out_r:
                if not data:
                    selector.unregister(out_r)
                    continue
                out_total += len(data)
                tail = (tail + data)[-TAIL_BYTES:]
                if out_total > limits.output_bytes:
                    stopped_for = "output"
                    break
            elif not data:
                result_open = False
            else:
                result_buf += data
                if len(result_buf) > MAX_RESULT_BYTES:
                    stopped_for = "result-size"
                    break
        if status is None:
            done, status_now = os.waitpid(pid, os.WNOHANG)
            if done:
                status = status_now
                result_open = False  # descendants may hold the pipe open; the child itself is gone
    _drain(result_r, result_buf)
    _drain(out_r, tail)
    tail = tail[-TAIL_BYTES:]
    kill_group(pid)
    if status is None:
        _, status = os.waitpid(pid, 0)
    strays = sweep_orphans() if reaper else 0
    selector.close()
    phase, final = _decode_messages(bytes(result_buf))
    outcome: dict[str, Any] = {
        "output": tail.decode("utf-8", "replace"),
        "output_bytes": out_total,
        "phase": phase,
        **_exit_details(status),
    }
    if stopped_for is not None:
        outcome["error"] = {"kind": stopped_for, "phase": phase, "limits": limits.__dict__}
    elif final is None:
        outcome["error"] = {"kind": "exit", "phase": phase}
    elif strays and "result" in final:
        # The guards refuse to start processes, so these got around them (native code): a run that
        # did so is not judged on its result, whatever the result says.
        outcome["error"] = {"kind": "processes", "phase": phase, "count": strays, "limits": limits.__dict__}
    else:
        outcome.update(final)
        if isinstance(outcome.get("error"), dict):  # the learner's message may need the limits (memory)
            outcome["error"] = {**outcome["error"], "limits": limits.__dict__}
    return outcome


def _drain(fd: int, buffer: bytearray) -> None:
    """Read what is already in a pipe without blocking."""
    os.set_blocking(fd, False)
    try:
        while len(buffer) <= MAX_RESULT_BYTES:
            data = os.read(fd, 65536)
            if not data:
                return
            buffer += data
    except BlockingIOError:
        return
