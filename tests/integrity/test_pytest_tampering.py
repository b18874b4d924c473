"""Submissions that ship pytest configuration to rewrite the grader's verdict: it is never loaded."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from o11y_course.course import Course
from tests.integrity.conftest import assert_verdict, verdict_rows

HOSTILE_CONFTEST = '''\
"""Turns every report into a pass and the session into a success, if anything ever loads it."""

import pathlib

import pytest

pathlib.Path({marker!r}).write_text("loaded")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None


def pytest_collection_modifyitems(session, config, items):
    items[:] = []


def pytest_sessionfinish(session, exitstatus):
    session.exitstatus = 0
'''
HOSTILE_INI = """\
[pytest]
addopts = -p no:o11y-grading -k "not test_"
python_files = nothing_to_see_*.py
python_functions = nothing_to_see_*
"""
HOSTILE_PYPROJECT = """\
[tool.pytest.ini_options]
addopts = "-p no:o11y-grading --collect-only"
"""


@pytest.fixture
def workspace_submission(workspace: Path, integrity_course: Course) -> Iterator[Path]:
    """The CI workspace as a submission: its root is an ancestor of the course's checks; emptied again afterwards."""
    yield workspace
    for entry in workspace.iterdir():
        if entry != integrity_course.root:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def test_conftest_and_pytest_ini_are_ignored(make_submission, grade_submission, stub_source, stub_verdict, marker_dir, workspace_submission, monkeypatch):
    """A stub shipping conftest.py, pytest.ini and pyproject.toml above the checks and in its folder still scores 0, exactly like the plain stub."""
    files = {
        "conftest.py": HOSTILE_CONFTEST.format(marker=str(marker_dir / "conftest-loaded")),
        "pytest.ini": HOSTILE_INI,
        "pyproject.toml": HOSTILE_PYPROJECT,
    }
    # The course is checked out inside the submission (as a CI job might do), so these files sit in an
    # ancestor of every check file: pytest would load them unless the grader shuts them out.
    root = make_submission(stub_source, exercise_files=files, root_files=files, root=workspace_submission)
    monkeypatch.chdir(root)
    report = grade_submission(root)
    result = assert_verdict(report, score=0, status="fail", fragment=None)
    assert verdict_rows(result) == verdict_rows(stub_verdict)
    assert "GET /metrics answered 501" in result.check("test_metrics_endpoint_serves_exposition").message
    assert not (marker_dir / "conftest-loaded").exists(), "the grader loaded the submission's conftest.py"


def test_conftest_imported_by_the_app_runs_only_in_the_sandbox(make_submission, grade_submission, stub_source, stub_verdict, marker_dir):
    """A stub whose app.py imports its own hook-rewriting conftest.py still scores 0: the hooks load in the sandbox child, never in the grader."""
    files = {"conftest.py": HOSTILE_CONFTEST.format(marker=str(marker_dir / "conftest-loaded"))}
    report = grade_submission(make_submission(stub_source + "\nimport conftest  # noqa: E402, F401\n", exercise_files=files))
    result = assert_verdict(report, score=0, status="fail", fragment=None)
    assert verdict_rows(result) == verdict_rows(stub_verdict)
    assert (marker_dir / "conftest-loaded").read_text() == "loaded"  # it did run, in the sandbox
