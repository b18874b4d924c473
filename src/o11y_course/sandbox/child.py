"""The body of a sandbox child: prepare a bounded process, run a driver, send plain data back."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
from typing import Any, NoReturn

from o11y_course.sandbox.context import DriverContext, watch_memory_errors
from o11y_course.sandbox.guards import install_guards, lexically_inside, protection_check, read_only_dirs
from o11y_course.sandbox.learner_errors import COPY_PHASE, LearnerCrash
from o11y_course.sandbox.limits import Limits, apply_limits, die_with_parent

_SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".git")


def _link_crash(what: str) -> LearnerCrash:
    return LearnerCrash(
        COPY_PHASE,
        {"type": "SandboxViolation", "message": f"{what} into the grader's checks or solutions, which is not allowed", "traceback": []},
    )


def prepare_workdir(
    exercise_dir: str, base: str, protected: list[str] | tuple[str, ...] = (), provided: dict[str, str] | None = None
) -> str:
    """Copy the learner's exercise folder into ``base`` (a fresh temporary folder) and move there.

    ``provided`` (file name -> the course's copy, chosen by the grader) adds the files the course
    gives beside the stub that the submission lacks.

    The copy follows symlinks and runs before the guards exist, so it refuses every entry that
    resolves into a protected folder: a link must not smuggle hidden checks or solutions in. The
    grader itself may name a protected folder (to grade the reference or a mutant); then only what
    lies inside that very folder is allowed from it.
    """
    is_protected = protection_check(protected)
    if is_protected(exercise_dir) and not lexically_inside(exercise_dir, protected):
        raise _link_crash("the exercise folder is a link")
    own = protection_check([exercise_dir])
    leaks: list[str] = []

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(_SKIPPED(folder, names))
        for name in names:
            path = os.path.join(folder, name)
            if name not in skipped and is_protected(path) and not own(path):
                leaks.append(os.path.relpath(path, exercise_dir))
                skipped.add(name)
        return skipped

    work = os.path.join(base, "exercise")
    shutil.copytree(exercise_dir, work, ignore=ignore)
    if leaks:
        raise _link_crash(f"{', '.join(sorted(leaks))} {'is a link' if len(leaks) == 1 else 'are links'}")
    for name, source in (provided or {}).items():
        target = os.path.join(work, os.path.basename(name))
        if not os.path.lexists(target):
            shutil.copyfile(source, target)
    os.chdir(work)
    return work


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
        sys.path.insert(0, work)
        apply_limits(limits)
        install_guards(protected, read_only_dirs(protected, work))
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
