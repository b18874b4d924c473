"""Telemetry shared by both services: a tracer provider per service, JSON logs, latency metrics."""

from __future__ import annotations

import logging
from time import perf_counter
from typing import Any, TextIO

import structlog
from flask import Flask, Response, g, request
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.exposition import choose_encoder
from structlog.types import EventDict, FilteringBoundLogger

UNMATCHED = "<unmatched>"


def configure_tracing(service_name: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """A provider for one service; it is returned, never installed as the process-wide global.

    With ``exporter`` (tests) each span is exported the moment it ends; without one, spans go in
    batches over OTLP/HTTP to the endpoint the standard ``OTEL_EXPORTER_OTLP_*`` variables name.
    """
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def add_trace_ids(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Copy the active span's ids into the log line, as lowercase hex (32 and 16 digits)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = trace.format_trace_id(context.trace_id)
        event_dict["span_id"] = trace.format_span_id(context.span_id)
    return event_dict


def json_logger(stream: TextIO) -> FilteringBoundLogger:
    """A logger for one app alone: one JSON object per line on ``stream``, INFO and above."""
    processors = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_ids,
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]
    return structlog.make_filtering_bound_logger(logging.INFO)(structlog.WriteLogger(stream), processors, {})


def trace_exemplar() -> dict[str, str] | None:
    """Exemplar labels pointing at the active span, only when its trace is sampled (so it gets stored)."""
    context = trace.get_current_span().get_span_context()
    if not (context.is_valid and context.trace_flags.sampled):  # the sampled bit, whatever the other flags
        return None
    return {"trace_id": trace.format_trace_id(context.trace_id), "span_id": trace.format_span_id(context.span_id)}


def instrument(app: Flask, tracer_provider: TracerProvider, registry: CollectorRegistry, log: FilteringBoundLogger) -> None:
    """Trace, time and log every request of ``app``, and serve ``registry`` on /metrics.

    The Flask instrumentation goes first so that the hooks below run inside the request's span.
    """
    FlaskInstrumentor().instrument_app(app, tracer_provider=tracer_provider, excluded_urls="/metrics$")
    latency = Histogram("app_request_latency_seconds", "Time spent handling a request, by route template.", ["endpoint"], registry=registry)

    @app.before_request
    def start_timer() -> None:
        if request.endpoint != "metrics":
            g.started = perf_counter()

    @app.after_request
    def record_request(response: Response) -> Response:
        started = g.pop("started", None)
        if started is None:
            return response
        elapsed = perf_counter() - started
        endpoint = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        latency.labels(endpoint).observe(elapsed, exemplar=trace_exemplar())
        log.info("request completed", method=request.method, endpoint=endpoint, status_code=response.status_code, duration_ms=round(elapsed * 1000, 3))
        return response

    @app.route("/metrics")
    def metrics() -> Response:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return Response(encoder(registry), content_type=content_type)
