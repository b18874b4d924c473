"""Reading a two-services observation (``drivers/two_services.py``): requests, their spans, logs, scrapes.

Every request the driver sent comes with its send and answer times, so the spans and log lines of
one request are found by time (sequential steps) or by the trace id the grader sent along
(concurrent steps), never by the order in which they were exported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.log_correlation import IDS_HINT, id_problem, parse_entries, span_problem
from o11y_course.matchers.metrics import Exposition, parse_exposition
from o11y_course.matchers.openmetrics import NEGOTIATE_HINT, OPENMETRICS_MIMETYPE, parse_openmetrics
from o11y_course.matchers.spans import Span, SpanSpec, expect_tree, local_root, spans_between
from o11y_course.observation import Observation
from o11y_course.scenario import HttpExchange

CHECKOUT_ROUTE = "GET /checkout/<sku>"
INVENTORY_ROUTE = "GET /inventory/<sku>"
LOOKUP = "inventory.lookup"
HISTOGRAM = "app_request_latency_seconds"
GRADER_SPAN_ID = "00f067aa0ba902b7"
SERVICES = ("frontend", "backend")


def checkout_tree(status: str | None = "UNSET") -> SpanSpec:
    """frontend SERVER -> CLIENT -> backend SERVER (remote parent) -> INTERNAL inventory.lookup.

    ``status`` is what the two SERVER spans and the lookup must show; the CLIENT span's status is
    not judged (for the caller a 404 is an error, for the server it is not).
    """
    return SpanSpec(
        "SERVER", "frontend", CHECKOUT_ROUTE, status, children=(
            SpanSpec("CLIENT", "frontend", None, None, children=(
                SpanSpec("SERVER", "backend", INVENTORY_ROUTE, status, remote_parent=True, children=(
                    SpanSpec("INTERNAL", "backend", LOOKUP, status),
                )),
            )),
        ),
    )


def traceparent(trace_id: str, flags: str = "01", span_id: str = GRADER_SPAN_ID) -> str:
    """A W3C traceparent header value, as an upstream caller would send it."""
    return f"00-{trace_id}-{span_id}-{flags}"


@dataclass(frozen=True)
class SentRequest:
    """One request of the scenario: what was sent, when, and the answer."""

    service: str
    path: str
    phase: int
    started_ns: int
    ended_ns: int
    exchange: HttpExchange
    headers: Mapping[str, str]

    @property
    def what(self) -> str:
        return f"GET {self.path}"

    @property
    def asks_openmetrics(self) -> bool:
        return any(k.lower() == "accept" and OPENMETRICS_MIMETYPE in v for k, v in self.headers.items())


def sent_requests(observation: Observation) -> list[SentRequest]:
    """The scenario's requests in step order, each with its answer."""
    records = observation.values.get("requests", [])
    return [
        SentRequest(r["service"], r["path"], r["phase"], r["started_ns"], r["ended_ns"], exchange, r.get("headers", {}))
        for r, exchange in zip(records, observation.responses, strict=False)
    ]


def sent(observation: Observation, path: str, *, service: str = "frontend", nth: int = 0) -> SentRequest:
    """The ``nth`` request to ``path`` on ``service``."""
    return [r for r in sent_requests(observation) if r.path == path and r.service == service][nth]


def request_spans(observation: Observation, request: SentRequest) -> list[Span]:
    """Spans (both services) that started while the request was being handled."""
    return spans_between(observation.spans, request.started_ns, request.ended_ns)


def request_root(observation: Observation, request: SentRequest) -> Span | None:
    """The frontend's first span of the request (it has no parent in the frontend's process)."""
    return local_root(observation.spans, "frontend", request.started_ns, request.ended_ns, by="exporter")


def expect_request_tree(observation: Observation, request: SentRequest, spec: SpanSpec) -> Span:
    """Fail unless the request's spans form ``spec``; returns the request's root span."""
    root = request_root(observation, request)
    expect_tree(spec, root, request_spans(observation, request), request.what)
    assert root is not None
    return root


def trace_spans(observation: Observation, trace_id: str, service: str | None = None) -> list[Span]:
    """Spans of one trace (optionally of one service)."""
    return [s for s in observation.spans if s.get("trace_id") == trace_id and (service is None or s.get("service") == service)]


def find_span(spans: list[Span], name: str, service: str) -> Span | None:
    return next((s for s in spans if s.get("name") == name and s.get("service") == service), None)


def expect_logs_correlated(observation: Observation, requests: list[SentRequest]) -> int:
    """Each service logs during each request, and every such line names one of its spans of that request.

    Returns how many lines were judged.
    """
    entries = parse_entries(observation.logs)
    judged = 0
    for request in requests:
        spans = request_spans(observation, request)
        for service in SERVICES:
            lines = [e for e in entries if e.service == service and e.phase == request.phase]
            if not lines:
                raise CheckFailure(
                    f"the {service} wrote no log line while handling {request.what}; each app must log at least one JSON line per request it handles.",
                    'log one line per request in an after_request hook, e.g. log.info("request completed", status_code=response.status_code)',
                )
            for entry in lines:
                problem = id_problem(entry)
                if problem is not None:
                    raise CheckFailure(f"{problem}.", IDS_HINT)
                problem = span_problem(entry, [s for s in spans if s.get("exporter") == service], request.what)
                if problem is not None:
                    raise CheckFailure(
                        f"{problem}.",
                        "take the ids from the span that is current while the line is written (trace.get_current_span()), "
                        "not from the incoming headers or a span kept from another request",
                    )
                judged += 1
    return judged


def scrape_of(observation: Observation, service: str, *, openmetrics: bool, nth: int = -1) -> Exposition:
    """The ``nth`` scrape of ``service`` in the asked format, parsed with that format's parser."""
    scrapes = [r for r in sent_requests(observation) if r.service == service and r.path == "/metrics" and r.asks_openmetrics == openmetrics]
    request = scrapes[nth]
    exchange = request.exchange
    source = f"GET /metrics on the {service}" + (" (Accept: OpenMetrics)" if openmetrics else "")
    if exchange.status != 200:
        body = " ".join(exchange.body.split())[:60]
        raise CheckFailure(
            f"{source} answered {exchange.status or 'nothing'}, expected 200 with the app's metrics (body: {body!r}).",
            "add a /metrics route to each app that serves the registry passed to create_app",
        )
    if openmetrics:
        if exchange.mimetype != OPENMETRICS_MIMETYPE:
            raise CheckFailure(
                f"{source} answered {exchange.mimetype or 'no content type'}, expected {OPENMETRICS_MIMETYPE} (exemplars only exist in OpenMetrics).",
                NEGOTIATE_HINT,
            )
        return parse_openmetrics(exchange.body, source)
    if exchange.mimetype != "text/plain":
        raise CheckFailure(f"{source} answered {exchange.mimetype or 'no content type'}, expected text/plain without an OpenMetrics Accept header.", NEGOTIATE_HINT)
    return parse_exposition(exchange.body, source)

