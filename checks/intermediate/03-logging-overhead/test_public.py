"""Public checks for intermediate/03-logging-overhead: shipped to learners for self-checks."""

import pytest

from o11y_course.drivers.overhead_probe import overhead_scenario
from o11y_course.feedback import expect, fail
from o11y_course.matchers.overhead import (
    BYTES_TOLERANCE,
    MODES,
    findings_text,
    line_count_problem,
    measured,
    peak_window,
    read_findings,
    result_figures,
    schema_problems,
    show,
    split_stream,
    timing_window,
)

N = 200
RUN = overhead_scenario(f"measure({N}, stream), between two runs of the grader's own measurement", N)


@pytest.mark.points(1)
def test_result_has_the_documented_schema(observe):
    """measure(n, stream) returns ns_per_event, bytes_per_event and peak_kib for each of the three modes."""
    problems = schema_problems(measured(observe(RUN)).get("returned"))
    expect(
        not problems,
        f"measure({N}, stream) should return {{mode: {{figure: number}}}} for the modes disabled, plain and structured, but {'; '.join(problems[:3])}.",
        'return {"disabled": {"ns_per_event": ..., "bytes_per_event": ..., "peak_kib": ...}, "plain": {...}, "structured": {...}} with int or float values',
    )


@pytest.mark.points(1)
def test_stream_gets_n_lines_per_enabled_mode(observe):
    """The stream receives exactly n plain lines and n JSON lines, and nothing from the disabled mode."""
    problem = line_count_problem(split_stream(measured(observe(RUN))["stream"]), N)
    expect(
        problem is None,
        problem or "",
        "write warm-up and timed passes to a throwaway io.StringIO(), and log exactly one pass of n events per enabled mode to stream",
    )


@pytest.mark.points(1)
def test_bytes_per_event_match_the_stream(observe):
    """bytes_per_event of each mode is what that mode wrote to the stream, divided by n."""
    values = measured(observe(RUN))
    figures = result_figures(values)
    lines = split_stream(values["stream"])
    written = {"disabled": 0.0, "plain": lines.plain_bytes / N, "structured": lines.structured_bytes / N}
    for mode in MODES:
        reported = figures[mode]["bytes_per_event"]
        expect(
            abs(reported - written[mode]) <= BYTES_TOLERANCE,
            f"{mode}: bytes_per_event is {show(reported)}, but the stream received {show(written[mode])} bytes per event from that mode "
            f"({len(lines.plain)} plain and {len(lines.structured)} JSON lines in all).",
            "count the UTF-8 bytes of the one pass that goes to stream, for each mode separately (the difference of a running count), and divide by n",
        )


@pytest.mark.points(1)
def test_structured_events_are_larger_than_plain(observe):
    """A structured (JSON) event takes more bytes than a plain one, because it names every field."""
    figures = result_figures(measured(observe(RUN)))
    plain, structured = figures["plain"]["bytes_per_event"], figures["structured"]["bytes_per_event"]
    expect(
        structured > plain > 0,
        f"bytes_per_event is {show(plain)} for plain and {show(structured)} for structured; a JSON event repeats its field names, so it must be the larger one.",
        "use the contract's plain format and structlog's JSONRenderer with the same event, and count each mode's bytes separately",
    )


@pytest.mark.points(2)
def test_timings_agree_with_the_graders(observe):
    """ns_per_event of each mode is within a factor of 3 of the grader's own measurement on the same machine."""
    values = measured(observe(RUN))
    figures = result_figures(values)
    for mode in MODES:
        accepted = timing_window(values["baseline"], mode)
        reported = figures[mode]["ns_per_event"]
        if reported not in accepted:
            fail(
                f"{mode}: ns_per_event is {show(reported)}, but {accepted.describe('ns per event')}.",
                "time only the loop of n calls with time.perf_counter_ns(), in nanoseconds, with tracemalloc off; divide the median pass by n",
            )


@pytest.mark.points(1)
def test_memory_peaks_agree_with_the_graders(observe):
    """peak_kib of each mode is within a factor of 3 of the grader's own tracemalloc peak."""
    values = measured(observe(RUN))
    figures = result_figures(values)
    for mode in MODES:
        accepted = peak_window(values["baseline"], mode)
        reported = figures[mode]["peak_kib"]
        expect(
            reported in accepted,
            f"{mode}: peak_kib is {show(reported)}, but {accepted.describe('KiB')}.",
            "trace one pass of n events into a fresh io.StringIO(): tracemalloc.start(), the loop, "
            "tracemalloc.get_traced_memory()[1] / 1024 (bytes to KiB), tracemalloc.stop()",
        )


@pytest.mark.points(1)
def test_findings_has_the_required_sections(observe):
    """FINDINGS.md has Setup, Results (a table of the three modes with ns/event and bytes/event) and Conclusion."""
    findings = read_findings(findings_text(observe(RUN).values))
    expect(
        not findings.problems,
        f"FINDINGS.md does not have the required shape yet: {'; '.join(findings.problems[:3])}.",
        "keep the template's headings, replace every TODO, and put plain numbers in the table (e.g. 31,200)",
    )
