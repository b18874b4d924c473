"""The grade report model and the reporters that render it for people and platforms."""

from __future__ import annotations

from collections.abc import Callable

from o11y_course.report import json_report, text
from o11y_course.report.model import GradeReport

REPORTERS: dict[str, Callable[[GradeReport], str]] = {
    "text": text.render,
    "json": json_report.render,
}
