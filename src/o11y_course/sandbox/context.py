"""What a scenario driver gets inside the sandbox child: safe ways to touch learner code."""

from __future__ import annotations

import importlib
import json
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
        self._result_fd = result_fd

    def send(self, message: dict[str, Any]) -> None:
        """Send one protocol message (a JSON line) to the supervisor."""
        data = (json.dumps(message, default=str) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self._result_fd, view)
            view = view[written:]

    def phase(self, name: str) -> None:
        """Record which phase is running, so a hang or exit can be explained."""
        self.send({"phase": name})

    def crash(self, phase: str, exc: BaseException) -> LearnerCrash:
        return LearnerCrash(phase, describe_exception(exc, self.work_dir))

    def import_module(self, name: str) -> ModuleType:
        """Import the learner module ``name`` from the exercise folder."""
        self.phase(f"import {name}.py")
        try:
            return importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - learner code may raise anything, even SystemExit
            raise self.crash(f"import {name}.py", exc) from None

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
            return fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            raise self.crash(phase, exc) from None
