"""Driver for exercises whose contract is a Flask application factory.

Params (all JSON):
  module, factory       learner module and factory name (default ``app`` / ``create_app``)
  apps                  how many apps to build (to test isolation), default 1
  registry              "fresh" passes ``registry=CollectorRegistry()``; "omit" passes nothing
  log_stream            true passes ``log_stream=io.StringIO()``; its lines come back as ``logs``
  extra_routes          [{"rule": "/boom", "raises": "RuntimeError"}] added to each app
  steps                 [{"method": "GET", "path": "/", "app": 0, "headers": {...}}]
"""

from __future__ import annotations

import builtins
import io
from typing import Any, NamedTuple

from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash

BODY_LIMIT = 1024 * 1024


def _exposition(registry: Any) -> str:
    from prometheus_client import generate_latest

    return generate_latest(registry).decode("utf-8", "replace")


def _failing_view(exc_name: str):
    def view():
        raise getattr(builtins, exc_name, RuntimeError)("failure injected by the grader")

    return view


class BuiltApp(NamedTuple):
    """One app the learner's factory built, with the plumbing the driver injected."""

    app: Any
    registry: Any  # the CollectorRegistry passed in, or None
    log_stream: io.StringIO | None


def _build_app(ctx: DriverContext, factory: Any, params: dict[str, Any], index: int) -> BuiltApp:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry() if params.get("registry", "fresh") == "fresh" else None
    log_stream = io.StringIO() if params.get("log_stream") else None
    kwargs: dict[str, Any] = {"registry": registry} if registry is not None else {}
    if log_stream is not None:
        kwargs["log_stream"] = log_stream
    app = ctx.call("create_app", factory, **kwargs)
    if not hasattr(app, "test_client") or not hasattr(app, "add_url_rule"):
        raise LearnerCrash(
            "create_app",
            {"type": "WrongType", "message": f"create_app() returned {type(app).__name__}, not a Flask app", "traceback": []},
        )
    for number, route in enumerate(params.get("extra_routes", [])):
        app.add_url_rule(route["rule"], f"o11y_extra_{number}", _failing_view(route.get("raises", "RuntimeError")))
    return BuiltApp(app, registry, log_stream)


def build_apps(ctx: DriverContext, params: dict[str, Any]) -> list[BuiltApp]:
    """Import the learner module and build ``params["apps"]`` apps."""
    module = ctx.import_module(params.get("module", "app"))
    factory = ctx.attribute(module, params.get("factory", "create_app"))
    return [_build_app(ctx, factory, params, i) for i in range(params.get("apps", 1))]


def send_steps(ctx: DriverContext, clients: list[Any], steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send each request step through the test client of its app; returns the exchanges as data."""
    exchanges = []
    for step in steps:
        method, path = step.get("method", "GET"), step["path"]
        client = clients[step.get("app", 0)]
        response = ctx.call(f"request {method} {path}", client.open, path, method=method, headers=step.get("headers"))
        exchanges.append(
            {
                "app": step.get("app", 0),
                "method": method,
                "path": path,
                "status": response.status_code,
                "content_type": response.content_type or "",
                "mimetype": response.mimetype or "",
                "headers": dict(response.headers.items()),
                "body": response.get_data()[:BODY_LIMIT].decode("utf-8", "replace"),
            }
        )
    return exchanges


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Build the app(s), send the requests, and report responses and registry contents."""
    import prometheus_client

    built = build_apps(ctx, params)
    responses = send_steps(ctx, [b.app.test_client() for b in built], params.get("steps", []))
    return {"responses": responses, "metrics": expositions(built, prometheus_client.REGISTRY), "logs": log_lines(built)}


def expositions(built: list[BuiltApp], default_registry: Any) -> dict[str, str]:
    """Each injected registry's exposition (``registry0``...) and the default registry's (``default``)."""
    metrics = {f"registry{i}": _exposition(b.registry) for i, b in enumerate(built) if b.registry is not None}
    metrics["default"] = _exposition(default_registry)
    return metrics


def log_lines(built: list[BuiltApp], limit: int = 5000) -> list[str]:
    """The lines written to the injected log streams; with several apps each line is prefixed ``<index>|``."""
    lines = []
    for index, b in enumerate(built):
        if b.log_stream is not None:
            text = b.log_stream.getvalue().splitlines()
            lines += text if len(built) == 1 else [f"{index}|{line}" for line in text]
    return lines[:limit]
