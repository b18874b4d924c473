"""The inventory service: how many of an item are in stock."""

from __future__ import annotations

from typing import TextIO

from flask import Flask, jsonify
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry

INVENTORY = {"apple": 3, "pear": 0, "plum": 7}


def lookup(sku: str) -> int | None:
    """Units in stock, or None for an unknown sku; the sku "boom" stands for a broken store."""
    if sku == "boom":
        raise RuntimeError("inventory store unavailable")
    return INVENTORY.get(sku)


def create_app(tracer_provider: TracerProvider, registry: CollectorRegistry | None = None, log_stream: TextIO | None = None) -> Flask:
    """The backend app, traced with ``tracer_provider``, metrics on ``registry``, JSON logs on ``log_stream``."""
    app = Flask(__name__)
    # TODO 1: trace every request with this provider: FlaskInstrumentor().instrument_app(app, tracer_provider=...),
    #         before you register any hook of your own.
    # TODO 2: a structlog logger for this app alone, writing JSON lines to log_stream (stdout when None),
    #         each with the trace_id and span_id of the span that is active when it is written.
    # TODO 3: the histogram app_request_latency_seconds (label endpoint) on registry (a new one when None),
    #         observed once per request with an exemplar of a sampled trace, and GET /metrics that
    #         answers OpenMetrics when the Accept header asks for it.

    @app.route("/inventory/<sku>")
    def inventory(sku: str):
        # TODO 4: do the lookup inside an INTERNAL span "inventory.lookup" with the attribute inventory.sku,
        #         and answer an unknown sku with 404 outside that span.
        in_stock = lookup(sku)
        if in_stock is None:
            return jsonify(error="unknown sku", sku=sku), 404
        return jsonify(sku=sku, in_stock=in_stock)

    return app
