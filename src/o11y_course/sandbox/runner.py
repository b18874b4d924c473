"""Starting one sandbox child, by fork (from a pre-warmed process) or by spawn."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from o11y_course.sandbox.limits import Limits
from o11y_course.sandbox.supervise import supervise


def _with_workdir(request: dict[str, Any]) -> tuple[dict[str, Any], str]:
    base = tempfile.mkdtemp(prefix="o11y-run-")
    return {**request, "work_base": base}, base


def run_forked(request: dict[str, Any], *, reaper: bool = True, orphaned: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Fork a child of this process that runs ``request``; supervise it and return its outcome.

    ``orphaned`` says when the caller's own parent is gone: the child is then stopped at once."""
    from o11y_course.sandbox.child import child_main

    limits = Limits(**request.get("limits", {}))
    request, base = _with_workdir(request)
    result_r, result_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: detach, wire up standard streams, keep only the result pipe
        try:
            os.setsid()
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            os.closerange(3, result_w)
            os.closerange(result_w + 1, 65536)
        finally:
            child_main(request, result_w)
    os.close(result_w)
    os.close(out_w)
    try:
        return supervise(pid, result_r, out_r, limits, reaper=reaper, orphaned=orphaned)
    finally:
        os.close(result_r)
        os.close(out_r)
        shutil.rmtree(base, ignore_errors=True)


def run_spawned(request: dict[str, Any]) -> dict[str, Any]:
    """Start a fresh interpreter for ``request`` (where fork is unavailable); slower but equivalent."""
    limits = Limits(**request.get("limits", {}))
    request, base = _with_workdir(request)
    request_file = os.path.join(base, "request.json")
    with open(request_file, "w", encoding="utf-8") as handle:
        json.dump(request, handle)
    result_r, result_w = os.pipe()
    out_r, out_w = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "o11y_course.sandbox.child", request_file, str(result_w)],
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=out_w,
            pass_fds=(result_w,),
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),  # never the caller's folder
            start_new_session=True,
        )
    finally:
        os.close(result_w)
        os.close(out_w)
    try:
        outcome = supervise(proc.pid, result_r, out_r, limits, reaper=False)
        proc.returncode = outcome.get("exit_code", -9)
        return outcome
    finally:
        os.close(result_r)
        os.close(out_r)
        shutil.rmtree(base, ignore_errors=True)
