"""A tiny shop API that measures its own requests and exposes them on /metrics."""

from __future__ import annotations

from time import perf_counter

from flask import Flask, Response, abort, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

UNMATCHED = "<unmatched>"


def create_app(registry: CollectorRegistry | None = None) -> Flask:
    """Build the app; its metrics live on ``registry`` (a new one when none is given)."""
    app = Flask(__name__)
    registry = registry if registry is not None else CollectorRegistry()
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
    def start_timer() -> None:
        g.started = perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        if request.endpoint != "metrics":
            rule = request.url_rule
            endpoint = rule.rule if rule is not None else UNMATCHED
            started = g.get("started")
            latency.labels(endpoint).observe(perf_counter() - started if started is not None else 0.0)
            requests_total.labels(request.method, endpoint, str(response.status_code)).inc()
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
