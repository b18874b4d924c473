"""Driver that serves the learner's Flask app on a loopback port and sends it requests at the same time.

It tests what the Flask test client cannot: several requests in flight at once, each on its own
server thread, as in production. Params (all JSON), besides ``module``, ``factory``, ``registry`` and
``log_stream`` as for ``flask_app`` (one app is built):
  requests        [{"method": "GET", "path": "/", "headers": {...}}]; by default all are sent at once,
                  each from its own client thread, and the responses come back in this order
  sequential      send the requests one after another instead (default false)
  threaded        serve each request on its own thread (default true); false serves them one after
                  another on a single server thread, so they share that thread's context
  grader_routes   views the grader adds to the app, each {"rule": ..., "kind": ...}:
                  "slow": the view waits until every request of the scenario that goes to a slow route
                  is inside its view (so their handling overlaps for sure), then sleeps ``sleep_ms``;
                  "bind": the view binds ``key=value`` with ``structlog.contextvars``, as a view of a
                  real app binds context for the log lines that follow
  wait_seconds    how long a slow view waits for the others before going on alone (default 10)

Besides responses, metrics and logs (as ``flask_app`` reports them), ``values`` holds ``overlapped``
(false when a slow view gave up waiting) and ``served_seconds``.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from o11y_course.drivers.flask_app import build_apps, expositions, log_lines
from o11y_course.drivers.loopback import POLL_SECONDS, send
from o11y_course.sandbox.context import DriverContext
from o11y_course.scenario import Scenario

DRIVER = "o11y_course.drivers.flask_concurrent:run"
CLIENT_TIMEOUT = 30.0


def slow_route(rule: str = "/o11y-slow", sleep_ms: int = 20) -> dict[str, Any]:
    """A grader view whose requests all wait for each other, then sleep ``sleep_ms``."""
    return {"rule": rule, "kind": "slow", "sleep_ms": sleep_ms}


def bind_route(rule: str, key: str, value: str) -> dict[str, Any]:
    """A grader view that binds ``key=value`` with ``structlog.contextvars.bind_contextvars``."""
    return {"rule": rule, "kind": "bind", "key": key, "value": value}


def loopback_scenario(
    name: str,
    requests: list[dict[str, Any]],
    *,
    grader_routes: list[dict[str, Any]] | None = None,
    threaded: bool = True,
    sequential: bool = False,
    log_stream: bool = True,
    module: str = "app",
    timeout: float | None = 30.0,
) -> Scenario:
    """A scenario for this driver; ``requests`` are steps made with ``scenario.request``."""
    params = {
        "module": module,
        "registry": "fresh",
        "log_stream": log_stream,
        "requests": requests,
        "grader_routes": grader_routes or [],
        "threaded": threaded,
        "sequential": sequential,
    }
    return Scenario(name, DRIVER, json.dumps(params, sort_keys=True), timeout)


class _Overlap:
    """Makes the requests to slow routes wait for each other inside their views."""

    def __init__(self, parties: int, wait_seconds: float):
        self.barrier = threading.Barrier(max(parties, 1))
        self.wait_seconds = wait_seconds
        self.broken = False

    def wait(self) -> None:
        try:
            self.barrier.wait(self.wait_seconds)
        except threading.BrokenBarrierError:
            self.broken = True


def _grader_view(route: dict[str, Any], overlap: _Overlap):
    if route["kind"] == "slow":
        pause = route.get("sleep_ms", 20) / 1000

        def slow() -> str:
            overlap.wait()
            time.sleep(pause)
            return "slow"

        return slow
    if route["kind"] == "bind":
        import structlog

        def bind() -> str:
            structlog.contextvars.bind_contextvars(**{route["key"]: route["value"]})
            return "bound"

        return bind
    raise ValueError(f"unknown grader route kind {route['kind']!r}")


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Build the app, serve it on loopback, send the requests, and report what came back."""
    import prometheus_client
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep the access log out of the output
            pass

    built = build_apps(ctx, {**params, "apps": 1})
    app = built[0].app
    steps = params.get("requests", [])
    routes = params.get("grader_routes", [])
    sequential = bool(params.get("sequential", False))
    slow_rules = {r["rule"] for r in routes if r["kind"] == "slow"}
    parties = 1 if sequential else sum(step["path"] in slow_rules for step in steps)
    overlap = _Overlap(parties, float(params.get("wait_seconds", 10)))
    for number, route in enumerate(routes):
        app.add_url_rule(route["rule"], f"o11y_grader_{number}", _grader_view(route, overlap))

    ctx.phase("serving on loopback")
    server = make_server("127.0.0.1", 0, app, threaded=bool(params.get("threaded", True)), request_handler=QuietHandler)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
    serving.start()
    started = time.monotonic()
    try:
        if sequential:
            responses = [send(server.port, step, timeout=CLIENT_TIMEOUT) for step in steps]
        else:
            with ThreadPoolExecutor(max_workers=max(len(steps), 1)) as pool:
                responses = list(pool.map(lambda step: send(server.port, step, timeout=CLIENT_TIMEOUT), steps))
    finally:
        server.shutdown()
        serving.join(5)
        server.server_close()
    ctx.raise_noticed_memory_error()
    return {
        "responses": responses,
        "metrics": expositions(built, prometheus_client.REGISTRY),
        "logs": log_lines(built),
        "values": {"overlapped": not overlap.broken, "served_seconds": round(time.monotonic() - started, 3)},
    }
