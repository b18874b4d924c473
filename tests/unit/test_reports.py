"""The grade report model, its JSON Schema, and the text and json reporters."""

import json
from pathlib import Path

import jsonschema
import pytest

from o11y_course.report import REPORTERS
from o11y_course.report.model import SCHEMA, CheckResult, ExerciseResult, GradeReport
from o11y_course.report.saved import SCHEMA_FILE


@pytest.fixture
def report() -> GradeReport:
    """A report with one passing, one failing and one erroring check."""
    checks = [
        CheckResult("beginner/02-metrics-endpoint::test_a", "A works.", 2, "public", "pass"),
        CheckResult("beginner/02-metrics-endpoint::test_b", "B works.", 3, "hidden", "fail", "found 2, expected 3.", "count once"),
        CheckResult("beginner/02-metrics-endpoint::test_c", "C works.", 1, "public", "error", "Your code raised KeyError."),
    ]
    return GradeReport("/tmp/sub", [ExerciseResult("beginner/02-metrics-endpoint", "Metrics", checks)])


@pytest.fixture(scope="module")
def validator():
    """A validator for the report schema the package ships."""
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class TestModel:
    def test_scores_add_up(self, report):
        """Score counts passing checks only; max counts every check that ran."""
        assert (report.score, report.max_score) == (2, 6)
        assert report.exercise("beginner/02-metrics-endpoint").check("test_b").earned == 0

    def test_round_trip(self, report):
        """A report read back from its JSON form is the same report."""
        assert GradeReport.from_dict(json.loads(REPORTERS["json"](report))) == report


class TestJsonReporter:
    def test_output_validates_against_the_schema(self, report, validator):
        """The json format validates against the documented schema and carries its version."""
        data = json.loads(REPORTERS["json"](report))
        validator.validate(data)
        assert data["schema"] == SCHEMA and data["score"] == 2 and data["max_score"] == 6

    def test_schema_rejects_an_unknown_status(self, report, validator):
        """The schema is strict: an unknown status does not validate."""
        data = json.loads(REPORTERS["json"](report))
        data["exercises"][0]["checks"][0]["status"] = "passed"
        assert not validator.is_valid(data)


class TestTextReporter:
    def test_table_failures_and_total(self, report):
        """The text report has a row per check, the failures with message and hint, and the total."""
        text = REPORTERS["text"](report)
        assert "PASS    2/2   A works." in text
        assert "FAIL    0/3   B works. (hidden)" in text
        assert "ERROR   0/1   C works." in text
        assert "found 2, expected 3." in text and "hint: count once" in text
        assert text.rstrip().endswith("Total: 2/6")


def test_text_and_the_learner_view_show_control_characters_instead_of_sending_them():
    """A message quoting a learner's file with a terminal escape reaches the terminal as \\x1b, never as ESC."""
    import io

    from o11y_course.exercises import discover
    from o11y_course.learner.console import make_console
    from o11y_course.learner.views import show_exercise_result
    from tests.unit.report_fixtures import ESCAPE_MESSAGE, sample_report

    text = REPORTERS["text"](sample_report())
    assert "\x1b" not in text and "the log line was \\x1b[31mred\\x1b[0m, expected plain JSON" in text
    report = sample_report()
    exercise = next(e for e in discover(Path(__file__).resolve().parents[2] / "exercises") if e.id == report.exercises[1].id)
    out = io.StringIO()
    show_exercise_result(make_console(out), exercise, report.exercises[1])
    assert ESCAPE_MESSAGE not in out.getvalue() and "\\x1b[31mred" in out.getvalue()
