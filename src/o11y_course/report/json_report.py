"""The ``json`` format: the report model as documented in report/grade-report.schema.json."""

from __future__ import annotations

import json

from o11y_course.report.model import GradeReport


def render(report: GradeReport) -> str:
    """The report as indented JSON."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
