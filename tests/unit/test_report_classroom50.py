"""The classroom50 format: result.json for Classroom 50, integer scores and runner identity."""

import json

import pytest

from o11y_course.report import REPORTERS, classroom50
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from tests.unit.report_fixtures import EXPECTED_MAX, EXPECTED_SCORE, HIDDEN_TITLE, sample_report, validator

RUNNER = {
    "CLASSROOM": "o11y-2026",
    "ASSIGNMENT": "observability",
    "SUBMISSION_TAG": "submit/2026-11-02T10-00-00Z-abc1234",
    "COMMIT_URL": "https://github.com/org/o11y-2026-observability-ada/commit/abc1234",
    "RELEASE_URL": "https://github.com/org/o11y-2026-observability-ada/releases/tag/submit%2F2026",
    "REVIEW_URL": "https://github.com/org/o11y-2026-observability-ada/compare/a...b",
}


@pytest.fixture
def result() -> dict:
    """The sample report as result.json inside a Classroom 50 runner."""
    return json.loads(classroom50.render(sample_report(), environ=RUNNER))


class TestShape:
    def test_registered(self):
        """The format is registered under its name."""
        assert REPORTERS["classroom50"] is classroom50.render

    def test_validates_against_the_schema(self, result):
        """Inside the runner, result.json validates against the schema written from the runner's checks."""
        validator("classroom50").validate(result)
        assert result["schema"] == "classroom50/result/v1"

    def test_identity_comes_from_the_runner(self, result):
        """classroom, assignment, submission and links are the runner's values."""
        assert (result["classroom"], result["assignment"], result["submission"]) == ("o11y-2026", "observability", RUNNER["SUBMISSION_TAG"])
        assert (result["commit"], result["release"], result["review"]) == (RUNNER["COMMIT_URL"], RUNNER["RELEASE_URL"], RUNNER["REVIEW_URL"])

    def test_review_falls_back_to_the_commit(self):
        """Without REVIEW_URL the review link is the commit link, as the runner does."""
        environ = {k: v for k, v in RUNNER.items() if k != "REVIEW_URL"}
        assert classroom50.payload(sample_report(), environ=environ)["review"] == RUNNER["COMMIT_URL"]

    def test_outside_the_runner_identity_is_left_out(self):
        """Outside the runner the identity fields are absent, so the file does not pass for a real submission."""
        data = classroom50.payload(sample_report(), environ={})
        assert "classroom" not in data and "submission" not in data
        assert not validator("classroom50").is_valid(data)

    def test_schema_rejects_fractional_scores(self, result):
        """The schema follows the collector: a fractional score does not validate."""
        result["tests"][0]["score"] = 1.5
        assert not validator("classroom50").is_valid(result)


class TestIntegerScores:
    def test_halves_are_scaled_to_whole_numbers(self, result):
        """Points with halves are doubled; the factor is written as points-scale."""
        assert result["points-scale"] == 2
        assert all(isinstance(t["score"], int) and isinstance(t["max-score"], int) for t in result["tests"])

    def test_totals_agree_with_the_report(self, result):
        """score and max-score are the report's totals times the scale, and the sums of the tests."""
        scale = result["points-scale"]
        assert (result["score"], result["max-score"]) == (EXPECTED_SCORE * scale, EXPECTED_MAX * scale)
        assert result["score"] == sum(t["score"] for t in result["tests"]) <= result["max-score"]
        assert result["max-score"] == sum(t["max-score"] for t in result["tests"])
        assert all(0 <= t["score"] <= t["max-score"] for t in result["tests"])

    def test_whole_points_are_not_scaled(self):
        """With whole points the scores are the report's own and no points-scale is written."""
        checks = [CheckResult("beginner/02-x::a", "A", 2, "public", "pass"), CheckResult("beginner/02-x::b", "B", 3, "hidden", "fail", "m")]
        data = classroom50.payload(GradeReport("/s", [ExerciseResult("beginner/02-x", "X", checks)]), environ=RUNNER)
        assert (data["score"], data["max-score"]) == (2, 5) and "points-scale" not in data

    @pytest.mark.parametrize("points, scale", [([1, 2], 1), ([1, 0.5], 2), ([0.25, 1], 4), ([0.1, 1], 10), ([1 / 3], 3)])
    def test_points_scale(self, points, scale):
        """The scale is the smallest whole factor that makes every value whole."""
        assert classroom50.points_scale(points) == scale


class TestTests:
    def test_passed_only_for_passing_checks(self, result):
        """passed is true for pass only; the check's own status is kept as an extra field."""
        assert [t["passed"] for t in result["tests"][:4]] == [True, False, False, False]
        assert [t["status"] for t in result["tests"][:4]] == ["pass", "fail", "error", "skip"]

    def test_reveal_none_hides_hidden_titles(self, result):
        """Titles of hidden checks show by default and are replaced with numbers under --reveal none."""
        assert any(HIDDEN_TITLE in t["test-name"] for t in result["tests"])
        hidden = json.loads(classroom50.render(sample_report(), reveal="none", environ=RUNNER))
        assert not any(HIDDEN_TITLE in t["test-name"] for t in hidden["tests"])
        assert hidden["score"] == result["score"] and hidden["max-score"] == result["max-score"]
