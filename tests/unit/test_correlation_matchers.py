"""Matchers that tie metrics and logs to traces: OpenMetrics exemplars, trace-id labels, log ids."""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.log_correlation import id_problem, parse_entries, span_problem
from o11y_course.matchers.openmetrics import exemplars, parse_openmetrics, trace_id_labels

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def openmetrics_text(labels=("endpoint",), values=("/checkout/<sku>",), exemplar=None) -> str:
    registry = CollectorRegistry()
    histogram = Histogram("app_request_latency_seconds", "h", list(labels), registry=registry)
    histogram.labels(*values).observe(0.02, exemplar=exemplar)
    return openmetrics_latest(registry).decode()


class TestOpenMetrics:
    def test_exemplars_are_read_with_their_sample(self):
        """The exemplar comes back with its labels and the bucket it sits on."""
        expo = parse_openmetrics(openmetrics_text(exemplar={"trace_id": TRACE, "span_id": SPAN}), "GET /metrics")
        found = exemplars(expo.families["app_request_latency_seconds"])
        assert len(found) == 1
        assert found[0].labels == {"trace_id": TRACE, "span_id": SPAN}
        assert found[0].sample == 'app_request_latency_seconds_bucket{endpoint="/checkout/<sku>",le="0.025"}'

    def test_plain_text_is_not_openmetrics(self):
        """The Prometheus text format fails the OpenMetrics parser with a message about negotiation."""
        with pytest.raises(CheckFailure, match="is not valid OpenMetrics") as info:
            parse_openmetrics("# TYPE x counter\nx_total 1\n", "GET /metrics")
        assert "choose_encoder" in info.value.hint

    def test_trace_id_labels_are_found_by_value_and_by_name(self):
        """A trace id as a label value (known or looking like one) or a label named for traces is reported."""
        expo = parse_openmetrics(openmetrics_text(("endpoint", "trace_id"), ("/x", TRACE)), "m")
        found = trace_id_labels(expo.families.values(), [TRACE])
        assert {(f.label, f.value) for f in found} == {("trace_id", TRACE)}
        expo = parse_openmetrics(openmetrics_text(("endpoint", "request"), ("/x", "0af7651916cd43dd8448eb211c80319c")), "m")
        assert trace_id_labels(expo.families.values())[0].label == "request"
        expo = parse_openmetrics(openmetrics_text(exemplar={"trace_id": TRACE}), "m")
        assert trace_id_labels(expo.families.values(), [TRACE]) == []  # exemplars are not labels


def entry(fields, service="backend", phase=0):
    return {"service": service, "phase": phase, "line": json.dumps(fields)}


class TestLogIds:
    def test_lines_must_be_json_objects(self):
        """A line that is not a JSON object fails, naming the service and line number."""
        with pytest.raises(CheckFailure, match="line 2 of the backend's log stream is not a JSON object"):
            parse_entries([entry({"event": "a"}), {"service": "backend", "phase": 0, "line": "plain text"}])

    def test_missing_and_malformed_ids(self):
        """Missing ids, an integer trace id and an upper-case span id are each named."""
        lines = parse_entries([entry({"event": "a"}), entry({"trace_id": 5, "span_id": SPAN}), entry({"trace_id": TRACE, "span_id": SPAN.upper()})])
        assert "has no trace_id and no span_id" in id_problem(lines[0])
        assert "trace_id 5, expected 32 lowercase hex digits" in id_problem(lines[1])
        assert "expected 16 lowercase hex digits" in id_problem(lines[2])

    def test_ids_must_name_a_span_of_the_request(self):
        """A span id of no span of the request, or a trace id that is not its span's trace, is named."""
        spans = [{"span_id": SPAN, "trace_id": TRACE, "name": "GET /inventory/<sku>"}]
        good, stranger, wrong_trace = parse_entries([
            entry({"trace_id": TRACE, "span_id": SPAN}),
            entry({"trace_id": TRACE, "span_id": "1" * 16}),
            entry({"trace_id": "2" * 32, "span_id": SPAN}),
        ])
        assert id_problem(good) is None and span_problem(good, spans, "GET /checkout/apple") is None
        assert "which is none of the backend's spans of that request (00f067aa0ba902b7 (GET /inventory/<sku>))" in span_problem(stranger, spans, "x")
        assert f"belongs to trace {TRACE}" in span_problem(wrong_trace, spans, "x")
        assert "exported no span for that request" in span_problem(good, [], "x")
