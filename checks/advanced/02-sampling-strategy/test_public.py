"""Public checks for advanced/02-sampling-strategy: shipped to learners for self-checks."""

import pytest

from o11y_course.feedback import expect, fail
from o11y_course.matchers.sampling import (
    SEARCH_BOUND,
    TRACE_ID_LIMIT,
    expect_decisions,
    expect_exported,
    expect_limiter,
    flask_attributes,
    flask_request,
    limiter_run,
    limiter_step,
    mentions_number,
    remote_parent,
    route_probe,
    sampler_scenario,
    trace_id,
)

HIGH = 0x4BF92F3577B34DA6  # a high half for ids whose low half decides: the high bits must not matter


def _edge(offset: int) -> int:
    """A /search trace id whose low 64 bits are the bound plus ``offset``; every other one has high bits set."""
    return trace_id(SEARCH_BOUND + offset, HIGH if offset % 2 else 0)


def _edge_label(offset: int) -> str:
    sign = "+" if offset >= 0 else "-"
    return f"/search id {_edge(offset):032x} (low bits = bound {sign} {abs(offset)})"


SEARCH_IDS = {_edge_label(k): (_edge(k), k < 0) for pair in range(40) for k in (-pair - 1, pair)} | {  # nearest first
    "/search id ffffffffffffffff0000000000000001 (low bits = 1)": (trace_id(1, TRACE_ID_LIMIT), True),
    "/search id 0000000000000000ffffffffffffffff (low bits = 2**64 - 1)": (trace_id(TRACE_ID_LIMIT), False),
}

LOW = trace_id(7, HIGH)  # low 64 bits far below the bound: any ratio would sample it
ABOVE = trace_id(SEARCH_BOUND * 5, HIGH)  # low 64 bits far above the bound
ROUTES = {
    "GET /health root (low trace id bits)": (LOW, "/health", False),
    "GET /metrics root (low trace id bits)": (LOW, "/metrics", False),
    "GET / root (high trace id bits)": (ABOVE, "/", True),
    "GET /items/<int:item_id> root (high trace id bits)": (ABOVE, "/items/<int:item_id>", True),
    "GET /checkout root (high trace id bits)": (ABOVE, "/checkout", True),
}
PARENTS = {
    "GET /search under a remote parent with flags 01 (id above the bound)": (ABOVE, "/search", 0x01, True),
    "GET /search under a remote parent with flags 03 (id above the bound)": (ABOVE, "/search", 0x03, True),
    "GET /items/<int:item_id> under a remote parent with flags 03": (ABOVE, "/items/<int:item_id>", 0x03, True),
    "GET / under a remote parent with flags 00": (LOW, "/", 0x00, False),
    "GET /search under a remote parent with flags 00 (id below the bound)": (LOW, "/search", 0x00, False),
    "GET /items/<int:item_id> under a remote parent with flags 02 (random bit only)": (LOW, "/items/<int:item_id>", 0x02, False),
}

DECISIONS = sampler_scenario(
    "build_sampler() decisions for chosen spans, and the descriptions",
    probes=[route_probe(label, tid, "/search", path="/search?q=tea") for label, (tid, _) in SEARCH_IDS.items()]
    + [route_probe(label, tid, route) for label, (tid, route, _) in ROUTES.items()]
    + [route_probe(label, tid, route, parent=remote_parent(flags)) for label, (tid, route, flags, _) in PARENTS.items()],
    describe={"limiter_rate": 2.5},
)
PROPORTION = sampler_scenario(
    "build_sampler() on 20 000 seeded /search trace ids",
    count={"n": 20_000, "seed": 20240611, "name": "GET /search", "attributes": flask_attributes("/search", "/search?q=tea")},
)
LIMITER = sampler_scenario(
    "RateLimitingSampler(2) on a fake clock",
    limiters=[
        limiter_run(
            "RateLimitingSampler(2) for /search",
            2,
            [limiter_step(0, "/search")] * 3 + [limiter_step(0.5, "/search")] * 2 + [limiter_step(1.5, "/search")] * 3,
        )
    ],
)
FLASK = sampler_scenario(
    "build_sampler() in a TracerProvider with the Flask instrumentation",
    flask=[
        flask_request("/search?q=tea", trace_id=_edge(-1)),
        flask_request("/search?q=tea", trace_id=_edge(0)),
        flask_request("/health", trace_id=LOW),
        flask_request("/metrics", trace_id=LOW),
        flask_request("/items/7", trace_id=ABOVE),
    ],
)
RATIO_HINT = (
    "decide /search by the trace id's low 64 bits: sampled iff trace_id & (2**64 - 1) < round(0.1 * 2**64); "
    "TraceIdRatioBased(0.1) does exactly that"
)


@pytest.mark.points(2)
def test_search_sampled_by_trace_id(observe):
    """/search roots are sampled exactly when the trace id's low 64 bits fall below round(0.1 * 2**64)."""
    expected = {label: want for label, (_, want) in SEARCH_IDS.items()}
    expect_decisions(observe(DECISIONS), expected, "/search root spans near the ratio bound", RATIO_HINT)


@pytest.mark.points(1)
def test_routes_decide_root_spans(observe):
    """Root spans of /health and /metrics are never sampled; routes other than /search always are."""
    expected = {label: want for label, (_, _, want) in ROUTES.items()}
    expect_decisions(
        observe(DECISIONS),
        expected,
        "root spans of each route",
        'read the route from attributes["http.route"]: drop /health and /metrics, apply the ratio only to /search',
    )


@pytest.mark.points(2)
def test_remote_parent_decides(observe):
    """A span under a sampled remote parent is always sampled, under an unsampled one never."""
    expected = {label: want for label, (_, _, _, want) in PARENTS.items()}
    expect_decisions(
        observe(DECISIONS),
        expected,
        "spans whose parent came from another service",
        "follow the parent's sampled bit (trace_flags & 0x01, so flags 03 count as sampled): wrap your route sampler in ParentBased",
    )


@pytest.mark.points(1)
def test_search_proportion(observe):
    """About 10 % of 20 000 seeded /search trace ids are sampled (1 800 to 2 200)."""
    count = observe(PROPORTION).values["count"]
    sampled = count["sampled"]
    expect(
        1_800 <= sampled <= 2_200,
        f"{sampled} of {count['n']} /search root spans were sampled ({sampled / count['n']:.2%}), expected about 2 000 (1 800 to 2 200).",
        RATIO_HINT,
    )


@pytest.mark.points(1)
def test_rate_limiter_on_fake_clock(observe):
    """RateLimitingSampler(2) samples a burst of 2, then refills at 2 tokens per second of its clock."""
    expect_limiter(
        observe(LIMITER),
        "RateLimitingSampler(2) for /search",
        [True, True, False, True, False, True, True, False],
        "keep a token bucket per route: capacity max(1, rate), refill (clock() - last) * rate, take one token per "
        "sampled span; read the time only from the clock passed in",
    )


@pytest.mark.points(1)
def test_descriptions_say_what_they_do(observe):
    """get_description() names the routes and the 0.1 ratio, and the limiter's class and rate."""
    described = observe(DECISIONS).values["describe"]
    sampler_text, limiter_text = described["build_sampler"], described["limiter"]
    for text, who in ((sampler_text, "build_sampler()"), (limiter_text, "RateLimitingSampler(2.5)")):
        if not isinstance(text, str):
            fail(f"{who}.get_description() raised {text['raised']['type']}: {text['raised']['message'][:120]}.",
                 "return a short string saying what the sampler does")
    missing = [word for word in ("/health", "/metrics", "/search") if word not in sampler_text]
    expect(
        not missing and mentions_number(sampler_text, 0.1),
        f"build_sampler().get_description() is {sampler_text[:160]!r}: it should name /health, /metrics and /search "
        f"and the ratio 0.1{' (missing ' + ', '.join(missing) + ')' if missing else ''}.",
        "give your root sampler a get_description() such as RouteSampler{never:/health,/metrics;/search:TraceIdRatioBased{0.1};other:AlwaysOn}",
    )
    expect(
        "RateLimitingSampler" in limiter_text and mentions_number(limiter_text, described["limiter_rate"]),
        f"RateLimitingSampler(2.5).get_description() is {limiter_text[:160]!r}: it should contain RateLimitingSampler and the rate 2.5.",
        'return e.g. f"RateLimitingSampler{{{self.max_per_second:g}/s per route}}"',
    )


@pytest.mark.points(1)
def test_works_with_flask_instrumentation(observe):
    """Installed in a TracerProvider with the Flask instrumentation, the sampler drops /health and /metrics and keeps the rest."""
    expect_exported(
        observe(FLASK),
        [
            ("a /search request whose trace id is just below the bound", True),
            ("a /search request whose trace id is at the bound", False),
            ("a /health request", False),
            ("a /metrics request", False),
            ("an /items/7 request", True),
        ],
        'the Flask instrumentation passes the span name "GET /search" and attributes["http.route"] == "/search": '
        "decide from those, and accept the SDK's positional call should_sample(context, trace_id, name, kind, attributes, links)",
    )
