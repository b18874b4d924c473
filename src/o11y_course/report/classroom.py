"""The ``classroom`` format: the base64 ``result`` read by classroom-resources/autograding-grading-reporter.

The reporter decodes the step output, prints one line per test and sums ``tests[].score`` into its
"Points X/Y" notice. Its log never prints ``message`` for a failed test, only for an errored one
(and then without the test's name), but it prints ``test_code`` for every test. So a failing
check's message and hint go into ``test_code``, and an erroring check's ``message`` starts with
the test's name. See docs/formats/classroom.md.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from o11y_course.report.labels import check_label
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.report.points import json_number, points_text
from o11y_course.report.reveal import DEFAULT_REVEAL, apply_reveal

VERSION = 1
STATUSES = {"pass": "pass", "fail": "fail", "skip": "fail", "error": "error"}


def _name(exercise: ExerciseResult, check: CheckResult) -> str:
    return f"{exercise.id}: {check_label(check)} ({points_text(check.earned)}/{points_text(check.points)} pts)"


def _feedback(check: CheckResult, *, with_message: bool) -> str:
    lines = []
    if with_message and check.message:
        prefix = "skipped: " if check.status == "skip" else ""
        lines.append(prefix + check.message)
    if check.hint:
        lines.append(f"hint: {check.hint}")
    return "\n".join(lines)


def _test(exercise: ExerciseResult, check: CheckResult) -> dict[str, Any]:
    name = _name(exercise, check)
    if check.status == "error":
        # The reporter prints "Error: <message>" for errors, without the name.
        message, test_code = f"{name}: {check.message}", _feedback(check, with_message=False)
    elif check.status == "pass":
        message, test_code = "", ""
    else:
        message, test_code = check.message, _feedback(check, with_message=True)
    return {
        "name": name,
        "status": STATUSES[check.status],
        "score": json_number(check.earned),
        "message": message,
        "test_code": test_code,
        "filename": "",
        "line_no": 0,
        "duration": 0,
    }


def _overall_status(statuses: list[str]) -> str:
    if not statuses:
        return "error"  # nothing was graded
    if "fail" in statuses:
        return "fail"
    return "error" if "error" in statuses else "pass"


def payload(report: GradeReport, *, reveal: str = DEFAULT_REVEAL) -> dict[str, Any]:
    """The JSON object before base64 encoding."""
    shown = apply_reveal(report, reveal)
    tests = [_test(exercise, check) for exercise in shown.exercises for check in exercise.checks]
    return {
        "version": VERSION,
        "status": _overall_status([t["status"] for t in tests]),
        "max_score": json_number(shown.max_score),
        "tests": tests,
    }


def render(report: GradeReport, *, reveal: str = DEFAULT_REVEAL) -> str:
    """Base64 of the compact JSON payload, one line."""
    data = json.dumps(payload(report, reveal=reveal), ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(data.encode("utf-8")).decode("ascii") + "\n"
