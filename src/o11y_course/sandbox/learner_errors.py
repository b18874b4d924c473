"""Turning an exception raised by learner code into plain data the judge can explain."""

from __future__ import annotations

import traceback
from typing import Any

COPY_PHASE = "copy"  # copying the submission's exercise folder, before any learner code runs


class LearnerCrash(Exception):
    """Learner code raised (or exited) during a phase of a scenario."""

    def __init__(self, phase: str, info: dict[str, Any]):
        super().__init__(f"{phase}: {info.get('type')}: {info.get('message')}")
        self.phase = phase
        self.info = info

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "exception", "phase": self.phase, **self.info}


def describe_exception(exc: BaseException, work_dir: str, max_frames: int = 5) -> dict[str, Any]:
    """Type, message and the learner's own frames (files under ``work_dir``) of an exception."""
    prefix = work_dir.rstrip("/") + "/"
    frames = [
        f"{frame.filename.removeprefix(prefix)}, line {frame.lineno}, in {frame.name}"
        + (f": {frame.line.strip()}" if frame.line else "")
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.startswith(prefix)
    ]
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{str(exc.filename).removeprefix(prefix)}, line {exc.lineno}"
        frames.append(where + (f": {exc.text.strip()}" if exc.text else ""))
        message = exc.msg
    else:
        message = str(exc)
    if isinstance(exc, SystemExit):
        message = f"sys.exit({exc.code!r}) was called"
    return {
        "type": type(exc).__name__,
        "message": message.replace(prefix, "")[:500],
        "traceback": frames[-max_frames:],
    }
