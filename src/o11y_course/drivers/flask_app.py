"""Driver for exercises whose contract is a Flask application factory.

Params (all JSON):
  module, factory       learner module and factory name (default ``app`` / ``create_app``)
  apps                  how many apps to build (to test isolation), default 1
  registry              "fresh" passes ``registry=CollectorRegistry()``; "omit" passes nothing
  extra_routes          [{"rule": "/boom", "raises": "RuntimeError"}] added to each app
  steps                 [{"method": "GET", "path": "/", "app": 0, "headers": {...}}]
"""

from __future__ import annotations

import builtins
from typing import Any

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


def _build_app(ctx: DriverContext, factory: Any, params: dict[str, Any], index: int) -> tuple[Any, Any]:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry() if params.get("registry", "fresh") == "fresh" else None
    kwargs = {"registry": registry} if registry is not None else {}
    app = ctx.call("create_app", factory, **kwargs)
    if not hasattr(app, "test_client") or not hasattr(app, "add_url_rule"):
        raise LearnerCrash(
            "create_app",
            {"type": "WrongType", "message": f"create_app() returned {type(app).__name__}, not a Flask app", "traceback": []},
        )
    for number, route in enumerate(params.get("extra_routes", [])):
        app.add_url_rule(route["rule"], f"o11y_extra_{number}", _failing_view(route.get("raises", "RuntimeError")))
    return app, registry


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Build the app(s), send the requests, and report responses and registry contents."""
    import prometheus_client

    module = ctx.import_module(params.get("module", "app"))
    factory = ctx.attribute(module, params.get("factory", "create_app"))
    built = [_build_app(ctx, factory, params, i) for i in range(params.get("apps", 1))]
    clients = [app.test_client() for app, _ in built]
    responses = []
    for step in params.get("steps", []):
        method, path = step.get("method", "GET"), step["path"]
        response = ctx.call(f"request {method} {path}", clients[step.get("app", 0)].open, path, method=method,
                            headers=step.get("headers"))
        responses.append(
            {
                "app": step.get("app", 0),
                "method": method,
                "path": path,
                "status": response.status_code,
                "content_type": response.content_type or "",
                "mimetype": response.mimetype or "",
                "headers": {k: v for k, v in response.headers.items()},
                "body": response.get_data()[:BODY_LIMIT].decode("utf-8", "replace"),
            }
        )
    metrics = {f"registry{i}": _exposition(reg) for i, (_, reg) in enumerate(built) if reg is not None}
    metrics["default"] = _exposition(prometheus_client.REGISTRY)
    return {"responses": responses, "metrics": metrics}
