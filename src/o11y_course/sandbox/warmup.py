"""One pass through the telemetry stack in the zygote, before any learner code, so that every child
inherits what the libraries build lazily on first use (compiled URL rules and patterns, encoders,
formatters) instead of building it again in each run.

Everything here is the grader's own and private: a fresh registry, an app of its own, loggers that
are never registered globally. No global configuration (structlog, logging, OpenTelemetry) changes.
"""

from __future__ import annotations

import io
import logging


def warm_up() -> None:
    """Build a small instrumented Flask app, send it a few requests, and render a log line each way."""
    import structlog
    from flask import Flask, Response
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

    registry = CollectorRegistry()
    requests = Counter("warmup_requests", "Requests.", ["method", "endpoint", "status"], registry=registry)
    latency = Histogram("warmup_request_latency_seconds", "Latency.", ["endpoint"], registry=registry)
    app = Flask("o11y_warmup")

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.route("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    @app.after_request
    def count(response: Response) -> Response:
        requests.labels("GET", "/", str(response.status_code)).inc()
        latency.labels("/").observe(0.01)
        return response

    client = app.test_client()
    for path in ("/", "/items/7", "/nowhere", "/metrics"):
        client.get(path, headers={"X-Request-ID": "warm-up"})

    stream = io.StringIO()
    plain = logging.Logger("o11y_warmup.plain", logging.INFO)  # not registered with logging's manager
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    plain.addHandler(handler)
    plain.info("warm-up %s", 1)
    structured = structlog.wrap_logger(
        structlog.WriteLogger(stream),
        processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso", utc=True), structlog.processors.JSONRenderer()],
        wrapper_class=structlog.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=False,
    )
    structured.info("warm-up", n=1)
