"""How much of a hidden check a learner-facing report shows: ``--reveal hidden|titles|none``.

``hidden`` shows everything; ``titles`` (the default) shows a hidden check's title, points and
status but withholds its message and hint; ``none`` also replaces its title and id with a number,
so the report says only that a hidden check passed or not and what it was worth. Points and
statuses are never changed, so every total stays the same at every level.
"""

from __future__ import annotations

from dataclasses import replace

from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport

REVEAL_LEVELS = ("hidden", "titles", "none")
DEFAULT_REVEAL = "titles"
WITHHELD = "This is a hidden check: its feedback is withheld."


def _conceal(check: CheckResult, exercise_id: str, number: int, reveal: str) -> CheckResult:
    message = "" if check.status == "pass" else WITHHELD
    if reveal == "titles":
        return replace(check, message=message, hint="")
    return replace(check, id=f"{exercise_id}::hidden_{number}", title=f"Hidden check {number}", message=message, hint="")


def apply_reveal(report: GradeReport, reveal: str = DEFAULT_REVEAL) -> GradeReport:
    """A copy of ``report`` in which hidden checks show only what ``reveal`` allows."""
    if reveal not in REVEAL_LEVELS:
        raise ValueError(f"unknown reveal level {reveal!r}; choose one of: {', '.join(REVEAL_LEVELS)}")
    if reveal == "hidden":
        return report
    exercises = []
    for exercise in report.exercises:
        checks, hidden_seen = [], 0
        for check in exercise.checks:
            if check.visibility == "hidden":
                hidden_seen += 1
                check = _conceal(check, exercise.id, hidden_seen, reveal)
            checks.append(check)
        exercises.append(ExerciseResult(exercise.id, exercise.title, checks))
    return GradeReport(report.submission, exercises, schema=report.schema)
