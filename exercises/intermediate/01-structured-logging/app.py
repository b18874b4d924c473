"""The shop API of beginner/02, which already measures itself. Your task: give it structured JSON logs.

Read README.md in this folder for the contract, and log-event.schema.json for the shape of every
line. Run `o11y check intermediate/01` to check your work. You may start from your own beginner/02
code instead: keep the metrics as they are and add the logging.
"""

from __future__ import annotations

from time import perf_counter
from typing import TextIO

from flask import Flask, Response, abort, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

UNMATCHED = "<unmatched>"
REQUEST_ID_HEADER = "X-Request-ID"


def request_id_from(header: str | None) -> str:
    """The incoming id when it is 1-64 characters of ``[A-Za-z0-9._-]``, otherwise a new UUID4."""
    # TODO 1: keep `header` only when the WHOLE value matches the rule (re.fullmatch), otherwise
    #         return str(uuid.uuid4()). Never return or log a rejected value.
    raise NotImplementedError("TODO 1: validate the incoming X-Request-ID")


def create_app(registry: CollectorRegistry | None = None, log_stream: TextIO | None = None) -> Flask:
    """Build the app; metrics live on ``registry``, JSON logs go to ``log_stream`` (stdout by default)."""
    app = Flask(__name__)
    registry = registry if registry is not None else CollectorRegistry()
    # TODO 2: build a structlog logger for THIS app that writes one JSON object per line to
    #         log_stream (sys.stdout when it is None). Processors: merge_contextvars, add_log_level,
    #         TimeStamper(fmt="iso", utc=True), format_exc_info, JSONRenderer(). Do not call
    #         structlog.configure(): it is global, and two apps must write to two streams.
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
        if request.endpoint == "metrics":
            return
        g.started = perf_counter()
        rule = request.url_rule
        g.endpoint = rule.rule if rule is not None else UNMATCHED
        # TODO 3: clear the structlog contextvars, bind request_id (from request_id_from() and the
        #         X-Request-ID header), method and endpoint, then log "request started".

    # TODO 4: log "request failed" at error level with the exception when a view raises, e.g. in an
    #         @app.errorhandler(InternalServerError) that logs error.original_exception and returns error.

    @app.after_request
    def finish_request(response: Response) -> Response:
        started = g.get("started")
        if started is None:  # /metrics is neither counted nor logged
            return response
        elapsed = perf_counter() - started
        latency.labels(g.endpoint).observe(elapsed)
        requests_total.labels(request.method, g.endpoint, str(response.status_code)).inc()
        # TODO 5: echo the request id in the X-Request-ID response header, and log "request completed"
        #         with status_code (an int) and duration_ms (the same elapsed time, in milliseconds).
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
