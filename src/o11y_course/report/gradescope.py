"""The ``gradescope`` format: the ``results.json`` a Gradescope autograder writes.

Public checks are ``visible``; hidden checks are ``after_published``, so learners see them only once
the instructor publishes the grades (and, as Gradescope documents, cannot see their total score
before that). See docs/formats/gradescope.md.
"""

from __future__ import annotations

import json
from typing import Any

from o11y_course.report.labels import check_label
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.report.points import json_number, points_text
from o11y_course.report.reveal import DEFAULT_REVEAL, apply_reveal

VISIBILITY = {"public": "visible", "hidden": "after_published"}


def _output(check: CheckResult) -> str:
    if check.status == "pass":
        return "Passed."
    lines = [f"Skipped: {check.message}" if check.status == "skip" else check.message]
    if check.hint:
        lines.append(f"Hint: {check.hint}")
    return "\n".join(line for line in lines if line)


def _test(exercise: ExerciseResult, number: str, check: CheckResult) -> dict[str, Any]:
    return {
        "name": f"{exercise.id}: {check_label(check)}",
        "number": number,
        "score": json_number(check.earned),
        "max_score": json_number(check.points),
        "status": "passed" if check.status == "pass" else "failed",
        "output": _output(check),
        "visibility": VISIBILITY[check.visibility],
        "tags": [exercise.id],
    }


def payload(report: GradeReport, *, reveal: str = DEFAULT_REVEAL) -> dict[str, Any]:
    """The results.json object."""
    shown = apply_reveal(report, reveal)
    tests = [_test(exercise, f"{e}.{c}", check) for e, exercise in enumerate(shown.exercises, start=1) for c, check in enumerate(exercise.checks, start=1)]
    return {"score": json_number(shown.score), "output": _summary(shown), "tests": tests}


def _summary(report: GradeReport) -> str:
    """The submission-level text, always visible: it counts public checks only, so it gives nothing
    away about hidden checks before the grades are published."""
    checks = [check for exercise in report.exercises for check in exercise.checks]
    public = [c for c in checks if c.visibility == "public"]
    hidden = [c for c in checks if c.visibility == "hidden"]
    text = f"Public checks: {points_text(sum(c.earned for c in public))}/{points_text(sum(c.points for c in public))} points."
    if hidden:
        noun = "check" if len(hidden) == 1 else "checks"
        text += f" {len(hidden)} hidden {noun} ({points_text(sum(c.points for c in hidden))} points) appear when the grades are published."
    return text


def render(report: GradeReport, *, reveal: str = DEFAULT_REVEAL) -> str:
    """results.json as indented JSON."""
    return json.dumps(payload(report, reveal=reveal), indent=2, ensure_ascii=False) + "\n"
