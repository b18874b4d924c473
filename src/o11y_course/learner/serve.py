"""``o11y run``: serve the learner's app on localhost to explore by hand.

This runs the learner's own code in this process on their own machine, on purpose: it is a
workbench, not grading. Telemetry goes to the console instead of the graders' in-memory stores:
metrics on /metrics, JSON logs on stdout, finished spans printed as they end.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from o11y_course.errors import UsageError
from o11y_course.exercises import Exercise


def _load(folder: Path, module: str) -> Any:
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - show the learner what broke, briefly
        raise UsageError(f"could not import {module}.py from {folder}: {type(exc).__name__}: {exc}") from None


def _factory_kwargs(factory: Callable[..., Any], service: str | None) -> dict[str, Any]:
    """Console-friendly values for the plumbing a factory accepts."""
    names = inspect.signature(factory).parameters
    kwargs: dict[str, Any] = {}
    if "log_stream" in names:
        kwargs["log_stream"] = sys.stdout
    if "tracer_provider" in names and service:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
        kwargs["tracer_provider"] = provider
    return kwargs


def build_apps(exercise: Exercise, folder: Path, port: int) -> list[tuple[str, Any, int]]:
    """(name, app, port) for each app the exercise's ``[run]`` table describes."""
    spec = exercise.run
    if not spec:
        raise UsageError(f"{exercise.id} has no app to run; check it with `o11y check {exercise.id}`")
    if spec.get("kind") == "two-services":
        backend_module, frontend_module = _load(folder, "backend"), _load(folder, "frontend")
        backend = backend_module.create_app(**_factory_kwargs(backend_module.create_app, "backend"))
        frontend_kwargs = _factory_kwargs(frontend_module.create_app, "frontend")
        frontend = frontend_module.create_app(f"http://127.0.0.1:{port + 1}", **frontend_kwargs)
        return [("frontend", frontend, port), ("backend", backend, port + 1)]
    module = _load(folder, spec.get("module", "app"))
    factory = getattr(module, spec.get("factory", "create_app"), None)
    if factory is None:
        raise UsageError(f"{spec.get('module', 'app')}.py has no {spec.get('factory', 'create_app')}() yet")
    return [("app", factory(**_factory_kwargs(factory, exercise.slug)), port)]


def serve(exercise: Exercise, folder: Path, port: int, console: Console, *, with_prometheus: bool = False) -> int:
    """Serve the exercise's app(s) until Ctrl-C; optionally with a local Prometheus scraping them."""
    import threading

    from werkzeug.serving import make_server

    apps = build_apps(exercise, folder, port)
    servers = [make_server("127.0.0.1", p, app, threaded=True) for _, app, p in apps]
    prometheus = None
    try:  # Ctrl-C may come at any moment from here on: always stop what was started
        for (name, _, p), server in zip(apps, servers, strict=True):
            threading.Thread(target=server.serve_forever, daemon=True).start()
            console.print(f"{name}: http://127.0.0.1:{p}/  (metrics: http://127.0.0.1:{p}/metrics)")
        prometheus = _start_prometheus([p for _, _, p in apps], console) if with_prometheus else None
        console.print("Press Ctrl-C to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.shutdown()
        if prometheus is not None:
            prometheus.__exit__(None, None, None)
    return 0


def _start_prometheus(ports: list[int], console: Console) -> Any:
    import shutil

    from o11y_course.real.prometheus import PrometheusServer

    binary = shutil.which("prometheus")
    if binary is None:
        console.print("Prometheus is not installed (sudo apt-get install prometheus); serving without it.")
        return None
    server = PrometheusServer(binary, [f"127.0.0.1:{p}" for p in ports], interval="5s").__enter__()
    console.print(
        f"Prometheus: http://127.0.0.1:{server.port}/graph?g0.expr=app_requests_total  "
        "(targets appear after about 5 s; see /targets)"
    )
    return server
