"""The checkout service: asks the backend whether an item is in stock."""

from __future__ import annotations

from typing import TextIO

from flask import Flask, jsonify
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry


def create_app(
    backend_url: str, tracer_provider: TracerProvider, registry: CollectorRegistry | None = None, log_stream: TextIO | None = None
) -> Flask:
    """The frontend app, calling the backend at ``backend_url``; telemetry plumbing as in the backend."""
    app = Flask(__name__)
    # TODO 1: the same telemetry as the backend: traced requests, JSON logs with span ids, the latency
    #         histogram with exemplars and /metrics (share the code through telemetry.py).

    @app.route("/checkout/<sku>")
    def checkout(sku: str):
        # TODO 2: GET {backend_url}/inventory/<sku> with requests, inside a CLIENT span whose context
        #         travels in the traceparent header (or instrument requests with this app's provider).
        # TODO 3: answer the backend's JSON (200), 404 when the backend says 404, and 502 when the
        #         backend answers 5xx or cannot be reached.
        return jsonify(error="checkout is not implemented yet"), 501

    return app
