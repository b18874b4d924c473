"""Hidden checks for intermediate/01-structured-logging: grading only, never shipped to learners."""

import pytest

from o11y_course.drivers.flask_concurrent import bind_route, loopback_scenario, slow_route
from o11y_course.feedback import expect, fail
from o11y_course.matchers.http import registry_exposition
from o11y_course.matchers.json_logs import (
    by_request,
    find_text,
    is_uuid4,
    logged_lines,
    render,
    request_pair,
    response_header,
    with_event,
)
from o11y_course.matchers.metrics import describe_values, find_family, label_values, sample_value, shown
from o11y_course.scenario import flask_scenario, get, request

COUNTER = "app_requests_total"
HISTOGRAM = "app_request_latency_seconds"
ITEM_ROUTE = "/items/<int:item_id>"
SLOW = "/o11y-slow"
CONTEXT_HINT = (
    "keep the request id in structlog.contextvars (bind_contextvars in before_request, merge_contextvars first in the "
    "processor chain): each thread has its own; a module-level variable or an attribute of the app is shared by all"
)
HOOK_HINT = 'log "request started" in an @app.before_request hook and "request completed" in an @app.after_request hook, so every route is covered'


def with_id(path: str, request_id: str, app: int = 0) -> dict:
    """A GET step that sends ``request_id`` as X-Request-ID."""
    return request("GET", path, app=app, headers={"X-Request-ID": request_id})


# (request id sent, path, expected status, expected endpoint field); the slow ones overlap for sure.
CONCURRENT_REQUESTS = [(f"conc-slow-{n}", SLOW, 200, SLOW) for n in range(1, 7)] + [
    ("conc-home", "/", 200, "/"),
    ("conc-item-5", "/items/5", 200, ITEM_ROUTE),
    ("conc-item-6", "/items/6", 200, ITEM_ROUTE),
    ("conc-nope", "/nope", 404, "<unmatched>"),
]
CONCURRENT = loopback_scenario(
    "ten requests at once on a threaded loopback server",
    [with_id(path, rid) for rid, path, _, _ in CONCURRENT_REQUESTS],
    grader_routes=[slow_route(SLOW, sleep_ms=25)],
)

# (what it is, the hostile X-Request-ID); each must be replaced by a new UUID4 and never logged.
HOSTILE = [
    ("a NUL byte", "ok\x00nul"),
    ("an ANSI colour escape", "ok\x1b[31mred"),
    ("a tab", "tab\there"),
    ("spaces", "id with spaces"),
    ("a JSON fragment", 'x","level":"critical","event":"forged'),
    ("a JSON object", '{"request_id":"forged"}'),
    ("10 kB of letters", "a" * 10240),
]
LONGEST = "id-" + "0123456789" * 6 + "z"  # 64 characters: still valid
# (what it is, the X-Request-ID, whether it must be kept)
BOUNDARY = [
    ("64 characters", LONGEST, True),
    ("every allowed kind of character", "Req.42_a-Z", True),
    ("65 characters", LONGEST + "z", False),
    ("an empty value", "", False),
]
ODD_IDS = flask_scenario(
    "hostile and borderline X-Request-ID values",
    [with_id("/", value) for _, value in HOSTILE] + [with_id("/", value) for _, value, _ in BOUNDARY],
    log_stream=True,
)
BIND = loopback_scenario(
    "a view binds context, then two more requests on the same server thread",
    [with_id("/o11y-bind", "bind-1"), with_id("/", "after-bind-1"), with_id("/items/9", "after-bind-2")],
    grader_routes=[bind_route("/o11y-bind", "grader_note", "bound-by-an-earlier-request")],
    threaded=False,
    sequential=True,
)
TWO_APPS = flask_scenario(
    "two apps, each with its own log stream",
    [with_id("/", "app0-first", app=0), with_id("/", "app1-only", app=1), with_id("/items/3", "app0-second", app=0)],
    apps=2,
    log_stream=True,
)
SCRAPES = flask_scenario(
    "one request, three scrapes",
    [with_id("/", "before-scrape"), with_id("/metrics", "scrape-1"), get("/metrics"), with_id("/metrics", "scrape-2")],
    log_stream=True,
)
# The same scenario as the public checks' (same name and parameters), so both share one run.
MIXED = flask_scenario(
    "requests with and without X-Request-ID, a failing view, a scrape",
    [with_id(path, rid) for rid, path in (("home-1", "/"), ("item-7", "/items/7"), ("item-500", "/items/500"), ("nope.1", "/nope"), ("boom_1", "/boom"))]
    + [get("/metrics"), get("/"), get("/")],
    extra_routes=[{"rule": "/boom", "raises": "RuntimeError"}],
    log_stream=True,
)


@pytest.mark.points(2)
@pytest.mark.hidden
def test_concurrent_requests_keep_their_ids(observe):
    """Requests handled at the same time on a threaded server never mix up their request ids."""
    observation = observe(CONCURRENT)
    lines = logged_lines(observation)
    sent = [rid for rid, _, _, _ in CONCURRENT_REQUESTS]
    groups = by_request(lines)
    counts = {rid: (len(with_event(groups.get(rid, []), "request started")), len(with_event(groups.get(rid, []), "request completed"))) for rid in sent}
    wrong = [rid for rid in sent if counts[rid] != (1, 1)]
    strangers = sorted({str(line.request_id) for line in lines} - set(sent))
    if wrong or strangers:
        found = [f"{rid!r}: {counts[rid][0]} started / {counts[rid][1]} completed" for rid in wrong[:4]]
        if strangers:
            found.append(f"lines with ids nobody sent ({', '.join(repr(s[:40]) for s in strangers[:3])})")
        fail(
            f"{len(sent)} requests ran at the same time, each with its own X-Request-ID, and their log lines mixed up "
            f"request ids: each id should have 1 \"request started\" and 1 \"request completed\" line; found {', '.join(found)}.",
            CONTEXT_HINT,
        )
    for (rid, path, status, _), exchange in zip(CONCURRENT_REQUESTS, observation.responses, strict=True):
        expect(exchange.status == status, f"GET {path} (X-Request-ID {rid!r}) got {exchange.status or 'no answer'}, expected {status}: {exchange.body[:80]!r}.")
        started, completed = request_pair(lines, rid, f"GET {path}", CONTEXT_HINT)
        expect(
            completed.get("endpoint") == started.get("endpoint") and completed.get("status_code") == status,
            f"the lines under request id {rid!r} (sent to GET {path}, answered {status}) describe different requests: "
            f"\"request started\" has endpoint {started.get('endpoint')!r}, \"request completed\" has endpoint "
            f"{completed.get('endpoint')!r} and status_code {completed.get('status_code')!r}.\n{render([started, completed])}",
            CONTEXT_HINT,
        )
        echoed = response_header(exchange)
        expect(
            echoed == rid,
            f"the request sent with X-Request-ID {rid!r} got back "
            + ("no X-Request-ID header." if echoed is None else f"X-Request-ID {echoed!r} while other requests ran at the same time."),
            'set response.headers["X-Request-ID"] in after_request' if echoed is None else CONTEXT_HINT,
        )


@pytest.mark.points(2)
@pytest.mark.hidden
def test_hostile_request_ids_replaced(observe):
    """Hostile X-Request-ID values (control characters, spaces, JSON, 10 kB) are replaced by a new UUID4 and never logged."""
    observation = observe(ODD_IDS)
    lines = logged_lines(observation)
    echoed_ids = []
    for (what, value), exchange in zip(HOSTILE, observation.responses[: len(HOSTILE)], strict=True):
        shown_value = repr(value if len(value) <= 40 else value[:20] + "...")
        leak = find_text(lines, value[:65])
        if leak is not None:
            line, field = leak
            fail(
                f"an X-Request-ID with {what} ({shown_value}) reached the log raw, in {field} of log line {line.number}; "
                f"it must be replaced by a new UUID4.\n    {line.render()}",
                "accept the header only when re.fullmatch(r\"[A-Za-z0-9._-]{1,64}\", value) matches; otherwise use "
                "str(uuid.uuid4()) and do not log the rejected value anywhere",
            )
        echoed = response_header(exchange)
        expect(
            is_uuid4(echoed),
            f"an X-Request-ID with {what} ({shown_value}) should be replaced by a new UUID4, echoed in the response; "
            f"the response's X-Request-ID is {'missing' if echoed is None else repr(echoed[:40])}.",
            "replace an invalid X-Request-ID with str(uuid.uuid4()) and echo the id you used",
        )
        echoed_ids.append(echoed)
    expect(
        len(set(echoed_ids)) == len(echoed_ids),
        f"{len(HOSTILE)} requests with invalid X-Request-ID values got only {len(set(echoed_ids))} different request ids; each needs a new UUID4.",
        "call uuid.uuid4() for each request, not once per app or in a default argument",
    )
    for (what, _), echoed in zip(HOSTILE, echoed_ids, strict=True):
        request_pair(lines, echoed, f"GET / with an X-Request-ID holding {what}", "log both lines under the id you echo")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_request_id_rule_boundaries(observe):
    """An X-Request-ID of 1-64 characters of [A-Za-z0-9._-] is kept; 65 characters or an empty value are replaced."""
    observation = observe(ODD_IDS)
    lines = logged_lines(observation)
    for (what, value, kept), exchange in zip(BOUNDARY, observation.responses[len(HOSTILE) :], strict=True):
        echoed = response_header(exchange)
        shown_value = repr(value if len(value) <= 24 else value[:12] + "..." + value[-4:])
        if kept:
            expect(
                echoed == value,
                f"an X-Request-ID of {what} ({shown_value}) is valid and must be kept; the response echoed "
                f"{'nothing' if echoed is None else repr(echoed)}.",
                "valid means 1 to 64 characters, each a letter, a digit, '.', '_' or '-' (re.fullmatch(r\"[A-Za-z0-9._-]{1,64}\", value))",
            )
        else:
            leak = find_text(lines, value) if value else None
            expect(
                is_uuid4(echoed) and leak is None,
                f"an X-Request-ID of {what} ({shown_value}) breaks the 1-64 character rule and must be replaced by a new UUID4; "
                + ("it reached the log raw." if leak else f"the response echoed {'nothing' if echoed is None else repr(echoed)}."),
                "check the length too: {1,64} in the pattern, and re.fullmatch so the whole value must match",
            )
        request_pair(lines, echoed, f"GET / with an X-Request-ID of {what}", "log both lines under the id you echo")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_duration_agrees_with_histogram(observe):
    """duration_ms of the "request completed" lines agrees with the latency histogram (logs and metrics correlate)."""
    observation = observe(CONCURRENT)
    completed = with_event(logged_lines(observation), "request completed")
    bad = [line for line in completed if isinstance(line.get("duration_ms"), bool) or not isinstance(line.get("duration_ms"), (int, float))]
    expect(not bad, f"\"request completed\" lines need a number in duration_ms:\n{render(bad, 2)}", "log duration_ms=elapsed_seconds * 1000")
    family = find_family(registry_exposition(observation), HISTOGRAM)
    count = sum(s.value for s in family.samples if s.name == f"{HISTOGRAM}_count")
    total = sum(s.value for s in family.samples if s.name == f"{HISTOGRAM}_sum")
    logged = sum(line.get("duration_ms") for line in completed) / 1000
    expect(
        count == len(completed) and abs(logged - total) <= max(0.2 * total, 0.005),
        f"{len(CONCURRENT_REQUESTS)} requests, some taking 25 ms or more: the latency histogram observed {count:g} of them "
        f"with a _sum of {total:.4f} s, but the {len(completed)} \"request completed\" lines have duration_ms adding up to "
        f"{logged * 1000:.4f} ms (= {logged:.6f} s); they should agree.",
        "measure once per request and use the same elapsed seconds for both: histogram.observe(elapsed) and duration_ms=elapsed * 1000",
    )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_context_bound_per_request(observe):
    """Context a view binds with structlog contextvars reaches that request's later lines and is cleared before the next request."""
    observation = observe(BIND)
    lines = logged_lines(observation)
    _, completed = request_pair(lines, "bind-1", "GET /o11y-bind", HOOK_HINT)
    expect(
        completed.get("grader_note") == "bound-by-an-earlier-request",
        "the view of GET /o11y-bind called structlog.contextvars.bind_contextvars(grader_note=...), but the request's "
        f"\"request completed\" line does not carry grader_note:\n    {completed.render()}",
        "put structlog.contextvars.merge_contextvars first in the processor chain, so every line gets the bound context",
    )
    later = [line for line in lines if line.request_id in ("after-bind-1", "after-bind-2")]
    leaked = [line for line in later if "grader_note" in line.fields]
    expect(
        bool(later) and not leaked,
        "the lines of the next requests on the same server thread still carry grader_note, bound by an earlier request's view: "
        f"the context was not cleared when the new request started.\n{render(leaked or later, 2)}",
        "call structlog.contextvars.clear_contextvars() at the start of before_request, before binding the new request's fields",
    )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_apps_log_to_their_own_streams(observe):
    """Two apps built in one process each write their lines to their own log_stream."""
    observation = observe(TWO_APPS, allow_error=True)
    if observation.error is not None:
        fail(
            f"calling create_app() twice failed: {observation.error.describe()}",
            "create the registry, the metrics and the logger inside create_app(), never at module level",
        )
    lines = logged_lines(observation, several_apps=True)
    expected = {0: ("app0-first", "app0-second"), 1: ("app1-only",)}
    names = {0: "first", 1: "second"}
    for app, ids in expected.items():
        if not any(line.app == app for line in lines):
            elsewhere = sorted({line.app for line in lines if line.request_id in ids})
            went = f"; its requests were logged to the {names.get(elsewhere[0], 'other')} app's stream" if elsewhere else ""
            fail(
                f"the {names[app]} app's log_stream received no lines{went}.",
                "build a logger per app on its own log_stream (structlog.make_filtering_bound_logger(...)(WriteLogger(log_stream), ...)); "
                "structlog.configure() is global, so every app would share one output",
            )
    for app, ids in expected.items():
        own = [line for line in lines if line.app == app]
        strangers = sorted({str(line.request_id) for line in own} - set(ids))
        expect(
            not strangers,
            f"the {names[app]} app's log_stream holds lines of requests sent to the other app ({', '.join(repr(s) for s in strangers)}).",
            "give each app its own logger, built in create_app() on that app's log_stream",
        )
        for rid in ids:
            request_pair(own, rid, f"the request sent to the {names[app]} app with X-Request-ID {rid!r}", HOOK_HINT)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_metrics_requests_not_logged_or_counted(observe):
    """Scraping /metrics is neither logged nor counted, while other requests are."""
    observation = observe(SCRAPES)
    lines = logged_lines(observation)
    request_pair(lines, "before-scrape", "GET /", HOOK_HINT)
    scrapes = [line for line in lines if line.request_id != "before-scrape"]
    expect(
        not scrapes,
        f"three GET /metrics requests were logged; scrapes must not be logged:\n{render(scrapes, 2)}",
        'skip /metrics in your hooks (request.endpoint == "metrics") before binding or logging anything',
    )
    exposition = registry_exposition(observation)
    endpoints = label_values(find_family(exposition, COUNTER), "endpoint") | label_values(find_family(exposition, HISTOGRAM), "endpoint")
    expect(
        "/metrics" not in endpoints,
        f"requests to /metrics are counted: the endpoint labels are {describe_values(endpoints)}.",
        'skip /metrics in the after_request hook (request.endpoint == "metrics")',
    )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_beginner_metrics_still_hold(observe):
    """The logged requests are counted as in beginner/02: route templates, "<unmatched>", a failing view as "500"."""
    observation = observe(MIXED)
    expect(
        bool(with_event(logged_lines(observation), "request completed")),
        "the app logs no \"request completed\" line, so logs and metrics cannot be compared.",
        "log \"request completed\" in the after_request hook, where the metrics are recorded",
    )
    family = find_family(registry_exposition(observation), COUNTER)
    wanted = [
        ("GET", "/", "200", 3, "three GET /"),
        ("GET", ITEM_ROUTE, "200", 1, "GET /items/7"),
        ("GET", ITEM_ROUTE, "404", 1, "GET /items/500"),
        ("GET", "<unmatched>", "404", 1, "GET /nope"),
        ("GET", "/boom", "500", 1, "a view that raises"),
    ]
    for method, endpoint, status, count, what in wanted:
        value = sample_value(family, COUNTER, {"method": method, "endpoint": endpoint, "status": status})
        expect(
            value == count,
            f'{what} should give {COUNTER}{{method="{method}",endpoint="{endpoint}",status="{status}"}} = {count}, found {shown(value)} '
            f"(endpoint labels seen: {describe_values(label_values(family, 'endpoint'))}).",
            "keep beginner/02's rules: the route template or \"<unmatched>\" as endpoint, str(response.status_code) as status",
        )
    exchange = observation.response("GET", "/metrics")
    expect(exchange.mimetype == "text/plain", f"GET /metrics is served as {exchange.content_type or 'no content type'}, expected text/plain.")
