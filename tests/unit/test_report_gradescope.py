"""The gradescope format: results.json with hidden checks shown after publishing."""

import json

import pytest

from o11y_course.report import REPORTERS, gradescope
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


@pytest.fixture
def results() -> dict:
    """The sample report as results.json, default reveal."""
    return json.loads(gradescope.render(sample_report()))


def test_registered():
    """The format is registered under its name."""
    assert REPORTERS["gradescope"] is gradescope.render


def test_validates_against_the_schema(results):
    """results.json validates against the schema written from Gradescope's specification."""
    validator("gradescope").validate(results)


def test_schema_rejects_an_unknown_visibility(results):
    """The schema is strict: an undocumented visibility does not validate."""
    results["tests"][0]["visibility"] = "secret"
    assert not validator("gradescope").is_valid(results)


def test_totals_agree_with_the_report(results):
    """The top-level score and the sums of the tests' score and max_score equal the report's."""
    assert results["score"] == EXPECTED_SCORE == sum(t["score"] for t in results["tests"])
    assert sum(t["max_score"] for t in results["tests"]) == EXPECTED_MAX


def test_status_and_numbering(results):
    """Passing checks are passed, every other status failed; tests are numbered exercise.check."""
    assert [t["status"] for t in results["tests"][:4]] == ["passed", "failed", "failed", "failed"]
    assert [t["number"] for t in results["tests"]][-3:] == ["2.1", "2.2", "2.3"]


def test_hidden_checks_after_published(results):
    """Public checks are visible; hidden checks are shown after the grades are published."""
    visibility = {t["name"].split(": ", 1)[1]: t["visibility"] for t in results["tests"]}
    assert visibility[HIDDEN_TITLE] == "after_published" and visibility["GET /metrics answers 200."] == "visible"


def test_output_has_message_and_hint(results):
    """A failing public check's output is its message and hint."""
    assert results["tests"][1]["output"] == f"{PIPE_MESSAGE}\nHint: {ROUTE_HINT}"


def test_default_withholds_hidden_messages(results):
    """By default hidden checks keep title and points and withhold their message and hint."""
    text = json.dumps(results)
    assert not any(secret in text for secret in hidden_texts())
    hidden = next(t for t in results["tests"] if t["name"].endswith(HIDDEN_TITLE))
    assert hidden["output"] == WITHHELD and hidden["max_score"] == 2


def test_reveal_hidden_shows_hidden_messages():
    """--reveal hidden puts hidden messages in their (after_published) output."""
    results = json.loads(gradescope.render(sample_report(), reveal="hidden"))
    hidden = next(t for t in results["tests"] if t["name"].endswith(HIDDEN_TITLE))
    assert HIDDEN_MESSAGE in hidden["output"]


def test_summary_counts_public_checks_only(results):
    """The always-visible summary gives public points and says how many hidden points wait for publishing."""
    assert results["output"] == "Public checks: 2/8.5 points. 3 hidden checks (5.5 points) appear when the grades are published."
