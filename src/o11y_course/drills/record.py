"""Replaying a drill's plan through the real telemetry stack: the evidence an on-call engineer gets.

- Spans: one ``TracerProvider`` per service (its ``service.name`` resource) feeding one
  ``InMemorySpanExporter``; every span gets the planned start and end times and ids.
- Metrics: a fresh ``CollectorRegistry`` with ``shop_requests_total{service,operation,status}`` and
  ``shop_request_duration_seconds{service,operation}``, exposed in the Prometheus text format.
- Logs: JSON lines rendered by structlog, each with the ``trace_id`` and ``span_id`` of its span.

Nothing here reads the clock or the environment, so the same plan always gives the same evidence.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from o11y_course.drills.shop import SERVICES
from o11y_course.drills.traffic import LogEntry, Plan, PlannedSpan

_NAMES: dict[Any, str] = {}  # enum member -> name (Enum.name is slow, and is read twice per span)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TRACER_NAME = "o11y_course.drills"


def _planned_ids() -> Any:
    from opentelemetry.sdk.trace.id_generator import IdGenerator

    class PlannedIds(IdGenerator):
        """Hands out the ids the plan drew from the drill's seeded stream, one span at a time."""

        def __init__(self) -> None:
            self.trace_id = 0
            self.span_id = 0

        def next(self, span: PlannedSpan) -> None:
            self.trace_id, self.span_id = int(span.trace_id, 16), int(span.span_id, 16)

        def generate_trace_id(self) -> int:
            return self.trace_id

        def generate_span_id(self) -> int:
            return self.span_id

    return PlannedIds()


class _Metrics:
    """The shop's request counter and latency histogram on a registry of their own."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shop_requests", "Requests each service handled, by operation and answer.", ["service", "operation", "status"], registry=self.registry
        )
        self.duration = Histogram(
            "shop_request_duration_seconds", "How long each operation took, calls included.", ["service", "operation"], registry=self.registry, buckets=BUCKETS
        )

        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, span: PlannedSpan) -> None:
        key = (span.service, span.name, span.status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (self.requests.labels(span.service, span.name, str(span.status)), self.duration.labels(span.service, span.name))
        children[0].inc()
        children[1].observe((span.end_ns - span.start_ns) / 1e9)

    def exposition(self, created_ns: int) -> str:
        """The text exposition, with every ``_created`` sample set to the virtual start of the run."""
        from prometheus_client import generate_latest

        registry, created = self.registry, created_ns / 1e9

        class AtVirtualTime:
            def collect(self) -> Iterator[Any]:
                for family in registry.collect():
                    family.samples = [s._replace(value=created) if s.name.endswith("_created") else s for s in family.samples]
                    yield family

        return generate_latest(AtVirtualTime()).decode("utf-8")


def _iso(time_ns: int) -> str:
    moment = datetime.fromtimestamp(time_ns // 1000 / 1e6, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_lines(entries: tuple[LogEntry, ...]) -> tuple[str, ...]:
    """The entries as JSON lines, rendered by a structlog logger that ignores any global configuration."""
    import structlog

    stream = io.StringIO()
    logger = structlog.wrap_logger(
        structlog.WriteLogger(stream),
        processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=False,
    )
    for entry in entries:
        ids = {"trace_id": entry.trace_id, "span_id": entry.span_id} if entry.trace_id else {}
        getattr(logger, entry.level)(entry.event, timestamp=_iso(entry.time_ns), service=entry.service, **dict(entry.fields), **ids)
    return tuple(stream.getvalue().splitlines())


def span_dict(span: Any) -> dict[str, Any]:
    """A finished SDK span as plain data, the shape learners get in ``Evidence.spans``."""
    context, parent, status = span.context, span.parent, span.status
    start, end = span.start_time, span.end_time
    return {
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
        "parent_span_id": None if parent is None else f"{parent.span_id:016x}",
        "service": span.resource.attributes.get("service.name"),
        "name": span.name,
        "kind": _NAMES[span.kind],
        "start_time_unix_nano": start,
        "end_time_unix_nano": end,
        "duration_ms": round((end - start) / 1e6, 3),
        "status": _NAMES[status.status_code],
        "status_message": status.description,
        "attributes": dict(span.attributes),
        "events": [{"name": e.name, "time_unix_nano": e.timestamp, "attributes": dict(e.attributes)} for e in span.events],
    }


def record(plan: Plan) -> tuple[tuple[dict[str, Any], ...], str, tuple[str, ...]]:
    """Replay ``plan``: its spans (as dicts, in start order), the metrics exposition and the log lines."""
    from opentelemetry import trace
    from opentelemetry.context import Context
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanLimits, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON
    from opentelemetry.trace import SpanKind, Status, StatusCode

    if not _NAMES:
        _NAMES.update({member: member.name for enum in (SpanKind, StatusCode) for member in enum})
    exporter, ids, metrics = InMemorySpanExporter(), _planned_ids(), _Metrics()
    tracers, providers = {}, []
    for service in SERVICES:
        provider = TracerProvider(
            sampler=ALWAYS_ON,
            resource=Resource({"service.name": service}),
            shutdown_on_exit=False,
            id_generator=ids,
            span_limits=SpanLimits(max_attributes=32, max_events=32),
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        providers.append(provider)
        tracers[service] = provider.get_tracer(TRACER_NAME)

    def replay(planned: PlannedSpan, context: Any) -> None:
        ids.next(planned)
        attributes: dict[str, Any] = {}
        if planned.service == "frontend":
            method, route = planned.name.split(" ", 1)
            attributes = {"http.request.method": method, "http.route": route}
        if planned.attempt > 1:
            attributes["shop.attempt"] = planned.attempt
        attributes["http.response.status_code"] = planned.status  # known up front: the run is planned
        span = tracers[planned.service].start_span(planned.name, context=context, kind=SpanKind.SERVER, attributes=attributes, start_time=planned.start_ns)
        if planned.children:
            inside = trace.set_span_in_context(span, Context())
            for child in planned.children:
                replay(child, inside)
        for name, time_ns, event_attributes in sorted(planned.events, key=lambda e: e[1]):
            span.add_event(name, event_attributes, timestamp=time_ns)
        if planned.failed:
            span.set_status(Status(StatusCode.ERROR, planned.error))
        span.end(end_time=planned.end_ns)
        metrics.observe(planned)

    for root in plan.roots:
        replay(root, Context())
    spans = sorted((span_dict(s) for s in exporter.get_finished_spans()), key=lambda s: (s["start_time_unix_nano"], s["span_id"]))
    for provider in providers:
        provider.shutdown()
    return tuple(spans), metrics.exposition(plan.start_ns), log_lines(plan.logs)
