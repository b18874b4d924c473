"""Public checks for advanced/01-distributed-tracing: shipped to learners for self-checks."""

import json

import pytest

from o11y_course.drivers.tracing_probe import PROBE_SPAN, probe_scenario
from o11y_course.drivers.two_services import checkout, scrape, two_services_scenario
from o11y_course.feedback import expect, fail
from o11y_course.matchers.metrics import find_family
from o11y_course.matchers.openmetrics import exemplars, trace_id_labels
from o11y_course.matchers.spans import render_tree
from o11y_course.matchers.two_services import (
    HISTOGRAM,
    LOOKUP,
    SERVICES,
    checkout_tree,
    expect_logs_correlated,
    expect_request_tree,
    find_span,
    scrape_of,
    sent,
    trace_spans,
)

PROBE = probe_scenario("configure_tracing with an in-memory exporter", "exporter")
CHECKOUTS = two_services_scenario(
    "four checkouts through both services, then scrapes",
    [checkout("apple"), checkout("pear"), checkout("kiwi"), checkout("boom"),
     scrape("frontend"), scrape("frontend", openmetrics=True), scrape("backend"), scrape("backend", openmetrics=True)],
)


@pytest.mark.points(2)
def test_configure_tracing_with_exporter(observe):
    """configure_tracing(name, exporter) returns a TracerProvider for service.name=name that exports each span as it ends."""
    values = observe(PROBE).values
    name = values["provider"]["service_name"]
    expect(
        name == "o11y-probe",
        f"configure_tracing('o11y-probe', exporter) gave a provider whose resource has service.name {name!r}, expected 'o11y-probe'.",
        "build it as TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))",
    )
    if PROBE_SPAN in values["exported_on_end"]:
        return
    if PROBE_SPAN in values["exported_after_flush"]:
        fail(
            "a span ended on the provider reached the exporter only after force_flush(), not as it ended.",
            "with an exporter given, add SimpleSpanProcessor(exporter): it exports each span the moment it ends (a batch processor waits)",
        )
    fail(
        "a span ended on the provider never reached the exporter passed to configure_tracing, not even after force_flush().",
        "add a span processor for that exporter: provider.add_span_processor(SimpleSpanProcessor(exporter))",
    )


@pytest.mark.points(2)
def test_checkout_answers(observe):
    """GET /checkout/<sku> answers the backend's JSON: 200 for apple and pear, 404 for an unknown sku."""
    observation = observe(CHECKOUTS)
    for sku, in_stock in (("apple", 3), ("pear", 0)):
        exchange = sent(observation, f"/checkout/{sku}").exchange
        body = exchange.body.strip()
        expect(exchange.status == 200, f"GET /checkout/{sku} answered {exchange.status}, expected 200 (body: {body[:80]!r}).",
               "call the backend's /inventory/<sku> with requests and answer its JSON")
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        expect(
            answer == {"sku": sku, "in_stock": in_stock},
            f"GET /checkout/{sku} answered {body[:80]!r}, expected the backend's JSON {{\"sku\": \"{sku}\", \"in_stock\": {in_stock}}}.",
            "return the backend's JSON as it is (jsonify(answer.json()) or its bytes with Content-Type application/json)",
        )
    unknown = sent(observation, "/checkout/kiwi").exchange
    expect(unknown.status == 404, f"GET /checkout/kiwi (a sku the backend does not know) answered {unknown.status}, expected 404.",
           "when the backend answers 404, answer 404 too")


@pytest.mark.points(4)
def test_one_trace_across_both_services(observe):
    """One checkout is one trace: frontend SERVER, CLIENT, backend SERVER with a remote parent, INTERNAL inventory.lookup."""
    observation = observe(CHECKOUTS)
    expect_request_tree(observation, sent(observation, "/checkout/apple"), checkout_tree())


@pytest.mark.points(1)
def test_lookup_records_the_sku(observe):
    """The inventory.lookup span carries the attribute inventory.sku with the requested sku."""
    observation = observe(CHECKOUTS)
    root = expect_request_tree(observation, sent(observation, "/checkout/apple"), checkout_tree())
    lookup = find_span(trace_spans(observation, root["trace_id"]), LOOKUP, "backend")
    attributes = lookup["attributes"]
    expect(
        attributes.get("inventory.sku") == "apple",
        f"for GET /checkout/apple the inventory.lookup span has attributes {json.dumps(attributes)[:160]}, expected inventory.sku = 'apple'.",
        'start it with attributes={"inventory.sku": sku} (or span.set_attribute("inventory.sku", sku))',
    )


@pytest.mark.points(2)
def test_logs_carry_the_active_span(observe):
    """Every log line written while handling a checkout carries the trace_id and span_id of an active span of that request."""
    observation = observe(CHECKOUTS)
    requests = [sent(observation, f"/checkout/{sku}") for sku in ("apple", "pear", "kiwi", "boom")]
    expect_logs_correlated(observation, requests)


@pytest.mark.points(2)
def test_exemplars_point_at_real_traces(observe):
    """/metrics negotiates the format; in OpenMetrics the latency histogram has exemplars whose trace_id is a real trace."""
    observation = observe(CHECKOUTS)
    for service in SERVICES:
        find_family(scrape_of(observation, service, openmetrics=False), HISTOGRAM, "histogram")
        family = find_family(scrape_of(observation, service, openmetrics=True), HISTOGRAM, "histogram")
        found = exemplars(family)
        expect(
            bool(found),
            f"the {service}'s {HISTOGRAM} in OpenMetrics has no exemplar after four sampled checkouts.",
            "observe with exemplar={'trace_id': ..., 'span_id': ...} taken from the current span when its sampled bit is set "
            "(ctx.trace_flags.sampled, or int(flags, 16) & 1; a root trace has flags 03, so never compare with '01')",
        )
        traces = {s["trace_id"] for s in observation.spans if s.get("exporter") == service}
        for exemplar in found:
            trace_id = exemplar.labels.get("trace_id")
            if trace_id not in traces:
                fail(
                    f"the exemplar on {exemplar.sample} of the {service} has trace_id {trace_id!r}, which is not a trace the {service} exported "
                    f"(labels: {exemplar.labels}).",
                    "use trace.format_trace_id(ctx.trace_id) of the span that is current while the request is observed",
                )


@pytest.mark.points(1)
def test_no_trace_id_in_metric_labels(observe):
    """No metric label holds a trace id: trace ids belong in exemplars, never in labels."""
    observation = observe(CHECKOUTS)
    traces = {s["trace_id"] for s in observation.spans}
    for service in SERVICES:
        for openmetrics in (False, True):
            exposition = scrape_of(observation, service, openmetrics=openmetrics)
            find_family(exposition, HISTOGRAM, "histogram")
            found = trace_id_labels(exposition.families.values(), traces)
            if found:
                first = found[0]
                fail(
                    f"{exposition.source} has the label {first.label}={first.value!r} on {first.sample[:120]}: "
                    "every trace would make a new time series.",
                    "keep labels bounded (endpoint only) and put the trace id in an exemplar: observe(seconds, exemplar={'trace_id': ...})",
                )


@pytest.mark.points(2)
def test_backend_failure_is_an_error_on_both_sides(observe):
    """When the backend fails, the frontend answers 502 and both SERVER spans (and the lookup) end ERROR with an exception recorded."""
    observation = observe(CHECKOUTS)
    request = sent(observation, "/checkout/boom")
    expect(
        request.exchange.status == 502,
        f"GET /checkout/boom (the backend raises) answered {request.exchange.status}, expected 502 Bad Gateway.",
        "when the backend answers 5xx or cannot be reached, answer 502: the fault is upstream, not in the frontend",
    )
    root = expect_request_tree(observation, request, checkout_tree("ERROR"))
    backend = trace_spans(observation, root["trace_id"], "backend")
    expect(
        any("exception" in s.get("events", []) for s in backend),
        f"no backend span of the failing request recorded an exception event:\n{render_tree(backend)}",
        "let the exception leave the inventory.lookup span (start_as_current_span records it) and reach Flask",
    )
