"""The loopback driver, run in this process on a tiny app written by the test: overlap is certain, not likely."""

import json
import os
import sys
import textwrap

import pytest

from o11y_course.drivers.flask_concurrent import DRIVER, bind_route, loopback_scenario, run, slow_route
from o11y_course.sandbox.context import DriverContext
from o11y_course.scenario import request

MODULE = textwrap.dedent(
    """
    import json
    import sys

    import structlog
    from flask import Flask, g, request
    from structlog.contextvars import bind_contextvars, get_contextvars

    CURRENT = {}  # the wrong place for a request id: shared by every thread


    def _app(log_stream, keep_id, clear):
        app = Flask(__name__)
        stream = log_stream or sys.stdout

        def log(event):
            fields = {**get_contextvars(), "event": event}
            if not keep_id:
                fields["request_id"] = CURRENT["id"]
            stream.write(json.dumps(fields) + "\\n")

        @app.before_request
        def start():
            if clear:
                structlog.contextvars.clear_contextvars()
            g.rid = request.headers.get("X-Request-ID", "none")
            if keep_id:
                bind_contextvars(request_id=g.rid)
            else:
                CURRENT["id"] = g.rid
            log("request started")

        @app.after_request
        def finish(response):
            response.headers["X-Request-ID"] = g.rid if keep_id else CURRENT["id"]
            log("request completed")
            return response

        @app.route("/")
        def index():
            return "hi"

        return app


    def create_app(registry=None, log_stream=None):
        return _app(log_stream, keep_id=True, clear=True)


    def create_global_app(registry=None, log_stream=None):
        return _app(log_stream, keep_id=False, clear=True)


    def create_unclearing_app(registry=None, log_stream=None):
        return _app(log_stream, keep_id=True, clear=False)
    """
)
SLOW_IDS = [f"slow-{n}" for n in range(1, 5)]


@pytest.fixture
def context(tmp_path, monkeypatch):
    """A driver context whose protocol messages go to a pipe, with the test module importable."""
    (tmp_path / "concurrenttest.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    yield DriverContext(str(tmp_path), write_end)
    os.close(read_end)
    os.close(write_end)
    sys.modules.pop("concurrenttest", None)


def concurrent(context, factory):
    """Four requests to a slow grader route and one to /, all at once; returns the driver's result."""
    steps = [request("GET", "/o11y-slow", headers={"X-Request-ID": rid}) for rid in SLOW_IDS]
    steps.append(request("GET", "/", headers={"X-Request-ID": "fast"}))
    params = {**loopback_scenario("t", steps, grader_routes=[slow_route(sleep_ms=5)], module="concurrenttest").params, "factory": factory}
    return run(context, params)


def completed_ids(result):
    lines = [json.loads(text) for text in result["logs"]]
    return [line["request_id"] for line in lines if line["event"] == "request completed"]


def test_responses_come_back_in_request_order(context):
    """Every request is answered, in the order of the steps, with its headers, and the slow ones overlapped."""
    result = concurrent(context, "create_app")
    assert [r["path"] for r in result["responses"]] == ["/o11y-slow"] * 4 + ["/"]
    assert [r["status"] for r in result["responses"]] == [200] * 5
    assert [r["headers"]["X-Request-ID"] for r in result["responses"]] == [*SLOW_IDS, "fast"]
    assert result["values"]["overlapped"] is True
    assert result["responses"][0]["body"] == "slow" and result["responses"][0]["mimetype"] == "text/html"
    assert "registry0" in result["metrics"] and "default" in result["metrics"]


def test_contextvars_keep_ids_apart(context):
    """An app that keeps the id in contextvars logs each request's completion under its own id."""
    assert sorted(completed_ids(concurrent(context, "create_app"))) == sorted([*SLOW_IDS, "fast"])


def test_a_global_id_always_mixes(context):
    """With the id in a module global, at most one of the overlapping slow requests keeps its own id."""
    for _ in range(3):
        ids = completed_ids(concurrent(context, "create_global_app"))
        assert len(ids) == 5 and len(set(ids)) < 5
        assert sum(ids.count(rid) == 1 for rid in SLOW_IDS) <= 1


def test_single_thread_shares_context_between_requests(context):
    """Served one by one on one thread, context bound in a view reaches the next request unless it is cleared."""
    steps = [request("GET", "/bind", headers={"X-Request-ID": "one"}), request("GET", "/", headers={"X-Request-ID": "two"})]
    scenario = loopback_scenario("t", steps, grader_routes=[bind_route("/bind", "note", "x")], threaded=False, sequential=True, module="concurrenttest")
    for factory, leaks in (("create_app", False), ("create_unclearing_app", True)):
        lines = [json.loads(text) for text in run(context, {**scenario.params, "factory": factory})["logs"]]
        second = [line for line in lines if line["request_id"] == "two"]
        assert len(second) == 2 and all(("note" in line) is leaks for line in second)


def test_no_answer_is_recorded_as_status_zero(context):
    """A request the server cannot answer comes back as status 0 with the reason, not as a crash."""
    from o11y_course.drivers.loopback import send

    exchange = send(1, {"method": "GET", "path": "/"})  # nothing listens on port 1
    assert exchange["status"] == 0 and exchange["body"].startswith("no answer:")


def test_loopback_scenario_params():
    """The builder names this driver and keeps the parameters as JSON."""
    scenario = loopback_scenario("n", [request("GET", "/")], grader_routes=[slow_route("/s", 10)], threaded=False)
    assert scenario.driver == DRIVER and scenario.timeout == 30.0
    assert scenario.params["grader_routes"] == [{"rule": "/s", "kind": "slow", "sleep_ms": 10}]
    assert scenario.params["threaded"] is False and scenario.params["log_stream"] is True
