"""The ``junit`` format: JUnit XML for CI systems, one ``testcase`` per check.

One ``testsuite`` per exercise; ``classname`` is the exercise id, ``name`` the check's function
name. A check's points, earned points, visibility and title are ``property`` elements of its
testcase (as pytest's ``record_property`` writes them); the suite carries its score. Characters
that XML 1.0 cannot hold (e.g. terminal escape codes in a captured excerpt) are dropped.
See docs/formats/junit.md.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.report.points import points_text
from o11y_course.report.reveal import DEFAULT_REVEAL, apply_reveal

SUITES_NAME = "o11y-course"
OUTCOME_ELEMENTS = {"fail": "failure", "error": "error", "skip": "skipped"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def _properties(parent: ET.Element, values: dict[str, str]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=xml_text(value))


def _counts(checks: list[CheckResult]) -> dict[str, str]:
    return {
        "tests": str(len(checks)),
        "failures": str(sum(c.status == "fail" for c in checks)),
        "errors": str(sum(c.status == "error" for c in checks)),
        "skipped": str(sum(c.status == "skip" for c in checks)),
        "time": "0",
    }


def _testcase(suite: ET.Element, exercise: ExerciseResult, check: CheckResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=exercise.id, name=xml_text(check.name), time="0")
    _properties(
        case,
        {"title": check.title, "points": points_text(check.points), "earned": points_text(check.earned), "visibility": check.visibility},
    )
    if check.status in OUTCOME_ELEMENTS:
        outcome = ET.SubElement(case, OUTCOME_ELEMENTS[check.status], message=xml_text(check.message), type=check.status)
        body = "\n".join(part for part in (check.message, f"hint: {check.hint}" if check.hint else "") if part)
        outcome.text = xml_text(body) or None


def render(report: GradeReport, *, reveal: str = DEFAULT_REVEAL) -> str:
    """The report as a JUnit XML document."""
    shown = apply_reveal(report, reveal)
    every_check = [c for e in shown.exercises for c in e.checks]
    root = ET.Element("testsuites", name=SUITES_NAME, **_counts(every_check))
    for exercise in shown.exercises:
        suite = ET.SubElement(root, "testsuite", name=exercise.id, **_counts(exercise.checks))
        _properties(
            suite,
            {"title": exercise.title, "score": points_text(exercise.score), "max_score": points_text(exercise.max_score)},
        )
        for check in exercise.checks:
            _testcase(suite, exercise, check)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
