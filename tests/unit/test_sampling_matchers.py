"""The sampling matchers: scenario parameters out, driver answers in, teaching failures that list what is wrong."""

import json

import pytest
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.sampling import (
    SAMPLER_DRIVER,
    SEARCH_BOUND,
    expect_decisions,
    expect_exported,
    expect_limiter,
    flask_request,
    mentions_number,
    numbers_in,
    probe,
    sampled_bit,
    sampler_scenario,
    timeline,
    trace_id,
    traceparent,
    wrong_decisions,
)
from o11y_course.observation import Observation


def observed(**values):
    return Observation("t", values=values)


def test_bound_is_the_sdk_bound():
    """SEARCH_BOUND is TraceIdRatioBased(0.1).bound, the number the README states."""
    assert SEARCH_BOUND == TraceIdRatioBased(0.1).bound == 1844674407370955264


def test_trace_id_joins_halves():
    """trace_id(low, high) puts high in the top 64 bits and keeps both halves to 64 bits."""
    assert trace_id(1, 2) == (2 << 64) | 1
    assert trace_id(2**64 + 3) == 3


def test_sampled_bit_reads_bit_zero():
    """Flags 01 and 03 are sampled; 00 and 02 are not."""
    assert [sampled_bit(f) for f in (0x00, 0x01, 0x02, 0x03)] == [False, True, False, True]


def test_numbers_in_descriptions():
    """Numbers are read from free text, a percentage as a ratio; version-like noise is not a match."""
    assert numbers_in("TraceIdRatioBased{0.1}") == [0.1]
    assert mentions_number("keeps 10% of /search", 0.1)
    assert mentions_number("RateLimitingSampler{2.50/s}", 2.5)
    assert not mentions_number("RateLimitingSampler{25/s}", 2.5)
    assert not mentions_number("RouteSampler", 0.1)


def test_scenario_params_keep_ids_exact():
    """Trace ids travel as decimal strings; duplicate probe labels are refused."""
    big = trace_id(SEARCH_BOUND - 1, 2**64 - 1)
    scenario = sampler_scenario("s", probes=[probe("a", big, "GET /search")], flask=[flask_request("/x", trace_id=5)])
    params = json.loads(scenario.params_json)
    assert scenario.driver == SAMPLER_DRIVER
    assert int(params["probes"][0]["trace_id"]) == big
    assert params["flask"] == {"requests": [{"path": "/x", "trace_id": "5"}]}
    with pytest.raises(ValueError):
        sampler_scenario("s", probes=[probe("a", 1, "x"), probe("a", 2, "y")])


def test_flask_request_with_parent_flags_sends_traceparent():
    """A request with parent flags carries a traceparent header and no scripted root id."""
    request = flask_request("/search", trace_id=0xABC, parent_flags=3)
    assert request["trace_id"] is None
    assert request["headers"]["traceparent"] == traceparent(0xABC, 3) == f"00-{0xABC:032x}-00f067aa0ba902b7-03"


def test_wrong_decisions_lists_only_the_wrong_ones():
    """Each wrong or missing answer gets one line with expected and found."""
    results = {"a": {"sampled": True, "decision": "RECORD_AND_SAMPLE"}, "b": {"sampled": True, "decision": "RECORD_AND_SAMPLE"}}
    assert wrong_decisions(results, {"a": True, "b": False, "c": True}) == [
        "b: expected not sampled, found RECORD_AND_SAMPLE",
        "c: no answer",
    ]


def test_expect_decisions_explains_a_raise_first():
    """A probe that raised is reported as such, with the hint about SamplingResult."""
    raised = {"label": "a", "raised": {"type": "KeyError", "message": "'http.route'"}}
    observation = observed(probes=[raised, {"label": "b", "sampled": True, "decision": "RECORD_AND_SAMPLE"}])
    with pytest.raises(CheckFailure) as caught:
        expect_decisions(observation, {"a": True, "b": False}, "probes", "hint")
    assert "a: should_sample() raised KeyError: 'http.route'" in caught.value.message
    assert "attributes=None" in caught.value.hint


def test_expect_decisions_counts_and_truncates():
    """Many wrong decisions are counted, three shown, the rest summarised."""
    probes = [{"label": f"p{i}", "sampled": False, "decision": "DROP"} for i in range(5)]
    with pytest.raises(CheckFailure) as caught:
        expect_decisions(observed(probes=probes), {f"p{i}": True for i in range(5)}, "five spans", "try this")
    assert caught.value.message.startswith("5 of 5 decisions for five spans are wrong: p0: expected sampled, found DROP;")
    assert "and 2 more" in caught.value.message and caught.value.hint == "try this"
    expect_decisions(observed(probes=probes), {"p0": False}, "one span", "unused")


def step(at, route, sampled):
    return {"at": at, "name": f"GET {route}", "route": route, "sampled": sampled, "decision": "RECORD_AND_SAMPLE" if sampled else "DROP"}


def test_expect_limiter_names_the_first_difference_and_both_timelines():
    """The first differing step is named, then the expected and found timelines."""
    steps = [step(0, "/a", True), step(0, "/a", False), step(0.5, "/a", False)]
    observation = observed(limiters=[{"label": "L", "steps": steps}])
    expect_limiter(observation, "L", [True, False, False], "unused")
    with pytest.raises(CheckFailure) as caught:
        expect_limiter(observation, "L", [True, False, True], "refill")
    message = caught.value.message
    assert "'GET /a' at t=0.5 s should be sampled, but was dropped" in message
    assert "Expected t=0s /a:S /a:- | t=0.5s /a:S; found t=0s /a:S /a:- | t=0.5s /a:-." in message
    assert timeline([{"at": 1, "name": "GET /c", "route": None, "sampled": True}]) == "t=1s /c:S"


def test_expect_limiter_reports_a_failed_construction_or_call():
    """A limiter that could not be built, or whose should_sample raised, fails with what it raised."""
    with pytest.raises(CheckFailure, match="RateLimitingSampler could not be used"):
        expect_limiter(observed(limiters=[{"label": "L", "raised": {"type": "TypeError", "message": "clock"}, "steps": []}]), "L", [True], "h")
    broken = [{"at": 0, "name": "GET /a", "route": "/a", "raised": {"type": "NotImplementedError", "message": "TODO"}}]
    with pytest.raises(CheckFailure, match="raised NotImplementedError: TODO"):
        expect_limiter(observed(limiters=[{"label": "L", "steps": broken}]), "L", [True], "h")


def flask_result(path, flags=None, decision="DROP"):
    spans = [] if flags is None else [{"name": f"GET {path}", "trace_flags": flags}]
    return {"path": path, "status": 200, "spans": spans, "calls": [{"decision": decision, "sampled": decision != "DROP"}]}


def test_expect_exported_wants_one_sampled_span_exactly_when_expected():
    """A kept request needs one span with the sampled bit; a dropped one none."""
    good = observed(flask=[flask_result("/search", 0x03, "RECORD_AND_SAMPLE"), flask_result("/health")])
    expect_exported(good, [("search", True), ("health", False)], "h")
    bad = observed(flask=[flask_result("/search"), flask_result("/health", 0x03, "RECORD_AND_SAMPLE")])
    with pytest.raises(CheckFailure) as caught:
        expect_exported(bad, [("search", True), ("health", False)], "h")
    message = caught.value.message
    assert "2 of 2 requests went wrong" in message
    assert "expected its span exported: search: the sampler said DROP, exported no span" in message
    assert "expected no span: health: the sampler said RECORD_AND_SAMPLE, exported GET /health (flags 03)" in message
