"""Every exercise: the reference earns full marks, the stub zero, each mutant fails as it declares.

This is `o11y verify` as a test, one test per verdict so a failure names the exercise and the case.
"""

from __future__ import annotations

import pytest

from o11y_course.course import Course
from o11y_course.exercises import discover
from o11y_course.verify import verify_exercise
from tests.conftest import REPO, real_components_off

EXERCISES = discover(Course(REPO).exercises_dir)


@pytest.fixture(scope="module")
def findings(course, repo_sandbox):
    """All verification findings, computed once (real-component checks too, where the tools exist)."""
    return {e.id: verify_exercise(course, e, repo_sandbox, skip_real=real_components_off()) for e in EXERCISES}


@pytest.mark.parametrize("exercise", [e.id for e in EXERCISES])
def test_exercise_verifies(findings, exercise):
    """Reference full marks, stub zero, every mutant failing its named check with its message, every check covered."""
    bad = [f"{f.subject}: {f.detail}" for f in findings[exercise] if not f.ok]
    assert not bad, "\n".join(bad)
    subjects = {f.subject for f in findings[exercise]}
    assert {"reference", "stub", "points", "coverage"} <= subjects
    assert sum(s.startswith("mutant ") for s in subjects) >= 5
