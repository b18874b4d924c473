"""Hidden checks for advanced/02-sampling-strategy: grading only, never shipped to learners."""

import pytest

from o11y_course.matchers.sampling import (
    SEARCH_BOUND,
    expect_decisions,
    expect_exported,
    expect_limiter,
    flask_request,
    limiter_run,
    limiter_step,
    local_parent,
    probe,
    remote_parent,
    route_probe,
    sampler_scenario,
    trace_id,
)

HIGH = 0x9E3779B97F4A7C15
LOW = trace_id(3, HIGH)  # low 64 bits far below the /search bound
ABOVE = trace_id(SEARCH_BOUND * 7, HIGH)  # low 64 bits far above it
JUST_BELOW = trace_id(SEARCH_BOUND - 1, HIGH)
AT_BOUND = trace_id(SEARCH_BOUND, HIGH)

PARENTS = {
    "GET /search under a local parent with flags 01 (id above the bound)": (ABOVE, "/search", local_parent(0x01), True),
    "GET /search under a local parent with flags 03 (id above the bound)": (ABOVE, "/search", local_parent(0x03), True),
    "GET / under a local parent with flags 00": (LOW, "/", local_parent(0x00), False),
    "GET /items/<int:item_id> under a local parent with flags 02": (LOW, "/items/<int:item_id>", local_parent(0x02), False),
    "GET /health under a remote parent with flags 03 (the parent wins)": (LOW, "/health", remote_parent(0x03), True),
    "GET /metrics under a local parent with flags 01 (the parent wins)": (LOW, "/metrics", local_parent(0x01), True),
    "GET /search with an empty parent context, id just below the bound": (JUST_BELOW, "/search", "empty", True),
    "GET /search with an empty parent context, id at the bound": (AT_BOUND, "/search", "empty", False),
    "GET /health with an empty parent context": (LOW, "/health", "empty", False),
}
BY_NAME = {
    'span "GET /health", attributes None': (probe("", LOW, "GET /health"), False),
    'span "POST /metrics", attributes without http.route': (probe("", LOW, "POST /metrics", {"http.method": "POST"}), False),
    'span "GET /search", attributes None, id just below the bound': (probe("", JUST_BELOW, "GET /search"), True),
    'span "GET /search", attributes None, id at the bound': (probe("", AT_BOUND, "GET /search"), False),
    'span "GET /", attributes None': (probe("", ABOVE, "GET /"), True),
    'span "GET /nope" (no route matched), attributes without http.route': (probe("", ABOVE, "GET /nope", {"http.method": "GET"}), True),
}
DECISIONS = sampler_scenario(
    "build_sampler() with local parents, empty contexts and spans without http.route",
    probes=[route_probe(label, tid, route, parent=parent) for label, (tid, route, parent, _) in PARENTS.items()]
    + [{**spec, "label": label} for label, (spec, _) in BY_NAME.items()],
)

PER_ROUTE = "RateLimitingSampler(1) for /a, /b and a span named GET /c"
CAPPED = "RateLimitingSampler(3) after a long idle time"
SLOW = "RateLimitingSampler(0.5)"
LIMITERS = sampler_scenario(
    "RateLimitingSampler runs on a fake clock",
    limiters=[
        limiter_run(
            PER_ROUTE,
            1,
            [limiter_step(0, "/a"), limiter_step(0, "/b"), limiter_step(0, "/a"), limiter_step(0, "/b"), limiter_step(0, "/c", by_name=True),
             limiter_step(1, "/a"), limiter_step(1, "/a"), limiter_step(1, "/b"), limiter_step(1, "/c", by_name=True)],
        ),
        limiter_run(CAPPED, 3, [limiter_step(0, "/search")] * 4 + [limiter_step(100, "/search")] * 4),
        limiter_run(
            SLOW,
            0.5,
            [limiter_step(0, "/items/<int:item_id>")] * 2
            + [limiter_step(t, "/items/<int:item_id>") for t in (1, 2, 2.5, 4.5)],
        ),
    ],
)
FLASK_PARENTS = sampler_scenario(
    "requests carrying a traceparent header, through the Flask instrumentation",
    flask=[
        flask_request("/search?q=tea", trace_id=ABOVE, parent_flags=0x03),
        flask_request("/items/3", trace_id=LOW, parent_flags=0x00),
        flask_request("/items/4", trace_id=ABOVE, parent_flags=0x01),
        flask_request("/items/5", trace_id=LOW, parent_flags=0x02),
        flask_request("/search?q=tea", trace_id=JUST_BELOW, parent_flags=0x00),
    ],
)
LIMITER_HINT = (
    "keep a dict route -> (tokens, last time); capacity max(1, rate), refill (now - last) * rate capped at the capacity, "
    "take one token per sampled span"
)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_local_parents_and_empty_contexts(observe):
    """Any valid parent decides, local or remote, even for /health; an empty context means a root span."""
    expect_decisions(
        observe(DECISIONS),
        {label: want for label, (_, _, _, want) in PARENTS.items()},
        "spans with a local parent, a parent on a dropped route, or an empty context",
        "ParentBased follows local and remote parents by their sampled bit (trace_flags & 0x01) before any route rule",
    )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_route_from_span_name(observe):
    """Without an http.route attribute the route is the span name after the method."""
    expect_decisions(
        observe(DECISIONS),
        {label: want for label, (_, want) in BY_NAME.items()},
        "root spans whose attributes hold no http.route",
        'when attributes is None or has no "http.route", take name.partition(" ")[2] ("GET /health" gives "/health")',
    )


@pytest.mark.points(2)
@pytest.mark.hidden
def test_rate_limiter_per_route(observe):
    """RateLimitingSampler keeps a separate budget for each route, found as build_sampler() finds it."""
    expect_limiter(observe(LIMITERS), PER_ROUTE, [True, True, False, False, True, True, False, True, True], LIMITER_HINT)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_rate_limiter_capacity_and_slow_rates(observe):
    """A bucket never holds more than max(1, rate) tokens, and a rate below 1 samples one span every 1/rate seconds."""
    observation = observe(LIMITERS)
    expect_limiter(observation, CAPPED, [True, True, True, False, True, True, True, False], LIMITER_HINT)
    expect_limiter(observation, SLOW, [True, False, False, True, False, True], LIMITER_HINT)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_traceparent_flags_through_flask(observe):
    """Behind the Flask instrumentation, traceparent flags 03 and 01 are followed, 00 and 02 never."""
    expect_exported(
        observe(FLASK_PARENTS),
        [
            ("a /search request with traceparent flags 03 and a trace id above the bound", True),
            ("an /items/3 request with traceparent flags 00", False),
            ("an /items/4 request with traceparent flags 01", True),
            ("an /items/5 request with traceparent flags 02 (random bit only)", False),
            ("a /search request with traceparent flags 00 and a trace id below the bound", False),
        ],
        "test the sampled bit (trace_flags & 0x01, or trace_flags.sampled), never compare the flags to 01: "
        "a parent from SDK 1.45 sends 03",
    )
