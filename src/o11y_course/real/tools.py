"""Real components (the Prometheus server, promtool): found on PATH, or skipped/errored per COURSE §6."""

from __future__ import annotations

import os
import shutil

import pytest

from o11y_course.feedback import GraderMisconfigured

REQUIRE_ENV = "O11Y_REQUIRE_REAL"


def require_tool(name: str, package: str, *, self_check: bool) -> str:
    """The path of executable ``name``.

    When it is missing: a learner's self-check skips with an install hint; grading (or any run
    with ``O11Y_REQUIRE_REAL=1``) raises GraderMisconfigured, which reports the check as ``error``.
    """
    path = shutil.which(name)
    if path:
        return path
    if self_check and os.environ.get(REQUIRE_ENV, "") in ("", "0"):
        pytest.skip(f"{name} is not installed, so this check was skipped: install it with `sudo apt-get install {package}` and run the check again")
    raise GraderMisconfigured(f"grader misconfigured: install {package} ({name} was not found on PATH)")
