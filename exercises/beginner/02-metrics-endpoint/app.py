"""A tiny shop API. Your task: make it measure its own requests and expose them on /metrics.

Read README.md in this folder for the contract. Run `o11y check 02` to check your work.
"""

from __future__ import annotations

from flask import Flask, abort, jsonify
from prometheus_client import CollectorRegistry


def create_app(registry: CollectorRegistry | None = None) -> Flask:
    """Build the app; its metrics live on ``registry`` (a new one when none is given)."""
    app = Flask(__name__)
    registry = registry if registry is not None else CollectorRegistry()

    # TODO 1: create a Counter "app_requests_total" with labels method, endpoint and status,
    #         registered on `registry` (not on prometheus_client's default registry).
    # TODO 2: create a Histogram "app_request_latency_seconds" with the label endpoint,
    #         registered on `registry` too.
    # TODO 3: add @app.before_request and @app.after_request hooks that time every request and
    #         count it once with its final status. The endpoint label is the route template
    #         (request.url_rule.rule) or "<unmatched>"; requests to /metrics are not counted.

    @app.route("/")
    def index() -> str:
        return "Hello World!"

    @app.route("/items/<int:item_id>")
    def item(item_id: int):
        if not 1 <= item_id <= 100:
            abort(404)
        return jsonify(id=item_id, name=f"item {item_id}")

    @app.route("/metrics")
    def metrics():
        # TODO 4: return the registry in the Prometheus text format, served as text/plain.
        return "metrics are not implemented yet", 501

    return app
