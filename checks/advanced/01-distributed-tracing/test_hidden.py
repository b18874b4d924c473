"""Hidden checks for advanced/01-distributed-tracing: grading only, never shipped to learners."""

import pytest

from o11y_course.drivers.tracing_probe import PROBE_SPAN, probe_scenario
from o11y_course.drivers.two_services import checkout, scrape, together, two_services_scenario
from o11y_course.feedback import expect, fail
from o11y_course.matchers.metrics import find_family
from o11y_course.matchers.openmetrics import exemplars
from o11y_course.matchers.spans import expect_tree, local_root
from o11y_course.matchers.two_services import (
    HISTOGRAM,
    LOOKUP,
    SERVICES,
    checkout_tree,
    expect_request_tree,
    find_span,
    scrape_of,
    sent,
    sent_requests,
    trace_spans,
    traceparent,
)

PROBE = probe_scenario("configure_tracing with an in-memory exporter", "exporter")
OTLP = probe_scenario("configure_tracing without an exporter, OTLP receiver on loopback", "otlp", service="o11y-otlp-probe")
CHECKOUTS = two_services_scenario(
    "four checkouts through both services, then scrapes",
    [checkout("apple"), checkout("pear"), checkout("kiwi"), checkout("boom"),
     scrape("frontend"), scrape("frontend", openmetrics=True), scrape("backend"), scrape("backend", openmetrics=True)],
)
CONCURRENT_SKUS = ("apple", "plum", "pear", "apple", "plum", "pear")
CONCURRENT_TRACES = tuple(f"c0ffee{i:02d}" + "5" * 24 for i in range(len(CONCURRENT_SKUS)))
CONCURRENT = two_services_scenario(
    "six checkouts at once, each in a trace the grader started",
    [together(*(checkout(sku, traceparent=traceparent(t)) for sku, t in zip(CONCURRENT_SKUS, CONCURRENT_TRACES, strict=True)))],
    hold=True,
)
FLAGGED = {"03": "f1a9503" + "3" * 25, "01": "f1a9501" + "1" * 25, "00": "f1a9500" + "0" * 24 + "1"}
FLAGS = two_services_scenario(
    "checkouts continuing traces with flags 03, 01 and 00, each followed by scrapes",
    [step for flags, sku in (("03", "apple"), ("01", "plum"), ("00", "pear"))
     for step in (checkout(sku, traceparent=traceparent(FLAGGED[flags], flags)), scrape("frontend", openmetrics=True), scrape("backend", openmetrics=True))],
)
BACKEND_DOWN = two_services_scenario("a checkout while nothing listens at the backend's URL", [checkout("apple")], backend="down")


@pytest.mark.points(2)
@pytest.mark.hidden
def test_otlp_export_without_exporter(observe):
    """configure_tracing(name) without an exporter batches spans over OTLP/HTTP to the endpoint the standard variables name."""
    values = observe(OTLP).values
    receiver = values["receiver"]
    received = values["exported_after_flush"]
    if PROBE_SPAN not in received:
        paths = sorted({r["path"] for r in receiver["requests"]})
        seen = f"it received posts to {', '.join(paths)}" if paths else "it received nothing"
        fail(
            f"configure_tracing('o11y-otlp-probe') was given no exporter and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT={receiver['endpoint']}, "
            f"but after force_flush() the grader's OTLP/HTTP receiver has no span ({seen}).",
            "create OTLPSpanExporter() without an endpoint argument, so it reads the standard OTEL_EXPORTER_OTLP_* variables",
        )
    services = {s["service"] for r in receiver["requests"] for s in r.get("spans", []) if s["name"] == PROBE_SPAN}
    expect(services == {"o11y-otlp-probe"}, f"the span arrived over OTLP with service.name {sorted(services)}, expected 'o11y-otlp-probe'.",
           "put service.name on the provider's resource")
    expect(
        not values["exported_on_end"],
        "without an exporter, configure_tracing sent each span over the network the moment it ended.",
        "put the OTLP exporter behind a BatchSpanProcessor, so requests never wait for the collector",
    )


@pytest.mark.points(2)
@pytest.mark.hidden
def test_concurrent_checkouts_keep_separate_trees(observe):
    """Six checkouts handled at the same time give six separate, complete trees, each with its own sku."""
    observation = observe(CONCURRENT)
    for request, sku, trace_id in zip(sent_requests(observation), CONCURRENT_SKUS, CONCURRENT_TRACES, strict=True):
        expect(request.exchange.status == 200, f"GET /checkout/{sku}, sent with five others at once, answered {request.exchange.status}, expected 200.",
               "each checkout must work while others are in flight: keep no per-request state in module or app globals")
        spans = trace_spans(observation, trace_id)
        root = local_root(spans, "frontend", request.started_ns, request.ended_ns, by="exporter")
        others = [s for s in observation.spans if s.get("trace_id") != trace_id and s.get("parent_span_id") is None]
        expect_tree(checkout_tree(), root, spans + others, f"{request.what} (one of six at once, in trace {trace_id[:8]}...)")
        recorded = find_span(spans, LOOKUP, "backend")["attributes"].get("inventory.sku")
        if recorded != sku and recorded in CONCURRENT_SKUS:
            fail(
                f"the trace of GET /checkout/{sku} holds the inventory.lookup of {recorded!r}: concurrent requests got mixed.",
                "take the parent from the current context of each request, never from a variable shared between requests",
            )
        expect(recorded == sku, f"the inventory.lookup span of GET /checkout/{sku} has inventory.sku {recorded!r}, expected {sku!r}.",
               'start it with attributes={"inventory.sku": sku}')


@pytest.mark.points(2)
@pytest.mark.hidden
def test_sampled_flag_checked_by_bit(observe):
    """Exemplars follow the sampled bit of the trace flags: present for flags 03 and 01, absent for 00."""
    observation = observe(FLAGS)
    for position, (flags, sku) in enumerate((("03", "apple"), ("01", "plum"), ("00", "pear"))):
        trace_id = FLAGGED[flags]
        for service in SERVICES:
            family = find_family(scrape_of(observation, service, openmetrics=True, nth=position), HISTOGRAM, "histogram")
            ids = {e.labels.get("trace_id") for e in exemplars(family)}
            if flags != "00" and trace_id not in ids:
                fail(
                    f"after GET /checkout/{sku} in a sampled trace with flags {flags}, no exemplar of the {service}'s {HISTOGRAM} points at it "
                    f"(exemplar trace ids: {sorted(i for i in ids if i)[:3] or 'none'}).",
                    "test the sampled bit, ctx.trace_flags.sampled (int(flags, 16) & 1); never compare the flags with the string '01'",
                )
            if flags == "00" and trace_id in ids:
                fail(
                    f"after GET /checkout/{sku} in a trace with flags 00 (not sampled, so no span of it is stored), "
                    f"an exemplar of the {service}'s {HISTOGRAM} points at it.",
                    "attach an exemplar only when ctx.trace_flags.sampled is set, so every exemplar leads to a stored trace",
                )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_unknown_sku_is_not_a_span_error(observe):
    """An unknown sku answers 404 through both services and leaves both SERVER spans and the lookup UNSET."""
    observation = observe(CHECKOUTS)
    request = sent(observation, "/checkout/kiwi")
    expect(request.exchange.status == 404, f"GET /checkout/kiwi answered {request.exchange.status}, expected 404.", "when the backend answers 404, answer 404 too")
    expect_request_tree(observation, request, checkout_tree("UNSET"))


@pytest.mark.points(1)
@pytest.mark.hidden
def test_unreachable_backend_answers_502(observe):
    """When nothing answers at the backend's URL, the checkout answers 502 Bad Gateway."""
    exchange = sent(observe(BACKEND_DOWN), "/checkout/apple").exchange
    expect(
        exchange.status == 502,
        f"GET /checkout/apple with the backend unreachable answered {exchange.status or 'nothing'}, expected 502 (body: {exchange.body.strip()[:80]!r}).",
        "catch requests.RequestException around the call (and give requests.get a timeout), then answer 502",
    )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_spans_use_only_the_given_providers(observe):
    """Each app's spans reach the provider it was given, and nothing installs a global tracer provider."""
    observation = observe(CHECKOUTS)
    for service in SERVICES:
        mine = [s for s in observation.spans if s.get("exporter") == service]
        expect(bool(mine), f"no span reached the provider given to the {service}'s create_app().",
               "pass tracer_provider= to instrument_app and take tracers with tracer_provider.get_tracer(__name__)")
        strays = sorted({s["service"] for s in mine if s.get("service") in SERVICES and s.get("service") != service})
        expect(not strays, f"the {service}'s provider received spans of {strays}: an app used another app's provider.",
               "give each app only its own provider; an instrumentation installed once for the process keeps the first provider")
    for name, values in (("configure_tracing()", observe(PROBE).values), ("building and running both apps", observation.values)):
        expect(
            not values["global_provider_set"],
            f"{name} installed a process-wide tracer provider (trace.set_tracer_provider); two services in one process would share it.",
            "return the provider from configure_tracing and pass it on; never call trace.set_tracer_provider",
        )
