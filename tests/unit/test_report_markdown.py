"""The markdown format: per-exercise tables and the checks to fix, escaped for GitHub."""

import re

import pytest

from o11y_course.report import REPORTERS, markdown
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.report.reveal import WITHHELD
from tests.unit.report_fixtures import HIDDEN_MESSAGE, HIDDEN_TITLE, METRICS, TRACING, hidden_texts, sample_report

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.fixture
def text() -> str:
    """The sample report as Markdown, default reveal."""
    return markdown.render(sample_report())


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row (header and separator rows left out), split on unescaped pipes."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith(("| Status |", "|---")):
            rows.append([cell.strip() for cell in UNESCAPED_PIPE.split(line)[1:-1]])
    return rows


def test_registered():
    """The format is registered under its name."""
    assert REPORTERS["markdown"] is markdown.render


def test_total_and_exercise_headings(text):
    """The total comes first; each exercise has a heading with its tier marker and score."""
    assert text.startswith("## Grade: 4.5/14\n")
    assert f"### 🔍 {markdown.escape(METRICS)}: Expose request metrics (4.5/9.5)" in text
    assert f"### 💡 {markdown.escape(TRACING)}: Trace a request (0/4.5)" in text


def test_one_row_per_check_with_four_cells(text):
    """Every check is a row of exactly four cells, even when its title contains a pipe."""
    rows = table_rows(text)
    assert len(rows) == sum(len(e.checks) for e in sample_report().exercises)
    assert all(len(row) == 4 for row in rows)
    assert rows[1][1] == r"Counts each request with its \| status."


def test_row_points_agree_with_the_report(text):
    """The earned/possible points of the rows add up to the report's totals."""
    earned = possible = 0.0
    for row in table_rows(text):
        e, p = row[2].split("/")
        earned, possible = earned + float(e), possible + float(p)
    assert (earned, possible) == (sample_report().score, sample_report().max_score)


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("a | b", r"a \| b"),
        ("line one\nline two", "line one<br>line two"),
        ("/items/<int:item_id> & co", "/items/&lt;int:item\\_id&gt; &amp; co"),
        ("*not bold* `code`", r"\*not bold\* \`code\`"),
    ],
)
def test_cell_escaping(raw, escaped):
    """Cells escape pipes, newlines, HTML-looking text and Markdown specials."""
    assert markdown.cell(raw) == escaped


def test_failing_checks_with_messages_and_hints(text):
    """Each non-passing check is listed under What to fix with its message and hint, escaped."""
    assert text.count("**What to fix**") == 2
    assert "  - found status \\| 500, expected 200\n" in text
    assert "  - *Hint:* label with /items/&lt;int:item\\_id&gt; &amp; friends" in text
    assert "GET /metrics answers 200." not in text.split("**What to fix**")[1].split("###")[0]


def test_multiline_message_is_a_code_block(text):
    """A multi-line message (a span tree) is kept verbatim in a fenced block."""
    assert "  ```text\n  the span tree is:\n  GET /checkout\n    charge_card\n  ```" in text


def test_code_block_fence_outgrows_backticks():
    """A fence is longer than any backtick run in the text, so the text cannot close it."""
    block = markdown.code_block("a ```` b")
    assert block[0] == "`````text" and block[-1] == "`````"


def test_default_withholds_hidden_messages(text):
    """By default hidden checks show title and points; message and hint are withheld."""
    assert not any(secret in text or markdown.escape(secret) in text for secret in hidden_texts())
    assert markdown.escape(HIDDEN_TITLE) in text and markdown.escape(WITHHELD) in text


def test_reveal_hidden_and_none():
    """--reveal hidden lists hidden messages; --reveal none also replaces hidden titles."""
    assert markdown.escape(HIDDEN_MESSAGE) in markdown.render(sample_report(), reveal="hidden")
    anonymous = markdown.render(sample_report(), reveal="none")
    assert markdown.escape(HIDDEN_TITLE) not in anonymous and "Hidden check 1" in anonymous


def test_parametrized_checks_get_their_case():
    """Checks run once per case share a title; each row names its case."""
    checks = [CheckResult(f"beginner/01-x::test_first[{case}]", "Starts with the right pillar.", 0.5, "public", "pass") for case in ("a-leak", "b-404")]
    rows = table_rows(markdown.render(GradeReport("/s", [ExerciseResult("beginner/01-x", "X", checks)])))
    assert [row[1] for row in rows] == [r"Starts with the right pillar. \[a-leak\]", r"Starts with the right pillar. \[b-404\]"]


def test_a_title_that_names_its_case_keeps_it_once():
    """The grader's titles of parametrized checks end with the case already: it is not added twice."""
    checks = [CheckResult("beginner/01-x::test_first[a-leak]", "Starts with the right pillar. [a-leak]", 0.5, "public", "pass")]
    rows = table_rows(markdown.render(GradeReport("/s", [ExerciseResult("beginner/01-x", "X", checks)])))
    assert [row[1] for row in rows] == [r"Starts with the right pillar. \[a-leak\]"]
