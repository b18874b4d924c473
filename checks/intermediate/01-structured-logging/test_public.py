"""Public checks for intermediate/01-structured-logging: shipped to learners for self-checks."""

import pytest

from o11y_course.feedback import expect, fail
from o11y_course.matchers.json_logs import (
    course_exercise_file,
    exception_summary,
    expect_schema_valid,
    is_uuid4,
    load_schema,
    logged_lines,
    render,
    request_pair,
    response_header,
    with_event,
)
from o11y_course.scenario import flask_scenario, get, request

ITEM_ROUTE = "/items/<int:item_id>"
HOOK_HINT = 'log "request started" in an @app.before_request hook and "request completed" in an @app.after_request hook, so every route is covered'


def with_id(path: str, request_id: str) -> dict:
    """A GET step that sends ``request_id`` as X-Request-ID."""
    return request("GET", path, headers={"X-Request-ID": request_id})


# (request id sent, path, expected status, expected endpoint field)
TAGGED = [
    ("home-1", "/", 200, "/"),
    ("item-7", "/items/7", 200, ITEM_ROUTE),
    ("item-500", "/items/500", 404, ITEM_ROUTE),
    ("nope.1", "/nope", 404, "<unmatched>"),
    ("boom_1", "/boom", 500, "/boom"),
]
MIXED = flask_scenario(
    "requests with and without X-Request-ID, a failing view, a scrape",
    [with_id(path, rid) for rid, path, _, _ in TAGGED] + [get("/metrics"), get("/"), get("/")],
    extra_routes=[{"rule": "/boom", "raises": "RuntimeError"}],
    log_stream=True,
)


@pytest.mark.points(2)
def test_every_line_matches_the_schema(observe):
    """Every log line is one JSON object that validates against log-event.schema.json."""
    lines = logged_lines(observe(MIXED))
    expect_schema_valid(
        lines,
        # The grader's own copy, from the course's exercise folder: editing the submission's copy changes nothing.
        load_schema(course_exercise_file(__file__, "log-event.schema.json")),
        "log-event.schema.json",
        "read the field's rule in log-event.schema.json: e.g. add_log_level gives lower-case levels, TimeStamper(fmt=\"iso\", utc=True) an ISO 8601 UTC time",
    )


@pytest.mark.points(2)
def test_one_started_and_one_completed_per_request(observe):
    """Each request logs exactly one "request started" and one "request completed" line under its request id."""
    lines = logged_lines(observe(MIXED))
    for request_id, path, _, _ in TAGGED:
        request_pair(lines, request_id, f"GET {path} (sent with X-Request-ID {request_id!r})", HOOK_HINT)


@pytest.mark.points(1)
def test_lines_describe_the_request(observe):
    """The lines of a request carry its method and route template, and "request completed" its status code."""
    observation = observe(MIXED)
    lines = logged_lines(observation)
    for (request_id, path, status, endpoint), exchange in zip(TAGGED, observation.responses[: len(TAGGED)], strict=True):
        started, completed = request_pair(lines, request_id, f"GET {path}", HOOK_HINT)
        for line in (started, completed):
            expect(
                line.get("method") == "GET" and line.get("endpoint") == endpoint,
                f"GET {path} should be logged with method 'GET' and endpoint {endpoint!r} (the route template), "
                f"found method {line.get('method')!r} and endpoint {line.get('endpoint')!r}:\n    {line.render()}",
                'bind endpoint=request.url_rule.rule (or "<unmatched>" when request.url_rule is None), never the raw path',
            )
        answered = exchange.status
        expect(
            completed.get("status_code") == answered == status,
            f"GET {path} was answered with {answered}, but its \"request completed\" line has status_code "
            f"{completed.get('status_code')!r}, expected {status}:\n    {completed.render()}",
            "log response.status_code (an int) in the after_request hook, where the final response is known",
        )


@pytest.mark.points(2)
def test_incoming_request_id_used_and_echoed(observe):
    """A valid incoming X-Request-ID is the request_id of the request's lines and comes back in the response header."""
    observation = observe(MIXED)
    lines = logged_lines(observation)
    for (request_id, path, _, _), exchange in zip(TAGGED, observation.responses[: len(TAGGED)], strict=True):
        request_pair(lines, request_id, f"GET {path} (sent with X-Request-ID {request_id!r})", "keep an incoming X-Request-ID of 1-64 characters of [A-Za-z0-9._-]")
        echoed = response_header(exchange)
        expect(
            echoed == request_id,
            f"GET {path} was sent with X-Request-ID {request_id!r}; the response's X-Request-ID header is "
            f"{'missing' if echoed is None else repr(echoed)}, expected {request_id!r}.",
            'set response.headers["X-Request-ID"] = the request id in the after_request hook, for every response (404 and 500 too)',
        )


@pytest.mark.points(1)
def test_request_id_generated_when_missing(observe):
    """A request without X-Request-ID gets a new UUID4 as request id, logged and echoed, different for each request."""
    observation = observe(MIXED)
    lines = logged_lines(observation)
    seen = [response_header(observation.response("GET", "/", nth=nth)) for nth in (-2, -1)]
    for echoed in seen:
        expect(
            is_uuid4(echoed),
            f"GET / without X-Request-ID should get a new UUID4 as request id, echoed in the X-Request-ID header; "
            f"the header is {'missing' if echoed is None else repr(echoed)}.",
            "make one with str(uuid.uuid4()) in the before_request hook and set it on the response in after_request",
        )
    expect(
        seen[0] != seen[1],
        f"two GET / requests without X-Request-ID both got the request id {seen[0]!r}; each request needs a new one.",
        "call uuid.uuid4() once per request (in before_request), not once when the app is built or as a default argument",
    )
    for echoed in seen:
        request_pair(lines, echoed, f"GET / without X-Request-ID (answered with X-Request-ID {echoed!r})", "log both lines under the id you echo")


@pytest.mark.points(2)
def test_failing_view_logs_request_failed(observe):
    """A view that raises logs "request failed" at error level with the exception, and "request completed" with 500."""
    lines = logged_lines(observe(MIXED))
    own = [line for line in lines if line.request_id == "boom_1"]
    failed = with_event(own, "request failed")
    if len(failed) != 1:
        fail(
            f"GET /boom raised RuntimeError in the view; expected one \"request failed\" line with request_id 'boom_1', "
            f"found {len(failed)}. Its lines:\n{render(own, 4)}",
            "register @app.errorhandler(InternalServerError): Flask calls it for an unhandled exception, with the "
            "exception in error.original_exception; log it there with log.error(\"request failed\", exc_info=...)",
        )
    line = failed[0]
    expect(
        line.get("level") == "error",
        f"\"request failed\" is logged at level {line.get('level')!r}, expected 'error':\n    {line.render()}",
        "log it with log.error(...) (or log.exception(...)), and keep add_log_level's lower-case level names",
    )
    summary = exception_summary(line.get("exception"))
    expect(
        summary is not None and summary.startswith("RuntimeError") and "failure injected by the grader" in summary,
        f"the \"request failed\" line should carry the exception the view raised (RuntimeError: failure injected by the grader) "
        f"in an exception field; found {summary or 'no exception'}:\n    {line.render()}",
        "pass exc_info=the exception (or exc_info=True inside the except) and keep structlog.processors.format_exc_info "
        "or dict_tracebacks in the processor chain, before JSONRenderer",
    )
    _, completed = request_pair(lines, "boom_1", "GET /boom", HOOK_HINT)
    expect(
        completed.get("status_code") == 500,
        f"GET /boom answered 500, but its \"request completed\" line has status_code {completed.get('status_code')!r}:\n    {completed.render()}",
    )
