"""The logging-overhead matchers: the result's shape, the stream's lines, accepted ranges and FINDINGS.md."""

import io
import json
from pathlib import Path

import pytest

from o11y_course.drivers.overhead_baseline import events_pass
from o11y_course.feedback import CheckFailure, SubmissionError
from o11y_course.matchers.overhead import (
    Window,
    bytes_window,
    findings_text,
    line_count_problem,
    measured,
    parse_figure,
    peak_window,
    plain_line_problems,
    read_findings,
    result_figures,
    schema_problems,
    show,
    split_stream,
    structured_line_problems,
    timing_window,
)
from o11y_course.observation import Observation

REPO = Path(__file__).resolve().parents[2]
FOLDER = "intermediate/03-logging-overhead"
GOOD = {
    "disabled": {"ns_per_event": 380.5, "bytes_per_event": 0, "peak_kib": 0.5},
    "plain": {"ns_per_event": 30000, "bytes_per_event": 96.9, "peak_kib": 157.0},
    "structured": {"ns_per_event": 32000.0, "bytes_per_event": 139.9, "peak_kib": 196.0, "notes": "extra keys are fine"},
}
BASELINE = {
    "ns_per_event": {"before": {"disabled": 400.0, "plain": 30000.0, "structured": 33000.0}, "after": {"disabled": 420.0, "plain": 36000.0, "structured": 34000.0}},
    "bytes_per_event": {"disabled": 0.0, "plain": 96.9, "structured": 139.9},
    "peak_kib": {"disabled": 0.5, "plain": 157.0, "structured": 250.0},
}


def stream_of(*passes: tuple[str, int]) -> dict:
    """The driver's stream summary after the grader's own loggers wrote the given (mode, n) passes."""
    sink = io.StringIO()
    for mode, n in passes:
        events_pass(mode, n, sink)()
    lines = sink.getvalue().splitlines()
    return {"lines": lines, "line_count": len(lines), "bytes": len(sink.getvalue()), "truncated": False, "closed": False}


class TestResult:
    def test_documented_shape_has_no_problems(self):
        """Three modes, three non-negative numbers each; extra keys inside a mode are ignored."""
        assert schema_problems(GOOD) == []
        assert result_figures({"returned": GOOD})["disabled"]["ns_per_event"] == 380.5

    def test_empty_and_wrong_types(self):
        """An empty dict lacks every mode; a non-dict, a tuple of figures or a placeholder object is named."""
        assert schema_problems({}) == ["{} lacks the keys 'disabled', 'plain', 'structured'"]
        assert "not a dict with one entry per mode" in schema_problems([1, 2])[0]
        broken = {**GOOD, "plain": [1, 2, 3]}
        assert schema_problems(broken) == ["result['plain'] is [1, 2, 3], not a dict of figures"]
        odd = {**GOOD, "structured": {"$type": "Stats", "$repr": "Stats()"}}
        assert schema_problems(odd) == ["result['structured'] is Stats() (a Stats), not a dict of figures"]

    def test_figures_must_be_non_negative_numbers(self):
        """Booleans, strings, placeholders for Decimal or NaN, missing and negative figures are each reported."""
        entry = {"ns_per_event": True, "bytes_per_event": "97", "peak_kib": -1}
        problems = schema_problems({**GOOD, "plain": entry})
        assert problems == [
            "result['plain']['ns_per_event'] is true, not an int or float",
            "result['plain']['bytes_per_event'] is \"97\", not an int or float",
            "result['plain']['peak_kib'] is negative (-1)",
        ]
        nan = {"ns_per_event": {"$type": "float", "$repr": "nan"}, "bytes_per_event": 0}
        assert schema_problems({**GOOD, "disabled": nan}) == [
            "result['disabled']['ns_per_event'] is nan (a float), not an int or float",
            "result['disabled'] has no 'peak_kib'",
        ]

    def test_extra_modes_are_reported(self):
        """A key that is not one of the three modes is a problem."""
        assert schema_problems({**GOOD, "json": {}}) == ["it has the key 'json', which is not a mode"]

    def test_result_figures_fails_on_a_wrong_shape(self):
        """Checks that compare figures fail with the shape problem first."""
        with pytest.raises(CheckFailure, match="lacks the keys"):
            result_figures({"returned": {}})

    def test_a_crash_is_a_submission_error(self):
        """A crash that the driver recorded makes the check an error that explains it."""
        crash = {"phase": "measure", "type": "ZeroDivisionError", "message": "division by zero", "traceback": ["overhead.py, line 3, in measure"]}
        with pytest.raises(SubmissionError, match="raised ZeroDivisionError while measure: division by zero"):
            measured(Observation("s", values={"crash": crash}))
        assert measured(Observation("s", values={"returned": GOOD}))["returned"] is GOOD


class TestStream:
    def test_grader_passes_split_into_plain_and_json(self):
        """The grader's own passes give n JSON objects and n plain lines, with their sizes."""
        lines = split_stream(stream_of(("disabled", 20), ("plain", 20), ("structured", 20)))
        assert (len(lines.plain), len(lines.structured), lines.total) == (20, 20, 40)
        assert line_count_problem(lines, 20) is None
        assert lines.structured_bytes > lines.plain_bytes > 20 * 80

    def test_counts_that_are_off(self):
        """Extra or missing lines are reported with both counts and the first lines."""
        problem = line_count_problem(split_stream(stream_of(("plain", 25), ("structured", 20))), 20)
        assert problem is not None
        assert "got 45 lines: 20 JSON objects (structured) and 25 other lines (plain); expected exactly 20 of each" in problem
        assert "overhead.plain: order placed order_id=0" in problem
        assert "got 0 lines" in line_count_problem(split_stream({"lines": [], "line_count": 0}), 5)

    def test_json_that_is_not_an_object_is_plain(self):
        """Only JSON objects count as structured events."""
        lines = split_stream({"lines": ['{"event": "x"}', "[1, 2]", "42", "text"], "line_count": 4})
        assert len(lines.structured) == 1 and lines.plain == ("[1, 2]", "42", "text")

    def test_grader_lines_follow_the_contract(self):
        """The grader's own events have the contract's fields and order ids 0..n-1."""
        lines = split_stream(stream_of(("plain", 30), ("structured", 30)))
        assert plain_line_problems(lines.plain, 30) == []
        assert structured_line_problems(lines.structured, 30) == []

    def test_wrong_plain_lines(self):
        """A foreign format, logger or field is reported once with its count; wrong ids are summarised."""
        other_logger = "2025-03-02 10:15:04,120 INFO shop: order placed order_id=0 item=tea amount_cents=450"
        verbose = "2025-03-02 10:15:04,120 INFO [overhead.plain] x.py:3: order placed order_id=1 item=tea amount_cents=450"
        problems = plain_line_problems([other_logger, verbose, verbose], 3)
        assert problems[0].startswith("1 of 3 plain lines do not come from the logger 'overhead.plain' at INFO")
        assert problems[1].startswith("2 of 3 plain lines do not have the contract's plain format")
        good = "2025-03-02 10:15:04,120 INFO overhead.plain: order placed order_id={} item=tea amount_cents=450"
        assert plain_line_problems([good.format(0), good.format(0)], 2) == [
            "the plain lines should carry order_id 0 to 1, once each; found 2 ids from 0 to 0 (1 distinct)"
        ]

    def test_wrong_json_lines(self):
        """Missing or wrong fields are named; a bool is no order id; wrong ids are summarised."""
        good = {"event": "order placed", "order_id": 0, "item": "tea", "amount_cents": 450, "level": "info", "timestamp": "2025-03-02T10:15:04.120512Z"}
        problems = structured_line_problems([{**good, "level": "INFO", "order_id": True}, {k: v for k, v in good.items() if k != "timestamp"}], 2)
        assert problems[0].startswith("1 of 2 JSON lines have a missing or wrong level, order_id, e.g. ")
        assert problems[1].startswith("1 of 2 JSON lines have a missing or wrong timestamp")
        assert structured_line_problems([good, good], 2) == [
            "the JSON lines should carry order_id 0 to 1, once each; found 2 ids from 0 to 0 (1 distinct)"
        ]


class TestWindows:
    def test_timing_window_spans_both_grader_runs(self):
        """From a third of the lower to three times the higher of the grader's two timings."""
        accepted = timing_window(BASELINE, "plain")
        assert (accepted.low, accepted.high) == (10000.0, 108000.0)
        assert 9999 not in accepted and 10000 in accepted and 108001 not in accepted

    def test_disabled_timing_has_a_floor(self):
        """The disabled mode is accepted up to 2,000 ns, whatever the grader measured."""
        accepted = timing_window(BASELINE, "disabled")
        assert accepted.high == 2000.0 and 1999 in accepted and 100 not in accepted
        assert timing_window(BASELINE, "disabled", 10).high == 4200.0

    def test_peak_windows(self):
        """Enabled modes get a factor of 3; the disabled peak only an upper bound of 64 KiB."""
        assert (peak_window(BASELINE, "structured").low, peak_window(BASELINE, "structured").high) == (250 / 3, 750.0)
        disabled = peak_window(BASELINE, "disabled")
        assert 0 in disabled and 64 in disabled and 552 not in disabled

    def test_bytes_window_for_findings(self):
        """FINDINGS bytes are accepted within a factor of 10; the disabled mode must say 0."""
        assert 9.7 in bytes_window(BASELINE, "plain") and 9.6 not in bytes_window(BASELINE, "plain")
        assert 0 in bytes_window(BASELINE, "disabled") and 1 not in bytes_window(BASELINE, "disabled")

    def test_description_names_the_grader_and_the_range(self):
        """The message gives the grader's figures once each and the accepted range."""
        assert Window(10, 30000, (400.0, 400.0)).describe("ns") == "the grader measured 400 ns in the same run (accepted: 10 to 30,000)"
        assert show(0.000392) == "0.000392" and show(96.89) == "96.9" and show(31234.5) == "31,234"


class TestFindings:
    def test_reference_findings_read_cleanly(self):
        """The reference FINDINGS.md has every section and a figure per mode."""
        findings = read_findings((REPO / "reference" / FOLDER / "FINDINGS.md").read_text(encoding="utf-8"))
        assert findings.problems == ()
        assert findings.figures["plain"] == {"ns_per_event": 25700.0, "bytes_per_event": 96.9}
        assert findings.figures["disabled"]["bytes_per_event"] == 0

    def test_template_is_all_todo(self):
        """The template's sections still say TODO and its cells are not numbers."""
        findings = read_findings((REPO / "exercises" / FOLDER / "FINDINGS.md").read_text(encoding="utf-8"))
        for title in ("Setup", "Results", "Conclusion"):
            assert f"the {title} section still says TODO" in findings.problems
        assert "the ns/event of 'disabled' in the results table is 'TODO', not a number" in findings.table_problems
        assert findings.figures == {"disabled": {}, "plain": {}, "structured": {}}

    def test_columns_in_any_order_and_spelling(self):
        """Columns are found by name (``ns per event`` too), rows by mode name, emphasis ignored."""
        text = (
            "## Setup\none two three four five six seven eight nine ten\n"
            "## Results\n| Bytes/Event | **Mode** | ns per event |\n|--|--|--|\n"
            "| 0 | disabled | ~390 ns |\n| 97 B | `plain` | 31,200 |\n| 140 | Structured | 33,000.5 |\n"
            "## Conclusion\nJSON costs more bytes than plain text, and a little more time too.\n"
        )
        findings = read_findings(text)
        assert findings.problems == ()
        assert findings.figures["disabled"] == {"ns_per_event": 390.0, "bytes_per_event": 0.0}
        assert findings.figures["structured"] == {"ns_per_event": 33000.5, "bytes_per_event": 140.0}

    def test_missing_pieces_are_each_named(self):
        """A missing section, a short section, a missing row and a missing table are each reported."""
        text = "## Setup\nA laptop.\n## Results\n| mode | ns/event | bytes/event |\n|-|-|-|\n| plain | 3 | 97 |\n"
        assert read_findings(text).problems == (
            "the Setup section has 2 words; write at least 10",
            "the results table has no row for the mode 'disabled'",
            "the results table has no row for the mode 'structured'",
            "there is no '## Conclusion' section",
        )
        no_table = read_findings("## Results\n| mode | ns |\n|-|-|\n")
        assert "the Results section has no table with the columns mode, ns/event and bytes/event" in no_table.problems

    def test_parse_figure(self):
        """Plain numbers, thousands commas, decimals, exponents and the column's own unit are numbers."""
        assert [parse_figure(c, "ns_per_event") for c in ("31,200", "0.5", "1.2e3", "~97", "≈ 40", "390 ns", "*12*")] == [31200, 0.5, 1200, 97, 40, 390, 12]
        assert [parse_figure(c, "ns_per_event") for c in ("30.5 µs", "TODO", "31 200", "1,20", "", "97 B")] == [None] * 6
        assert parse_figure("97 bytes", "bytes_per_event") == 97

    def test_findings_text_needs_the_file(self):
        """A missing or refused FINDINGS.md fails the check with what to do."""
        with pytest.raises(CheckFailure, match="FINDINGS.md is missing"):
            findings_text({"findings": {"files": {"FINDINGS.md": None}, "missing": ["FINDINGS.md"], "refused": {}}})
        with pytest.raises(CheckFailure, match="could not be read: it is not UTF-8"):
            findings_text({"findings": {"files": {"FINDINGS.md": None}, "missing": [], "refused": {"FINDINGS.md": "it is not UTF-8 text"}}})
        assert findings_text({"findings": {"files": {"FINDINGS.md": "x"}}}) == "x"


def test_stream_summary_round_trips_through_json():
    """What the matchers read is plain JSON data, as it arrives from the sandbox."""
    summary = json.loads(json.dumps(stream_of(("plain", 3))))
    assert len(split_stream(summary).plain) == 3
