"""Driver that runs the learner's frontend and backend as two real services on loopback.

Each service gets the learner's ``configure_tracing(name, exporter=InMemorySpanExporter())``, a
fresh ``CollectorRegistry`` and its own ``io.StringIO`` log stream, and is served by a threaded
werkzeug server on 127.0.0.1; the frontend is told the backend's URL. The driver then sends the
scenario's steps over real HTTP. Params (all JSON):
  steps      a list whose items are a request ``{"service": "frontend", "method": "GET",
             "path": "/checkout/apple", "headers": {...}}`` or ``{"together": [request, ...]}``
             (sent at once, each from its own thread)
  hold       for "together" steps, each backend request waits inside the backend until every
             checkout of the step has reached it, so their handling overlaps for sure
  backend    "up" (default), or "down": the frontend is given the URL of a port where nothing
             listens

Returned data:
  responses  one exchange per request, in step order; ``app`` is 0 for the frontend, 1 for the backend
  spans      every span both exporters received, as plain dicts (see ``span_record``)
  metrics    what each registry the grader passed in holds, in OpenMetrics (exemplars included)
  logs       ``{"service", "phase", "line"}`` per line written to a log stream; ``phase`` is the
             index of the step it was written during, -1 while the apps were built
  values     ``requests`` (service, method, path, headers, phase, started_ns, ended_ns per request), ``providers``,
             ``global_provider_set``, ``overlapped``
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from o11y_course.drivers.loopback import POLL_SECONDS
from o11y_course.drivers.loopback import send as send_over_loopback
from o11y_course.drivers.tracing_probe import describe_provider, global_provider_set, require_sdk_provider
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash
from o11y_course.scenario import Scenario

DRIVER = "o11y_course.drivers.two_services:run"
SERVICES = ("frontend", "backend")
OPENMETRICS_ACCEPT = "application/openmetrics-text; version=1.0.0"
CLIENT_TIMEOUT = 15.0
IDLE_SECONDS = 5.0  # how long to wait for the servers to finish a step's requests
HOLD_SECONDS = 5.0  # how long a held backend request waits for the others
MAX_SPANS = 2000
MAX_LOG_LINES = 5000
MAX_ATTRIBUTE = 300


def call(service: str, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One request step to ``service`` ("frontend" or "backend")."""
    step: dict[str, Any] = {"service": service, "method": method, "path": path}
    if headers:
        step["headers"] = dict(headers)
    return step


def checkout(sku: str, *, traceparent: str | None = None) -> dict[str, Any]:
    """``GET /checkout/<sku>`` on the frontend, optionally as part of a caller's trace."""
    return call("frontend", f"/checkout/{sku}", headers={"traceparent": traceparent} if traceparent else None)


def scrape(service: str, *, openmetrics: bool = False) -> dict[str, Any]:
    """``GET /metrics`` on ``service``, asking for OpenMetrics when ``openmetrics`` is set."""
    return call(service, "/metrics", headers={"Accept": OPENMETRICS_ACCEPT} if openmetrics else None)


def together(*steps: dict[str, Any]) -> dict[str, Any]:
    """Requests sent at the same time."""
    return {"together": list(steps)}


def two_services_scenario(name: str, steps: list[dict[str, Any]], *, hold: bool = False, backend: str = "up", timeout: float | None = None) -> Scenario:
    """A scenario for this driver."""
    params = {"steps": steps, "hold": hold, "backend": backend}
    return Scenario(name, DRIVER, json.dumps(params, sort_keys=True), timeout)


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value[:20]]
    return str(value)[:MAX_ATTRIBUTE]


def span_record(span: Any, exporter: str) -> dict[str, Any]:
    """A finished SDK span as plain data: ids as lowercase hex, kind and status by name."""
    context, parent = span.context, span.parent
    resource = getattr(span, "resource", None)
    return {
        "name": str(span.name),
        "kind": span.kind.name,
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
        "trace_flags": f"{int(context.trace_flags):02x}",
        "parent_span_id": f"{parent.span_id:016x}" if parent is not None else None,
        "parent_is_remote": bool(parent.is_remote) if parent is not None else None,
        "status": span.status.status_code.name,
        "status_description": span.status.description,
        "attributes": {str(k): _plain(v) for k, v in list((span.attributes or {}).items())[:50]},
        "events": [event.name for event in span.events][:20],
        "service": _plain(dict(getattr(resource, "attributes", {}) or {}).get("service.name")),
        "exporter": exporter,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
    }


class Tracked:
    """WSGI middleware: counts requests in flight and can hold backend requests until all arrive."""

    def __init__(self, app: Any):
        self.app = app
        self.in_flight = 0
        self.idle = threading.Condition()
        self.barrier: threading.Barrier | None = None
        self.overlapped = True

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.idle:
            self.in_flight += 1
        try:
            barrier = self.barrier
            if barrier is not None and environ.get("PATH_INFO", "").startswith("/inventory/"):
                try:
                    barrier.wait(HOLD_SECONDS)
                except threading.BrokenBarrierError:
                    self.overlapped = False
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _ClosingBody(body, self._done)

    def _done(self) -> None:
        with self.idle:
            self.in_flight -= 1
            self.idle.notify_all()

    def wait_idle(self, seconds: float = IDLE_SECONDS) -> bool:
        """Wait until no request is being handled; False when ``seconds`` pass first."""
        with self.idle:
            return self.idle.wait_for(lambda: self.in_flight <= 0, seconds)


class _ClosingBody:
    """A response body that reports when the server has finished with it."""

    def __init__(self, body: Any, done: Any):
        self._body, self._done, self._closed = body, done, False

    def __iter__(self) -> Any:
        return iter(self._body)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


class _Service:
    """One learner app with the plumbing the driver gave it, served on loopback."""

    def __init__(self, name: str, app: Any, exporter: Any, provider: Any, registry: Any, stream: io.StringIO):
        self.name, self.app, self.exporter, self.provider, self.registry, self.stream = name, app, exporter, provider, registry, stream
        self.tracked = Tracked(app)
        self.server: Any = None
        self.thread: threading.Thread | None = None
        self.read_upto = 0

    def serve(self) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep the access log out of the output
                pass

        self.server = make_server("127.0.0.1", 0, self.tracked, threaded=True, request_handler=QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(5)

    def new_lines(self, phase: int) -> list[dict[str, Any]]:
        text = self.stream.getvalue()
        fresh, self.read_upto = text[self.read_upto:], len(text)
        return [{"service": self.name, "phase": phase, "line": line} for line in fresh.splitlines()]


def _tracing(ctx: DriverContext, configure: Any, name: str) -> tuple[Any, Any]:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = ctx.call("configure_tracing", configure, name, exporter=exporter)
    require_sdk_provider(provider)
    return exporter, provider


def _check_app(app: Any, module: str) -> None:
    if not callable(app) or not hasattr(app, "wsgi_app"):
        raise LearnerCrash(
            "create_app",
            {"type": "WrongType", "message": f"{module}.create_app() returned {type(app).__name__}, not a Flask app", "traceback": []},
        )


def _build(ctx: DriverContext, backend_down: bool) -> tuple[_Service, _Service, socket.socket | None]:
    from prometheus_client import CollectorRegistry

    telemetry = ctx.import_module("telemetry")
    backend_module, frontend_module = ctx.import_module("backend"), ctx.import_module("frontend")
    configure = ctx.attribute(telemetry, "configure_tracing")
    make_backend, make_frontend = ctx.attribute(backend_module, "create_app"), ctx.attribute(frontend_module, "create_app")

    b_exporter, b_provider = _tracing(ctx, configure, "backend")
    b_stream, b_registry = io.StringIO(), CollectorRegistry()
    b_app = ctx.call("create_app", make_backend, b_provider, registry=b_registry, log_stream=b_stream)
    _check_app(b_app, "backend")
    backend = _Service("backend", b_app, b_exporter, b_provider, b_registry, b_stream)
    backend.serve()

    closed: socket.socket | None = None
    if backend_down:  # a bound port that does not listen refuses every connection
        closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    else:
        url = f"http://127.0.0.1:{backend.port}"

    try:
        f_exporter, f_provider = _tracing(ctx, configure, "frontend")
        f_stream, f_registry = io.StringIO(), CollectorRegistry()
        f_app = ctx.call("create_app", make_frontend, url, f_provider, registry=f_registry, log_stream=f_stream)
        _check_app(f_app, "frontend")
        frontend = _Service("frontend", f_app, f_exporter, f_provider, f_registry, f_stream)
        frontend.serve()
    except BaseException:
        backend.stop()
        if closed is not None:
            closed.close()
        raise
    return frontend, backend, closed


def _run_steps(ctx: DriverContext, services: dict[str, _Service], steps: list[dict[str, Any]], hold: bool) -> tuple[list, list, list]:
    responses: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = [line for s in services.values() for line in s.new_lines(-1)]
    backend = services["backend"]

    def send(step: dict[str, Any], phase: int) -> tuple[dict[str, Any], dict[str, Any]]:
        service = services[step["service"]]
        started = time.time_ns()
        exchange = send_over_loopback(service.port, step, app=SERVICES.index(service.name), timeout=CLIENT_TIMEOUT)
        ended = time.time_ns()
        record = {"service": service.name, "method": step.get("method", "GET"), "path": step["path"], "headers": step.get("headers") or {}}
        return exchange, {**record, "phase": phase, "started_ns": started, "ended_ns": ended}

    for phase, step in enumerate(steps):
        group = step.get("together")
        if group is None:
            ctx.phase(f"request {step.get('method', 'GET')} {step['path']} ({step['service']})")
            results = [send(step, phase)]
        else:
            ctx.phase(f"request {len(group)} requests at once")
            parties = sum(1 for s in group if s["service"] == "frontend" and s["path"].startswith("/checkout/"))
            backend.tracked.barrier = threading.Barrier(parties) if hold and parties > 1 else None
            with ThreadPoolExecutor(max_workers=max(len(group), 1)) as pool:
                results = list(pool.map(lambda s, p=phase: send(s, p), group))
            backend.tracked.barrier = None
        for service in services.values():
            service.tracked.wait_idle()
        for exchange, record in results:
            responses.append(exchange)
            requests.append(record)
        for service in services.values():
            logs += service.new_lines(phase)
    return responses, requests, logs


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Build and serve both services, send the steps, and report responses, spans, logs and facts."""
    frontend, backend, closed = _build(ctx, params.get("backend", "up") == "down")
    services = {"frontend": frontend, "backend": backend}
    try:
        responses, requests, logs = _run_steps(ctx, services, params.get("steps", []), bool(params.get("hold", False)))
    finally:
        for service in services.values():
            service.stop()
        if closed is not None:
            closed.close()
    ctx.raise_noticed_memory_error()
    from prometheus_client.openmetrics.exposition import generate_latest

    spans = [span_record(span, s.name) for s in services.values() for span in s.exporter.get_finished_spans()]
    return {
        "responses": responses,
        "metrics": {s.name: generate_latest(s.registry).decode("utf-8", "replace") for s in services.values()},
        "spans": spans[:MAX_SPANS],
        "logs": logs[:MAX_LOG_LINES],
        "values": {
            "requests": requests,
            "providers": {s.name: describe_provider(s.provider) for s in services.values()},
            "global_provider_set": global_provider_set(),
            "overlapped": backend.tracked.overlapped,
            "span_count": len(spans),
        },
    }
