"""o11y verify notices a broken course: a stub that scores, a mutant that passes, a stale edit."""

from __future__ import annotations

import shutil

import pytest

from o11y_course.course import Course
from o11y_course.exercises import discover
from o11y_course.mutants import MutantError
from o11y_course.verify import verify_exercise

EXERCISE = "beginner/02-metrics-endpoint"


@pytest.fixture
def scratch_course(course, tmp_path) -> Course:
    """A copy of this course's beginner/02 with one mutant, for breaking on purpose."""
    for part in ("exercises", "checks", "reference"):
        shutil.copytree(course.root / part / EXERCISE, tmp_path / part / EXERCISE)
    shutil.copytree(course.mutants_dir / EXERCISE / "gauge_counter", tmp_path / "tests/mutants" / EXERCISE / "gauge_counter")
    return Course(tmp_path)


def verdicts(course: Course, sandbox) -> dict[str, tuple[bool, str]]:
    (exercise,) = discover(course.exercises_dir)
    return {f.subject: (f.ok, f.detail) for f in verify_exercise(course, exercise, sandbox)}


def test_scratch_course_verifies_except_coverage(scratch_course, repo_sandbox):
    """The unchanged copy verifies; with a single mutant, the checks no mutant fails are listed."""
    result = verdicts(scratch_course, repo_sandbox)
    assert result["reference"][0] and result["stub"][0] and result["mutant gauge_counter"][0]
    assert result["coverage"] == (False, result["coverage"][1])
    assert "no mutant fails test_metrics_endpoint_serves_exposition" in result["coverage"][1]


def test_stub_that_scores_is_reported(scratch_course, repo_sandbox):
    """A stub that already passes checks (here: the solution shipped as the stub) fails verification."""
    stub = scratch_course.exercises_dir / EXERCISE / "app.py"
    shutil.copy(scratch_course.reference_dir / EXERCISE / "app.py", stub)
    ok, detail = verdicts(scratch_course, repo_sandbox)["stub"]
    assert not ok and detail.startswith("passes test_metrics_endpoint_serves_exposition")


def test_mutant_that_passes_is_reported(scratch_course, repo_sandbox):
    """A mutant whose named check does not fail is reported with the check's status."""
    toml = scratch_course.mutants_dir / EXERCISE / "gauge_counter" / "mutant.toml"
    toml.write_text('[[expect]]\ncheck = "test_request_counter_declared"\nmessage = "gauge"\n')
    ok, detail = verdicts(scratch_course, repo_sandbox)["mutant gauge_counter"]
    assert not ok and detail == "test_request_counter_declared did not fail (pass)"


def test_mutant_with_wrong_message_is_reported(scratch_course, repo_sandbox):
    """A mutant that fails, but without the declared fragment, is reported with the real message."""
    toml = scratch_course.mutants_dir / EXERCISE / "gauge_counter" / "mutant.toml"
    toml.write_text(toml.read_text().replace('message = "is a gauge, expected a counter"', 'message = "a summary"'))
    ok, detail = verdicts(scratch_course, repo_sandbox)["mutant gauge_counter"]
    assert not ok and "failed without 'a summary'" in detail and "is a gauge" in detail


def test_stale_replacement_is_an_error(scratch_course, repo_sandbox):
    """An edit whose text no longer occurs in the reference is refused with a clear message."""
    toml = scratch_course.mutants_dir / EXERCISE / "gauge_counter" / "mutant.toml"
    toml.write_text(toml.read_text().replace('old = "requests_total = Counter("', 'old = "no such text"'))
    with pytest.raises(MutantError, match="occurs 0 times in app.py"):
        verdicts(scratch_course, repo_sandbox)
