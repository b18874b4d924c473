"""A tiny shop API with request metrics on /metrics and one JSON log line per request event."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from time import perf_counter
from typing import TextIO

import structlog
from flask import Flask, Response, abort, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars
from structlog.types import FilteringBoundLogger
from werkzeug.exceptions import InternalServerError

UNMATCHED = "<unmatched>"
REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(header: str | None) -> str:
    """The incoming id when it is 1-64 characters of ``[A-Za-z0-9._-]``, otherwise a new UUID4."""
    if header is not None and VALID_REQUEST_ID.fullmatch(header):
        return header
    return str(uuid.uuid4())


def json_logger(stream: TextIO) -> FilteringBoundLogger:
    """A logger of this app alone: one JSON object per line on ``stream``, INFO and above."""
    processors = [
        merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]
    return structlog.make_filtering_bound_logger(logging.INFO)(structlog.WriteLogger(stream), processors, {})


def create_app(registry: CollectorRegistry | None = None, log_stream: TextIO | None = None) -> Flask:
    """Build the app; metrics live on ``registry``, JSON logs go to ``log_stream`` (stdout by default)."""
    app = Flask(__name__)
    registry = registry if registry is not None else CollectorRegistry()
    log = json_logger(log_stream if log_stream is not None else sys.stdout)
    requests_total = Counter(
        "app_requests_total",
        "HTTP requests handled, by method, route template and status code.",
        ["method", "endpoint", "status"],
        registry=registry,
    )
    latency = Histogram(
        "app_request_latency_seconds",
        "Time spent handling a request, by route template.",
        ["endpoint"],
        registry=registry,
    )

    @app.before_request
    def start_request() -> None:
        clear_contextvars()
        if request.endpoint == "metrics":
            return
        g.started = perf_counter()
        rule = request.url_rule
        g.endpoint = rule.rule if rule is not None else UNMATCHED
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        bind_contextvars(request_id=g.request_id, method=request.method, endpoint=g.endpoint)
        log.info("request started")

    @app.errorhandler(InternalServerError)
    def log_failure(error: InternalServerError) -> InternalServerError:
        if error.original_exception is not None:  # an unhandled exception, not abort(500)
            log.error("request failed", exc_info=error.original_exception)
        return error

    @app.after_request
    def finish_request(response: Response) -> Response:
        started = g.get("started")
        if started is None:  # /metrics, or a request whose start was never recorded
            return response
        elapsed = perf_counter() - started
        latency.labels(g.endpoint).observe(elapsed)
        requests_total.labels(request.method, g.endpoint, str(response.status_code)).inc()
        response.headers[REQUEST_ID_HEADER] = g.request_id
        log.info("request completed", status_code=response.status_code, duration_ms=round(elapsed * 1000, 3))
        return response

    @app.route("/")
    def index() -> str:
        return "Hello World!"

    @app.route("/items/<int:item_id>")
    def item(item_id: int):
        if not 1 <= item_id <= 100:
            abort(404)
        return jsonify(id=item_id, name=f"item {item_id}")

    @app.route("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    return app
