"""The ``classroom50`` format: the ``result.json`` a Classroom 50 autograder writes.

Classroom 50's runner and score collector accept only non-negative integer scores, so points are
multiplied by the smallest whole factor that makes every check's points whole (1 for the usual
whole points; 2 when there are halves, ...). The factor is written as ``points-scale`` when it is
not 1. The identity fields (classroom, assignment, submission and links) come from the variables
the runner sets for an autograder. See docs/formats/classroom50.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from o11y_course.report.labels import check_label
from o11y_course.report.model import GradeReport
from o11y_course.report.reveal import DEFAULT_REVEAL, apply_reveal

SCHEMA = "classroom50/result/v1"
IDENTITY_VARIABLES = {
    "classroom": "CLASSROOM",
    "assignment": "ASSIGNMENT",
    "submission": "SUBMISSION_TAG",
    "commit": "COMMIT_URL",
    "release": "RELEASE_URL",
    "review": "REVIEW_URL",
}
MAX_SCALE = 1000


def points_scale(points: Iterable[float]) -> int:
    """The smallest whole factor (at most 1000) that turns every value into a whole number."""
    values = list(points)
    for scale in range(1, MAX_SCALE + 1):
        if all(abs(v * scale - round(v * scale)) < 1e-6 for v in values):
            return scale
    return MAX_SCALE


def identity(environ: Mapping[str, str]) -> dict[str, str]:
    """The identity fields found in ``environ``; ``review`` falls back to the commit link."""
    found = {field: environ.get(variable, "").strip() for field, variable in IDENTITY_VARIABLES.items()}
    found["review"] = found["review"] or found["commit"]
    return {field: value for field, value in found.items() if value}


def payload(report: GradeReport, *, reveal: str = DEFAULT_REVEAL, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The result.json object; identity from ``environ`` (default: this process's environment)."""
    shown = apply_reveal(report, reveal)
    checks = [(exercise, check) for exercise in shown.exercises for check in exercise.checks]
    scale = points_scale(check.points for _, check in checks)
    tests = [
        {
            "test-name": f"{exercise.id}: {check_label(check)}",
            "passed": check.status == "pass",
            "score": round(check.earned * scale),
            "max-score": round(check.points * scale),
            "exercise": exercise.id,
            "status": check.status,
        }
        for exercise, check in checks
    ]
    result: dict[str, Any] = {"schema": SCHEMA, **identity(os.environ if environ is None else environ)}
    result["score"] = sum(t["score"] for t in tests)
    result["max-score"] = sum(t["max-score"] for t in tests)
    if scale != 1:
        result["points-scale"] = scale
    result["tests"] = tests
    return result


def render(report: GradeReport, *, reveal: str = DEFAULT_REVEAL, environ: Mapping[str, str] | None = None) -> str:
    """result.json as indented JSON."""
    return json.dumps(payload(report, reveal=reveal, environ=environ), indent=2, ensure_ascii=False) + "\n"
