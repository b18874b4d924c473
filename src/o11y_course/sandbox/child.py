"""The body of a sandbox child: prepare a bounded process, run a driver, send plain data back."""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any, NoReturn

from o11y_course.sandbox.context import DriverContext, watch_memory_errors
from o11y_course.sandbox.guards import install_guards, read_only_dirs
from o11y_course.sandbox.learner_errors import LearnerCrash
from o11y_course.sandbox.limits import Limits, apply_limits, die_with_parent
from o11y_course.sandbox.workdir import prepare_workdir


def run_driver(request: dict[str, Any], ctx: DriverContext) -> None:
    """Import the driver named by the request and send its result (or the learner's crash)."""
    module_name, _, function = request["driver"].partition(":")
    driver = getattr(importlib.import_module(module_name), function or "run")
    try:
        result = driver(ctx, request.get("params", {}))
        ctx.raise_noticed_memory_error()
    except LearnerCrash as crash:
        ctx.send({"error": crash.to_dict()})
        return
    ctx.send({"result": result})


def child_main(request: dict[str, Any], result_fd: int) -> NoReturn:
    """Run one request in this (already separated) child process, then exit hard."""
    limits = Limits(**request.get("limits", {}))
    ctx = DriverContext("", result_fd)
    try:
        die_with_parent()
        protected = request.get("protected", [])
        try:
            work = prepare_workdir(request["exercise_dir"], request["work_base"], protected, request.get("provided"))
        except LearnerCrash as crash:
            ctx.send({"error": crash.to_dict()})
            return  # the finally clause exits
        ctx.work_dir = work
        read_only = read_only_dirs(protected, work)  # before the copy joins sys.path (it is never read-only)
        sys.path.insert(0, work)
        apply_limits(limits)
        install_guards(protected, read_only)
        watch_memory_errors(ctx)
        run_driver(request, ctx)
    except BaseException as exc:  # noqa: BLE001 - report anything, including a grader bug
        try:
            if isinstance(exc, MemoryError):  # the learner's code left too little memory for the driver
                ctx.send({"error": {"kind": "exception", "phase": ctx.current_phase, "type": "MemoryError", "message": "", "traceback": []}})
            else:
                ctx.send({"error": {"kind": "sandbox", "type": type(exc).__name__, "message": str(exc)[:500], "traceback": []}})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(0)


def spawned_main() -> NoReturn:  # pragma: no cover - used where fork is unavailable
    """Entry point for spawn mode: ``python -m o11y_course.sandbox.child REQUEST_FILE RESULT_FD``."""
    with open(sys.argv[1], encoding="utf-8") as handle:
        request = json.load(handle)
    child_main(request, int(sys.argv[2]))


if __name__ == "__main__":  # pragma: no cover
    spawned_main()
