"""The ``text`` format: a readable table per exercise, then failures with messages and hints."""

from __future__ import annotations

from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.report.visible import visible

SYMBOLS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "skip": "SKIP"}


def _points(value: float) -> str:
    return f"{value:g}"


def _check_line(check: CheckResult) -> str:
    hidden = " (hidden)" if check.visibility == "hidden" else ""
    return f"  {SYMBOLS[check.status]:<5} {_points(check.earned):>3}/{_points(check.points):<3} {check.title}{hidden}"


def _failure_block(check: CheckResult) -> list[str]:
    lines = [f"  - {check.title}"]
    lines += [f"      {line}" for line in check.message.splitlines()] if check.message else []
    if check.hint:
        lines.append(f"      hint: {check.hint}")
    return lines


def render_exercise(exercise: ExerciseResult) -> list[str]:
    """The table and the failures of one exercise."""
    lines = [f"{exercise.id}  {exercise.title}  [{_points(exercise.score)}/{_points(exercise.max_score)}]"]
    lines += [_check_line(c) for c in exercise.checks]
    problems = [c for c in exercise.checks if c.status in ("fail", "error", "skip") and (c.message or c.hint)]
    if problems:
        lines.append("  What to fix:")
        for check in problems:
            lines += _failure_block(check)
    return lines


def render(report: GradeReport) -> str:
    """The whole report as plain text."""
    lines = [f"Submission: {report.submission}", ""]
    for exercise in report.exercises:
        lines += render_exercise(exercise) + [""]
    lines.append(f"Total: {_points(report.score)}/{_points(report.max_score)}")
    return visible("\n".join(lines)) + "\n"
