"""A learner's self-check: the public checks on this checkout's own exercises."""

from __future__ import annotations

from o11y_course.course import Course
from o11y_course.exercises import Exercise
from o11y_course.learner.progress import save_progress
from o11y_course.report.model import GradeReport
from o11y_course.sandbox.client import Sandbox
from o11y_course.submission import open_submission


def run_self_check(course: Course, exercises: list[Exercise], sandbox: Sandbox, *, skip_real: bool = False) -> GradeReport:
    """Grade the checkout's exercises with public checks only, and remember the scores for ``o11y list``."""
    from o11y_course.grading import grade

    report = grade(
        course, open_submission(course.root), exercises, sandbox=sandbox, public_only=True, self_check=True, skip_real=skip_real
    )
    save_progress(course.state_dir / "progress.json", report)
    return report
