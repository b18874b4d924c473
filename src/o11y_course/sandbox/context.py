"""What a scenario driver gets inside the sandbox child: safe ways to touch learner code."""

from __future__ import annotations

import importlib
import json
import logging
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from o11y_course.sandbox.learner_errors import LearnerCrash, describe_exception

T = TypeVar("T")


class DriverContext:
    """Imports and calls learner code, turning anything it raises into a ``LearnerCrash``."""

    def __init__(self, work_dir: str, result_fd: int):
        self.work_dir = work_dir
        self.current_phase: str | None = None
        self._result_fd = result_fd
        self._memory_error: LearnerCrash | None = None

    def send(self, message: dict[str, Any]) -> None:
        """Send one protocol message (a JSON line) to the supervisor."""
        data = (json.dumps(message, default=str) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self._result_fd, view)
            view = view[written:]

    def phase(self, name: str) -> None:
        """Record which phase is running, so a hang or exit can be explained."""
        self.current_phase = name
        self.send({"phase": name})

    def crash(self, phase: str, exc: BaseException) -> LearnerCrash:
        return LearnerCrash(phase, describe_exception(exc, self.work_dir))

    def note_memory_error(self, exc: BaseException) -> None:
        """Remember the first MemoryError that learner code hit, even one a framework caught."""
        if self._memory_error is not None:
            return
        try:
            info = describe_exception(exc, self.work_dir)
        except MemoryError:
            info = {"type": "MemoryError", "message": "", "traceback": []}
        self._memory_error = LearnerCrash(self.current_phase or "unknown", info)

    def raise_noticed_memory_error(self) -> None:
        """Fail the run if learner code ran out of memory, even where a framework turned that into a 500."""
        crash, self._memory_error = self._memory_error, None
        if crash is not None:
            raise crash

    def import_module(self, name: str) -> ModuleType:
        """Import the learner module ``name`` from the exercise folder."""
        self.phase(f"import {name}.py")
        try:
            module = importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - learner code may raise anything, even SystemExit
            raise self.crash(f"import {name}.py", exc) from None
        self.raise_noticed_memory_error()
        return module

    def attribute(self, module: ModuleType, name: str) -> Any:
        """A name the contract requires the learner module to define."""
        if not hasattr(module, name):
            raise LearnerCrash(
                "contract",
                {"type": "MissingName", "message": f"{module.__name__}.py has no {name}", "traceback": []},
            )
        return getattr(module, name)

    def call(self, phase: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call learner code; any exception or exit becomes a ``LearnerCrash`` for ``phase``."""
        self.phase(phase)
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            raise self.crash(phase, exc) from None
        self.raise_noticed_memory_error()
        return result


def watch_memory_errors(ctx: DriverContext) -> None:
    """Tell ``ctx`` about every MemoryError that gets logged.

    Web frameworks catch what a view raises, log it and answer 500, so a view that exhausts the
    memory limit would otherwise look like an ordinary failing request. A log record factory sees
    every record without changing the logging configuration learner code may set up.
    """
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info[1], MemoryError):
            ctx.note_memory_error(exc_info[1])
        return record

    logging.setLogRecordFactory(factory)
