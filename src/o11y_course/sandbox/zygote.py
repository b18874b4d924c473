"""The pre-warmed sandbox parent: imports the telemetry stack once, then forks a child per request.

Protocol: one JSON request per line on stdin, one JSON outcome per line on stdout. The process
ends when stdin closes. It is single-threaded, so forking it is safe.
"""

from __future__ import annotations

import importlib
import json
import sys

from o11y_course.sandbox.limits import become_subreaper, die_with_parent
from o11y_course.sandbox.runner import run_forked

PRELOAD = (
    "flask",
    "werkzeug.test",
    "prometheus_client",
    "prometheus_client.openmetrics.exposition",
    "structlog",
    "opentelemetry.sdk.trace",
    "opentelemetry.sdk.trace.export.in_memory_span_exporter",
    "o11y_course.sandbox.child",
    "o11y_course.drivers.flask_app",
)


def preload(extra: tuple[str, ...] = ()) -> None:
    """Import the stack (and the exercises' ``extra`` modules) so every forked child starts with them loaded."""
    for name in (*PRELOAD, *extra):
        try:
            importlib.import_module(name)
        except ImportError:  # a missing optional part only makes children slower
            pass


def serve() -> None:
    """Answer requests until stdin closes."""
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        request = json.loads(line)
        if request.get("op") == "ping":
            outcome = {"pong": True}
        else:
            outcome = run_forked(request, reaper=True)
        out.write((json.dumps(outcome) + "\n").encode())
        out.flush()


ALLOWED_EXTRA = ("opentelemetry.", "requests", "structlog", "prometheus_client", "flask", "werkzeug", "o11y_course.")


def main() -> None:
    die_with_parent()
    become_subreaper()
    preload(tuple(name for name in sys.argv[1:] if name.startswith(ALLOWED_EXTRA) and name.replace(".", "_").isidentifier()))
    serve()


if __name__ == "__main__":
    main()
