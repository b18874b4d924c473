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


@pytest.fixture(scope="session")
def course() -> Course:
    """This repository as a course."""
    return Course(REPO)


@pytest.fixture(scope="session")
def repo_sandbox(course: Course):
    """A started sandbox that protects this repository's checks and solutions."""
    with Sandbox(protected_dirs=[str(p) for p in course.protected_dirs()]) as sandbox:
        yield sandbox


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
