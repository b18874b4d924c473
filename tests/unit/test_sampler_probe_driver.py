"""The sampler driver, run in this process on small sampling modules written by the test."""

import os
import sys
import textwrap

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

from o11y_course.drivers.sampler_probe import parent_context, run, seeded_trace_ids
from o11y_course.matchers.sampling import (
    flask_request,
    limiter_run,
    limiter_step,
    local_parent,
    probe,
    remote_parent,
    route_probe,
    sampler_scenario,
    trace_id,
)
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash

HALF = 2**63  # TraceIdRatioBased(0.5).bound
MODULE = textwrap.dedent(
    """
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, TraceIdRatioBased


    class HealthAware(Sampler):
        def __init__(self):
            self.ratio = TraceIdRatioBased(0.5)

        def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):
            if name == "GET /boom":
                raise KeyError("http.route")
            if name == "GET /odd":
                return "yes"
            chosen = ALWAYS_OFF if name == "GET /health" else self.ratio
            return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

        def get_description(self):
            return "HealthAware{0.5}"


    def build_sampler():
        return ParentBased(HealthAware())


    class RateLimitingSampler(Sampler):
        \"\"\"Samples once the clock reads 1 or more; remembers every time it read.\"\"\"

        def __init__(self, max_per_second, clock):
            if max_per_second < 0:
                raise ValueError("negative rate")
            self.clock = clock
            self.seen = []

        def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):
            now = self.clock()
            chosen = ALWAYS_ON if now >= 1 else ALWAYS_OFF
            return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

        def get_description(self):
            return "RateLimitingSampler{late}"
    """
)


@pytest.fixture
def context(tmp_path, monkeypatch):
    """A driver context whose protocol messages are discarded, with ``samplertest`` importable."""
    (tmp_path / "samplertest.py").write_text(MODULE)
    (tmp_path / "notasampler.py").write_text("def build_sampler():\n    return 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sink = os.open(os.devnull, os.O_WRONLY)
    yield DriverContext(str(tmp_path), sink)
    os.close(sink)
    for name in ("samplertest", "notasampler"):
        sys.modules.pop(name, None)


def drive(context, module="samplertest", **parts):
    return run(context, sampler_scenario("t", module=module, **parts).params)["values"]


def test_probes_report_each_decision_and_keep_going_after_a_raise(context):
    """Every probe gets an answer: a decision, what the sampler raised, or a wrong return value."""
    values = drive(
        context,
        probes=[
            probe("below", trace_id(HALF - 1, 0xFFFF), "GET /search"),
            probe("at", trace_id(HALF), "GET /search", parent="empty"),
            probe("health", trace_id(1), "GET /health", {"http.route": "/health"}),
            probe("boom", trace_id(1), "GET /boom"),
            probe("odd", trace_id(1), "GET /odd"),
            probe("remote 03", trace_id(HALF + 5), "GET /search", parent=remote_parent(0x03)),
            probe("remote 02", trace_id(1), "GET /search", parent=remote_parent(0x02)),
            probe("local 01", trace_id(HALF + 5), "GET /health", parent=local_parent(0x01)),
        ],
    )
    answers = {p["label"]: p for p in values["probes"]}
    assert [p["label"] for p in values["probes"]][-1] == "local 01"
    assert answers["below"] == {"label": "below", "decision": "RECORD_AND_SAMPLE", "sampled": True}
    assert answers["at"]["decision"] == "DROP"
    assert answers["health"]["sampled"] is False
    assert answers["boom"]["raised"] == {"type": "KeyError", "message": "'http.route'"}
    assert "not a SamplingResult" in answers["odd"]["wrong"]
    assert answers["remote 03"]["sampled"] is True
    assert answers["remote 02"]["sampled"] is False
    assert answers["local 01"]["sampled"] is True


def test_parent_context_builds_the_parent_span():
    """A parent spec becomes a context whose current span has the probe's trace id and the given flags."""
    assert parent_context(None, 5) is None
    assert not trace.get_current_span(parent_context("empty", 5)).get_span_context().is_valid
    parent = trace.get_current_span(parent_context(remote_parent(3), 5)).get_span_context()
    assert (parent.trace_id, parent.is_remote, int(parent.trace_flags), parent.trace_flags.sampled) == (5, True, 3, True)
    assert trace.get_current_span(parent_context(local_parent(0), 5)).get_span_context().is_remote is False


def test_count_uses_the_same_seeded_ids_everywhere(context):
    """The count is that of TraceIdRatioBased(0.5) over the seeded ids, which repeat for the same seed."""
    assert seeded_trace_ids(50, 3) == seeded_trace_ids(50, 3) != seeded_trace_ids(50, 4)
    values = drive(context, count={"n": 2000, "seed": 3, "name": "GET /search", "attributes": None})
    ratio = TraceIdRatioBased(0.5)
    expected = sum(ratio.should_sample(None, i, "x").decision.is_sampled() for i in seeded_trace_ids(2000, 3))
    assert values["count"] == {"n": 2000, "sampled": expected}
    assert 800 < expected < 1200


def test_limiter_reads_the_fake_clock(context):
    """The limiter gets the driver's clock, which reads each step's time; a failing constructor is reported."""
    values = drive(
        context,
        limiters=[
            limiter_run("late", 2, [limiter_step(0, "/a"), limiter_step(0.5, "/a"), limiter_step(1, "/b", by_name=True)]),
            limiter_run("broken", -1, [limiter_step(0, "/a")]),
        ],
    )
    late, broken = values["limiters"]
    assert [(s["at"], s["sampled"], s["route"]) for s in late["steps"]] == [(0.0, False, "/a"), (0.5, False, "/a"), (1.0, True, None)]
    assert late["clock_reads"] == 3
    assert broken["raised"] == {"type": "ValueError", "message": "negative rate"}


def test_describe_reports_both_descriptions(context):
    """get_description() of both samplers comes back as text."""
    described = drive(context, describe={"limiter_rate": 2.5})["describe"]
    assert described["build_sampler"].startswith("ParentBased{root:HealthAware{0.5}")
    raised = described["limiter"]["raised"]  # this test module's limiter has no default clock
    assert raised["type"] == "TypeError" and "clock" in raised["message"]
    assert described["limiter_rate"] == 2.5


def test_build_sampler_must_return_a_sampler(context):
    """A build_sampler() that returns something else ends the run with a WrongType error."""
    with pytest.raises(LearnerCrash) as caught:
        drive(context, module="notasampler", probes=[probe("x", 1, "GET /")])
    assert caught.value.info["type"] == "WrongType"
    assert "not a Sampler" in caught.value.info["message"]


def test_flask_run_exports_what_the_sampler_keeps(context):
    """The instrumented demo app exports sampled spans only, with the scripted root trace ids and traceparent parents."""
    provider_before = trace.get_tracer_provider()
    requests = [
        flask_request("/search?q=tea", trace_id=trace_id(HALF - 1)),
        flask_request("/search?q=tea", trace_id=trace_id(HALF)),
        flask_request("/health", trace_id=trace_id(1)),
        flask_request("/items/7", trace_id=trace_id(HALF + 1), parent_flags=0x03),
        flask_request("/items/8", trace_id=trace_id(1), parent_flags=0x00),
    ]
    results = drive(context, flask=requests)["flask"]
    assert trace.get_tracer_provider() is provider_before
    assert [len(r["spans"]) for r in results] == [1, 0, 0, 1, 0]
    kept = results[0]["spans"][0]
    assert (kept["name"], kept["kind"], kept["trace_flags"], kept["parent"]) == ("GET /search", "SERVER", 3, None)
    assert kept["trace_id"] == f"{HALF - 1:032x}"
    assert results[0]["calls"] == [{"name": "GET /search", "route": "/search", "parent_flags": None, "decision": "RECORD_AND_SAMPLE", "sampled": True}]
    child = results[3]["spans"][0]
    assert child["parent"] == {"span_id": "00f067aa0ba902b7", "is_remote": True}
    assert child["trace_id"] == f"{HALF + 1:032x}" and child["http_route"] == "/items/<int:item_id>"
    assert results[4]["calls"][0]["parent_flags"] == 0
    assert {r["status"] for r in results} == {200}


def test_route_probe_passes_flask_like_attributes():
    """A route probe looks like the Flask instrumentation's call: "GET <route>" and attributes with http.route."""
    made = route_probe("p", 7, "/items/<int:item_id>", path="/items/3")
    assert made["name"] == "GET /items/<int:item_id>"
    assert made["attributes"]["http.route"] == "/items/<int:item_id>" and made["attributes"]["http.target"] == "/items/3"
    assert made["trace_id"] == "7"
