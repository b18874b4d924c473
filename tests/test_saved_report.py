"""``o11y report FILE --format F``: a saved JSON report rendered again, as a workflow does after grading once."""

from __future__ import annotations

import base64
import json

import pytest

from o11y_course.report import REPORTERS
from o11y_course.report.model import GradeReport


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The JSON report of the reference's first exercise, saved to a file."""
    import subprocess
    import sys

    from tests.conftest import REPO

    result = subprocess.run([sys.executable, "-m", "o11y_course", "grade", "reference", "-e", "01", "--format", "json"], cwd=REPO, capture_output=True, text=True)
    path = tmp_path_factory.mktemp("report") / "report.json"
    path.write_text(result.stdout)
    return path


@pytest.mark.parametrize("fmt", ["markdown", "classroom", "text", "json"])
def test_renders_the_saved_report(run_o11y, saved, fmt):
    """Each format of the saved report equals the reporter's output for the same report."""
    result = run_o11y("report", str(saved), "--format", fmt)
    assert result.returncode == 0, result.stderr
    report = GradeReport.from_dict(json.loads(saved.read_text()))
    assert result.stdout == REPORTERS[fmt](report)


def test_classroom_output_decodes_to_the_scores(run_o11y, saved):
    """The classroom rendering is the reporter's base64 JSON with the saved scores."""
    decoded = json.loads(base64.b64decode(run_o11y("report", str(saved), "--format", "classroom").stdout))
    assert decoded["max_score"] == json.loads(saved.read_text())["max_score"]
    assert sum(t["score"] for t in decoded["tests"]) == json.loads(saved.read_text())["score"]


def test_reveal_passes_through(run_o11y, saved):
    """--reveal none hides hidden checks' titles in a platform format."""
    shown = run_o11y("report", str(saved), "--format", "markdown", "--reveal", "none").stdout
    assert "Hidden check 1" in shown


@pytest.mark.parametrize(
    "content, message",
    [("not json", "is not JSON"), ('{"schema": "other"}', "is not a grade report"), ('{"schema": "o11y-course/grade-report/v1"}', "not a complete grade report")],
)
def test_bad_files_are_one_line_errors(run_o11y, tmp_path, content, message):
    """A file that is not a grade report gets one line and exit code 2."""
    path = tmp_path / "r.json"
    path.write_text(content)
    result = run_o11y("report", str(path), "--format", "markdown")
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("status", "weird", "checks[0].status: 'weird' is not one of"),
        ("points", "x", "checks[0].points: 'x' is not of type 'number'"),
        ("message", None, "checks[0].message: None is not of type 'string'"),
        ("visibility", "secret", "checks[0].visibility: 'secret' is not one of"),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "markdown", "junit", "gradescope"])
def test_a_report_against_the_schema_is_a_one_line_error(run_o11y, saved, tmp_path, field, value, message, fmt):
    """A report edited out of the schema's shape is refused with where and what, never a traceback."""
    data = json.loads(saved.read_text())
    data["exercises"][0]["checks"][0][field] = value
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    result = run_o11y("report", str(path), "--format", fmt)
    assert result.returncode == 2, result.stderr
    assert f"is not a complete grade report: exercises[0].{message}" in result.stderr and result.stderr.count("\n") == 1
