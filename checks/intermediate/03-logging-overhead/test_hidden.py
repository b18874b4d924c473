"""Hidden checks for intermediate/03-logging-overhead: used for grading only, never shipped."""

import pytest

from o11y_course.drivers.overhead_probe import overhead_scenario
from o11y_course.feedback import expect, fail
from o11y_course.matchers.overhead import (
    FINDINGS_FACTOR,
    MODES,
    bytes_window,
    findings_text,
    line_count_problem,
    measured,
    plain_line_problems,
    read_findings,
    show,
    split_stream,
    structured_line_problems,
    timing_window,
)

N = 200
RUN = overhead_scenario(f"measure({N}, stream), between two runs of the grader's own measurement", N)
OTHER_N = 100
OTHER_RUN = overhead_scenario(f"measure({OTHER_N}, stream)", OTHER_N, baseline=False, findings=False)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_findings_figures_match_a_real_run(observe):
    """The ns/event and bytes/event in FINDINGS.md are within a factor of 10 of a real run on the grading machine."""
    values = observe(RUN).values
    findings = read_findings(findings_text(values))
    missing = [f"{mode} {name}" for mode in MODES for name in ("ns_per_event", "bytes_per_event") if name not in findings.figures.get(mode, {})]
    if missing:
        why = "; ".join(findings.table_problems[:2]) or "there is no Results section"
        fail(
            f"The results table of FINDINGS.md has no readable figure for {', '.join(missing[:3])}: {why}.",
            "fill in every cell of the three mode rows with a plain number from a run of measure()",
        )
    baseline = values["baseline"]
    for mode in MODES:
        stated = findings.figures[mode]
        accepted = timing_window(baseline, mode, FINDINGS_FACTOR)
        expect(
            stated["ns_per_event"] in accepted,
            f"FINDINGS.md gives {show(stated['ns_per_event'])} ns/event for {mode}, but {accepted.describe('ns per event')}.",
            "copy ns_per_event from a real run of measure(), in nanoseconds (1 µs = 1,000 ns)",
        )
        accepted = bytes_window(baseline, mode)
        expect(
            stated["bytes_per_event"] in accepted,
            f"FINDINGS.md gives {show(stated['bytes_per_event'])} bytes/event for {mode}, but {accepted.describe('bytes per event')}.",
            "copy bytes_per_event from a real run of measure(); the disabled mode writes nothing",
        )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_other_n_writes_exactly_n_events_of_the_contract(observe):
    """For another n, the stream gets exactly n plain and n JSON events, with order_id 0 to n-1 and the contract's fields."""
    values = measured(observe(OTHER_RUN))
    lines = split_stream(values["stream"])
    problem = line_count_problem(lines, OTHER_N)
    expect(problem is None, problem or "", "loop range(n) in every pass, with the n that measure() was given")
    problems = plain_line_problems(lines.plain, OTHER_N) + structured_line_problems(lines.structured, OTHER_N)
    expect(
        not problems,
        f"For n={OTHER_N} the events on the stream do not follow the contract: {'; '.join(problems[:2])}.",
        "log the contract's event with order_id = 0, 1, ..., n-1, the plain format and logger name given, and the three structlog processors",
    )
