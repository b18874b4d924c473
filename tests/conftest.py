"""Fixtures shared by this repository's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from o11y_course.course import Course
from o11y_course.sandbox.client import Sandbox

REPO = Path(__file__).resolve().parents[1]
REAL_TOOLS = ("prometheus", "promtool")
TINY_EXERCISE = "beginner/02-metrics-endpoint"  # the one exercise of ``tiny_course``


def real_components_off() -> bool:
    """True where Prometheus/promtool are missing and not required: their checks are then skipped.

    CI sets O11Y_REQUIRE_REAL=1 and installs them, so there every real check runs for real.
    """
    import shutil

    missing = [t for t in REAL_TOOLS if shutil.which(t) is None]
    return bool(missing) and os.environ.get("O11Y_REQUIRE_REAL", "") in ("", "0")


@pytest.fixture(scope="session")
def course() -> Course:
    """This repository as a course."""
    return Course(REPO)


@pytest.fixture
def tiny_course(course: Course, tmp_path: Path) -> Course:
    """A course of beginner/02 alone, with an empty check folder the test writes itself."""
    import shutil

    for part in ("exercises", "reference"):
        shutil.copytree(course.root / part / TINY_EXERCISE, tmp_path / part / TINY_EXERCISE)
    (tmp_path / "checks" / TINY_EXERCISE).mkdir(parents=True)
    return Course(tmp_path)


@pytest.fixture(scope="session")
def repo_sandbox(course: Course):
    """A started sandbox that protects this repository's checks and solutions."""
    with Sandbox(protected_dirs=[str(p) for p in course.protected_dirs()]) as sandbox:
        yield sandbox


@pytest.fixture(scope="session", autouse=True)
def _stop_prometheus():
    """Stop the Prometheus server that real checks share, when the test session ends."""
    yield
    from o11y_course.real.scraping import stop_shared_prometheus

    stop_shared_prometheus()


@pytest.fixture
def run_o11y():
    """Run the ``o11y`` command line in a child process; returns the CompletedProcess."""

    def _run(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "o11y_course", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )

    return _run
