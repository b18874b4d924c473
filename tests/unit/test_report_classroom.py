"""The classroom format: the base64 result that classroom-resources/autograding-grading-reporter reads."""

import base64
import json

import pytest

from o11y_course.report import REPORTERS, classroom
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.report.reveal import WITHHELD
from tests.unit.report_fixtures import (
    EXPECTED_MAX,
    EXPECTED_SCORE,
    HIDDEN_MESSAGE,
    HIDDEN_TITLE,
    PIPE_MESSAGE,
    ROUTE_HINT,
    hidden_texts,
    sample_report,
    validator,
)


def decode(output: str) -> dict:
    """What the reporter does: base64-decode the step output and parse the JSON."""
    return json.loads(base64.b64decode(output.strip()).decode("utf-8"))


def console(data: dict) -> str:
    """The lines the reporter's log shows for one runner (its console-results rules)."""
    lines = []
    for test in data["tests"]:
        if test["status"] == "pass":
            lines.append(f"✅ {test['name']}")
        elif test["status"] == "error":
            lines.append(f"Error: {test['message'] or 'Failed to run test'}")
        else:
            lines.append(f"❌ {test['name']}")
        if test["test_code"]:
            lines.append(f"Test code:\n{test['test_code']}")
    return "\n".join(lines)


@pytest.fixture
def data() -> dict:
    """The decoded classroom payload of the sample report, default reveal."""
    return decode(classroom.render(sample_report()))


class TestShape:
    def test_registered(self):
        """The format is registered under its name."""
        assert REPORTERS["classroom"] is classroom.render

    def test_one_line_of_base64(self):
        """The output is one base64 line, fit for `echo "result=$(...)" >> $GITHUB_OUTPUT`."""
        output = classroom.render(sample_report())
        assert output.endswith("\n") and "\n" not in output.rstrip("\n")
        base64.b64decode(output.strip(), validate=True)

    def test_validates_against_the_schema(self, data):
        """The decoded payload validates against the schema written from the reporter and grader docs."""
        validator("classroom").validate(data)
        assert data["version"] == 1

    def test_schema_rejects_a_missing_tests_list(self, data):
        """The schema is strict: a payload without tests (which crashes the reporter) does not validate."""
        del data["tests"]
        assert not validator("classroom").is_valid(data)


class TestTotals:
    def test_notice_totals_agree_with_the_report(self, data):
        """The reporter's notice (sum of tests[].score over max_score) equals the report's score and max."""
        total = 0.0
        for test in data["tests"]:  # the reporter adds floats left to right, as Python does
            total += test["score"]
        assert (total, data["max_score"]) == (EXPECTED_SCORE, EXPECTED_MAX) == (sample_report().score, sample_report().max_score)

    def test_one_test_per_check_with_its_earned_points(self, data):
        """Each check is one test; its score is the points it earned."""
        checks = [c for e in sample_report().exercises for c in e.checks]
        assert len(data["tests"]) == len(checks)
        assert [t["score"] for t in data["tests"]] == [c.earned for c in checks]

    def test_whole_points_are_integers(self, data):
        """Whole points are written as integers (2, not 2.0); halves stay fractional."""
        assert isinstance(data["tests"][0]["score"], int) and data["max_score"] == 14
        assert isinstance(data["max_score"], int)


class TestStatuses:
    def test_status_mapping(self, data):
        """pass, fail and error map to themselves; skip is a fail; the run fails when any check fails."""
        assert [t["status"] for t in data["tests"][:4]] == ["pass", "fail", "error", "fail"]
        assert data["status"] == "fail"

    @pytest.mark.parametrize(
        "statuses, overall",
        [(["pass", "pass"], "pass"), (["pass", "error"], "error"), (["error", "fail"], "fail"), (["skip"], "fail"), ([], "error")],
    )
    def test_overall_status(self, statuses, overall):
        """The run passes only when every check passes; errors alone make it error; no checks is an error."""
        checks = [CheckResult(f"beginner/02-x::t{i}", f"T{i}", 1, "public", s, "m") for i, s in enumerate(statuses)]
        report = GradeReport("/s", [ExerciseResult("beginner/02-x", "X", checks)])
        assert classroom.payload(report)["status"] == overall


class TestFeedbackWhereTheReporterPrintsIt:
    def test_failure_message_and_hint_are_printed(self, data):
        """A failing check's message and hint reach the log via test_code, since `message` is not printed for failures."""
        log = console(data)
        assert PIPE_MESSAGE in log and f"hint: {ROUTE_HINT}" in log
        assert "skipped: prometheus is not installed." in log

    def test_error_message_names_the_check(self, data):
        """An error prints only its message, so the message starts with the check's name."""
        error = data["tests"][2]
        assert error["message"].startswith(error["name"]) and "KeyError" in error["message"]
        assert "Error: beginner/02-metrics-endpoint: The app imports. (0/1 pts)" in console(data)

    def test_passing_checks_print_no_test_code(self, data):
        """A passing check prints only its name."""
        assert data["tests"][0]["test_code"] == "" and data["tests"][0]["message"] == ""


class TestHiddenChecks:
    def test_default_withholds_hidden_messages(self, data):
        """By default a hidden check shows its title and points but none of its message or hint."""
        text = json.dumps(data)
        assert not any(secret in text for secret in hidden_texts())
        assert HIDDEN_TITLE in text and WITHHELD in console(data)

    def test_reveal_hidden_shows_them(self):
        """--reveal hidden puts hidden messages in the log like public ones."""
        log = console(decode(classroom.render(sample_report(), reveal="hidden")))
        assert HIDDEN_MESSAGE in log and "look for a loop" in log

    def test_reveal_none_hides_titles_but_keeps_points(self):
        """--reveal none replaces hidden titles with numbers; the totals do not change."""
        data = decode(classroom.render(sample_report(), reveal="none"))
        assert HIDDEN_TITLE not in json.dumps(data) and "Hidden check 1" in json.dumps(data)
        assert sum(t["score"] for t in data["tests"]) == EXPECTED_SCORE and data["max_score"] == EXPECTED_MAX

    def test_unknown_reveal_level_is_refused(self):
        """An unknown reveal level is an error, not a silent default."""
        with pytest.raises(ValueError, match="unknown reveal level"):
            classroom.render(sample_report(), reveal="all")
