"""Driver that calls the learner's ``configure_tracing`` alone and reports what its provider does.

Params (all JSON):
  module          the learner module (default ``telemetry``)
  mode            "exporter": pass an InMemorySpanExporter, end one span, see whether it was exported
                  at once (before any flush); "otlp": pass no exporter, point the standard
                  ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` at a receiver on loopback, end one span,
                  then ``force_flush()`` and report what the receiver got
  service         the service name to configure (default ``o11y-probe``)

``values`` holds ``provider`` (its type, whether it is an SDK TracerProvider, its resource's
``service.name``), ``exported_on_end`` and ``exported_after_flush`` (span names seen before and
after ``force_flush``), ``global_provider_set`` and, for "otlp", ``receiver`` (requests and spans).
"""

from __future__ import annotations

import json
import os
from typing import Any

from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash
from o11y_course.scenario import Scenario

DRIVER = "o11y_course.drivers.tracing_probe:run"
PROBE_SPAN = "o11y.grader.probe"
FLUSH_MILLIS = 4000
# The grader's environment for the OTLP probe: exports give up quickly, and a batch processor waits
# long enough before exporting on its own that only force_flush() can make it send.
OTLP_ENVIRONMENT = {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2", "OTEL_BSP_SCHEDULE_DELAY": "60000"}
_CLEARED = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SDK_DISABLED", "OTEL_TRACES_SAMPLER")


def probe_scenario(name: str, mode: str, *, service: str = "o11y-probe", timeout: float | None = None) -> Scenario:
    """A scenario for this driver."""
    params = {"module": "telemetry", "mode": mode, "service": service}
    return Scenario(name, DRIVER, json.dumps(params, sort_keys=True), timeout)


def describe_provider(provider: Any) -> dict[str, Any]:
    """What kind of object ``configure_tracing`` returned, and its ``service.name``."""
    from opentelemetry.sdk.trace import TracerProvider

    is_sdk = isinstance(provider, TracerProvider)
    resource = getattr(provider, "resource", None) if is_sdk else None
    attributes = dict(getattr(resource, "attributes", {}) or {})
    return {
        "type": f"{type(provider).__module__}.{type(provider).__qualname__}",
        "is_sdk": is_sdk,
        "service_name": attributes.get("service.name"),
    }


def require_sdk_provider(provider: Any, phase: str = "configure_tracing") -> None:
    """Fail the run (as the learner's mistake) unless ``provider`` is an SDK TracerProvider."""
    if not describe_provider(provider)["is_sdk"]:
        raise LearnerCrash(
            phase,
            {"type": "WrongType", "message": f"configure_tracing() returned {type(provider).__name__}, not an opentelemetry.sdk.trace.TracerProvider", "traceback": []},
        )


def global_provider_set() -> bool:
    """True when something installed a process-wide tracer provider (the global is still the proxy otherwise)."""
    from opentelemetry import trace

    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def _end_probe_span(ctx: DriverContext, provider: Any) -> None:
    tracer = ctx.call("provider.get_tracer", provider.get_tracer, "o11y-grader")
    span = ctx.call("tracer.start_span", tracer.start_span, PROBE_SPAN)
    ctx.call("span.end", span.end)


def _probe_with_exporter(ctx: DriverContext, configure: Any, service: str) -> dict[str, Any]:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = ctx.call("configure_tracing", configure, service, exporter=exporter)
    require_sdk_provider(provider)
    _end_probe_span(ctx, provider)
    on_end = [s.name for s in exporter.get_finished_spans()]
    ctx.call("force_flush", provider.force_flush, FLUSH_MILLIS)
    after_flush = [s.name for s in exporter.get_finished_spans()]
    return {
        "provider": describe_provider(provider),
        "exported_on_end": on_end,
        "exported_after_flush": after_flush,
        "global_provider_set": global_provider_set(),
    }


def _probe_otlp(ctx: DriverContext, configure: Any, service: str) -> dict[str, Any]:
    from o11y_course.drivers.otlp_receiver import OtlpReceiver

    for name in _CLEARED:
        os.environ.pop(name, None)
    os.environ.update(OTLP_ENVIRONMENT)
    with OtlpReceiver() as receiver:
        os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.traces_endpoint
        provider = ctx.call("configure_tracing", configure, service)
        require_sdk_provider(provider)
        _end_probe_span(ctx, provider)
        on_end = [s["name"] for s in receiver.spans]
        flushed = ctx.call("force_flush", provider.force_flush, FLUSH_MILLIS)
        after_flush = [s["name"] for s in receiver.spans]
        requests = [dict(r) for r in receiver.requests]
        try:
            provider.shutdown()
        except Exception:  # noqa: BLE001 - the probe has its answer; a failing shutdown changes nothing
            pass
    return {
        "provider": describe_provider(provider),
        "exported_on_end": on_end,
        "exported_after_flush": after_flush,
        "flush_result": flushed if isinstance(flushed, bool) else None,
        "receiver": {"endpoint": receiver.traces_endpoint, "requests": requests[:20]},
        "global_provider_set": global_provider_set(),
    }


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Call ``configure_tracing`` as the scenario's mode says and report what came of it."""
    module = ctx.import_module(params.get("module", "telemetry"))
    configure = ctx.attribute(module, "configure_tracing")
    service = params.get("service", "o11y-probe")
    if params.get("mode") == "otlp":
        return {"values": _probe_otlp(ctx, configure, service)}
    return {"values": _probe_with_exporter(ctx, configure, service)}
