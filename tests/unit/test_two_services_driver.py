"""The two-services and tracing-probe drivers, run in this process on copies of the reference solution."""

from __future__ import annotations

import gzip
import os
import shutil
import sys

import pytest

from o11y_course.drivers import tracing_probe, two_services
from o11y_course.drivers.otlp_receiver import OtlpReceiver, decode_traces
from o11y_course.drivers.two_services import checkout, scrape, two_services_scenario
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash
from tests.conftest import REPO

REFERENCE = REPO / "reference/advanced/01-distributed-tracing"
MODULES = ("telemetry", "backend", "frontend")
OTEL_VARIABLES = (
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_BSP_SCHEDULE_DELAY", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SDK_DISABLED", "OTEL_TRACES_SAMPLER",
)


@pytest.fixture
def solution(tmp_path, monkeypatch):
    """A copy of the reference solution, importable as top-level modules; the environment is restored afterwards."""
    folder = tmp_path / "solution"
    shutil.copytree(REFERENCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(folder))
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in MODULES:
        sys.modules.pop(name, None)
    yield folder
    for name in MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def context(solution):
    """A driver context whose protocol messages go to a pipe that is drained by the OS buffer."""
    read_end, write_end = os.pipe()
    yield DriverContext(str(solution), write_end)
    os.close(read_end)
    os.close(write_end)


def test_checkout_runs_both_services_for_real(context):
    """One checkout gives four spans in one trace, per-phase logs, a scrape, and the request's times."""
    scenario = two_services_scenario("t", [checkout("apple"), scrape("frontend", openmetrics=True)])
    result = two_services.run(context, scenario.params)
    assert [(r["path"], r["status"]) for r in result["responses"]] == [("/checkout/apple", 200), ("/metrics", 200)]
    spans = result["spans"]
    assert sorted((s["exporter"], s["kind"], s["name"]) for s in spans) == [
        ("backend", "INTERNAL", "inventory.lookup"),
        ("backend", "SERVER", "GET /inventory/<sku>"),
        ("frontend", "CLIENT", "GET"),
        ("frontend", "SERVER", "GET /checkout/<sku>"),
    ]
    assert len({s["trace_id"] for s in spans}) == 1
    backend_server = next(s for s in spans if s["name"] == "GET /inventory/<sku>")
    assert backend_server["parent_is_remote"] is True and len(backend_server["span_id"]) == 16
    assert {(line["service"], line["phase"]) for line in result["logs"]} == {("frontend", 0), ("backend", 0)}
    request = result["values"]["requests"][0]
    assert request["started_ns"] <= min(s["start_ns"] for s in spans) and request["phase"] == 0
    assert result["values"]["global_provider_set"] is False
    assert result["responses"][1]["mimetype"] == "application/openmetrics-text"
    assert "app_request_latency_seconds_bucket" in result["metrics"]["backend"]


def test_backend_down_gets_a_refused_connection(context):
    """With the backend "down" the frontend is pointed at a port that refuses connections."""
    result = two_services.run(context, two_services_scenario("t", [checkout("apple")], backend="down").params)
    assert result["responses"][0]["status"] == 502


def test_a_provider_of_the_wrong_type_is_the_learners_error(context, solution):
    """configure_tracing returning something else fails the run with a WrongType crash."""
    (solution / "telemetry.py").write_text((solution / "telemetry.py").read_text() + "\n\ndef configure_tracing(service_name, exporter=None):\n    return None\n")
    with pytest.raises(LearnerCrash) as info:
        two_services.run(context, two_services_scenario("t", [checkout("apple")]).params)
    assert info.value.info["type"] == "WrongType"
    assert "not an opentelemetry.sdk.trace.TracerProvider" in info.value.info["message"]


def test_probe_with_an_exporter(context):
    """The exporter probe sees the span as soon as it ends, and the resource's service name."""
    values = tracing_probe.run(context, tracing_probe.probe_scenario("t", "exporter").params)["values"]
    assert values["provider"] == {"type": "opentelemetry.sdk.trace.TracerProvider", "is_sdk": True, "service_name": "o11y-probe"}
    assert values["exported_on_end"] == [tracing_probe.PROBE_SPAN]
    assert values["global_provider_set"] is False


def test_probe_over_otlp(context):
    """Without an exporter the span reaches the loopback receiver after force_flush, not before."""
    values = tracing_probe.run(context, tracing_probe.probe_scenario("t", "otlp", service="svc").params)["values"]
    assert values["exported_on_end"] == []
    assert values["exported_after_flush"] == [tracing_probe.PROBE_SPAN]
    spans = values["receiver"]["requests"][0]["spans"]
    assert spans[0]["service"] == "svc" and len(spans[0]["trace_id"]) == 32


def test_receiver_decodes_compressed_bodies_and_records_wrong_paths():
    """A gzip body decodes like a plain one; a post to another path is recorded and answered 404."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("t").start_span("one").end()
    body = encode_spans(exporter.get_finished_spans()).SerializeToString()
    assert decode_traces(gzip.compress(body), "gzip") == decode_traces(body)
    assert decode_traces(body)[0]["name"] == "one" and decode_traces(body)[0]["kind"] == "INTERNAL"

    import http.client

    with OtlpReceiver() as receiver:
        port = int(receiver.traces_endpoint.split(":")[2].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/v1/logs", body=body, headers={"Content-Type": "application/x-protobuf"})
        assert connection.getresponse().status == 404
        connection.close()
    assert [r["path"] for r in receiver.requests] == ["/v1/logs"] and receiver.spans == []
