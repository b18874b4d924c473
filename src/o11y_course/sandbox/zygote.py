"""The pre-warmed sandbox parent: imports the telemetry stack once, then forks a child per request.

Protocol: one JSON request per line on stdin, one JSON outcome per line on stdout (``{"op":
"prepare", ...}`` only prepares, and answers ``{"prepared": true}``). The process ends when stdin
closes. It is single-threaded, so forking it is safe.

A driver module of the course may define ``prepare(params)``: the zygote calls it before forking
the child of a request, so that work which depends only on the grader's own code (the drills of
the incident exercise, the grader's logging measurement) is done once per zygote and inherited by
every child, instead of being redone for each submission. No learner code has run in the zygote.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys

from o11y_course.sandbox.guards import read_only_candidates
from o11y_course.sandbox.limits import become_subreaper
from o11y_course.sandbox.pools import DRIVER_PREFIX, MAIN_POOL
from o11y_course.sandbox.runner import run_forked
from o11y_course.sandbox.warmup import warm_up

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
    "flask.testing",  # the test client (it pulls in click.testing and pdb)
    "encodings.idna",  # werkzeug's URL handling, on the first request
    "netrc",  # requests reads ~/.netrc on every call
)


def preload(extra: tuple[str, ...] = (), *, stack: bool = True) -> None:
    """Import the stack (unless ``stack`` is false) and the ``extra`` modules, so every forked child
    starts with them loaded."""
    for name in (*(PRELOAD if stack else ("o11y_course.sandbox.child",)), *extra):
        try:
            importlib.import_module(name)
        except ImportError:  # a missing optional part only makes children slower
            pass


def prepare(request: dict[str, object]) -> None:
    """Let the request's driver do its submission-independent work here, in the zygote, once."""
    module_name, _, _ = str(request.get("driver", "")).partition(":")
    if not module_name.startswith(DRIVER_PREFIX):
        return
    try:
        hook = getattr(importlib.import_module(module_name), "prepare", None)
        if callable(hook):
            hook(request.get("params", {}))
    except Exception:  # noqa: BLE001 - the child does the work itself and reports what goes wrong
        pass


def serve(parent: int | None = None) -> None:
    """Answer requests until stdin closes, or until ``parent`` (the judging process) is gone."""

    def orphaned() -> bool:
        return parent is not None and os.getppid() != parent

    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        request = json.loads(line)
        if request.get("op") == "ping":
            outcome = {"pong": True}
        elif request.get("op") == "prepare":  # the client asked ahead of the first run; it reads this later
            prepare(request)
            outcome = {"prepared": True}
        else:
            prepare(request)
            read_only_candidates(tuple(request.get("protected", [])), tuple(sys.path))  # every child needs them
            # Objects that exist now are never collected in a child: without this, the child's first
            # full collection would write to (and so copy) nearly every page it shares with the zygote.
            gc.freeze()
            outcome = run_forked(request, reaper=True, orphaned=orphaned)
            if orphaned():
                return
        out.write((json.dumps(outcome) + "\n").encode())
        out.flush()


ALLOWED_EXTRA = ("opentelemetry.", "requests", "structlog", "prometheus_client", "flask", "werkzeug", "o11y_course.")


def main() -> None:
    """``python -m o11y_course.sandbox.zygote [--pool NAME] [MODULE...]``: the modules are imported
    before serving. The main zygote also imports and warms up the whole stack; the zygote of a
    driver's own pool (``--pool`` names the driver's module) imports only what that driver uses."""
    # Not the kernel's parent-death signal: it fires when the *thread* that started this process ends,
    # and a sandbox may start its zygote from a short-lived thread (observing ahead). The zygote ends
    # instead when its input closes, which happens when the judging process dies, or sees during a
    # run that its parent is gone.
    parent = os.getppid()
    become_subreaper()
    args = sys.argv[1:]
    pool = MAIN_POOL
    if args[:1] == ["--pool"] and len(args) > 1:
        pool, args = args[1], args[2:]
    main_pool = pool == MAIN_POOL
    preload(tuple(name for name in args if name.startswith(ALLOWED_EXTRA) and name.replace(".", "_").isidentifier()), stack=main_pool)
    if main_pool:
        try:
            warm_up()
        except Exception:  # noqa: BLE001 - only a speed-up: children then do the first-use work themselves
            pass
    serve(parent)


if __name__ == "__main__":
    main()
