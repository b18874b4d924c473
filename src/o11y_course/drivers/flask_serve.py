"""Driver that serves the learner's Flask app on a loopback port until it has been scraped.

A check starts a real Prometheus first (pointed at ``port``), then runs this scenario. Params:
  port          the loopback port to serve on (chosen by the check)
  traffic       request steps sent through the test client before serving (see flask_app)
  scrapes       stop once /metrics has been requested this many times
  max_seconds   stop anyway after this long
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from o11y_course.drivers.flask_app import build_apps, send_steps
from o11y_course.drivers.loopback import POLL_SECONDS
from o11y_course.sandbox.context import DriverContext

OWN_ZYGOTE = True  # mostly waiting for Prometheus: served from a zygote of its own, beside the other runs (see sandbox.pools)


def prepare(params: dict[str, Any]) -> None:
    """Import and warm up the web stack once (called in the zygote, before any learner code), as the
    main zygote does, so that each run's child inherits it instead of importing it again."""
    _warm_up_once()


@functools.cache
def _warm_up_once() -> None:
    from werkzeug.serving import make_server  # noqa: F401 - imported for the children
    from werkzeug.wsgi import ClosingIterator  # noqa: F401 - imported for the children

    from o11y_course.sandbox.warmup import warm_up

    warm_up()


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Serve the app, count the scrapes and their statuses, then stop."""
    from werkzeug.serving import make_server
    from werkzeug.wsgi import ClosingIterator

    app = build_apps(ctx, {**params, "apps": 1})[0].app
    send_steps(ctx, [app.test_client()], params.get("traffic", []))
    wanted = int(params.get("scrapes", 2))
    scrapes: list[str] = []
    enough = threading.Event()
    learner_app = app.wsgi_app

    def counting_app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/metrics":
            return learner_app(environ, start_response)

        def recording_start_response(status: str, headers: Any, *rest: Any) -> Any:
            scrapes.append(status)
            return start_response(status, headers, *rest)

        def finished() -> None:  # the whole answer is sent: safe to stop after this one
            if len(scrapes) >= wanted:
                enough.set()

        return ClosingIterator(learner_app(environ, recording_start_response), [finished])

    app.wsgi_app = counting_app
    ctx.phase("serving on loopback")
    server = make_server("127.0.0.1", int(params["port"]), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
    thread.start()
    started = time.monotonic()
    enough.wait(float(params.get("max_seconds", 15)))
    server.shutdown()
    thread.join(5)
    ctx.raise_noticed_memory_error()
    return {"values": {"scrape_statuses": scrapes, "served_seconds": round(time.monotonic() - started, 3)}}
