"""Public checks for beginner/02-metrics-endpoint: shipped to learners for self-checks."""

import pytest

from o11y_course.feedback import expect, fail
from o11y_course.matchers.http import scrape
from o11y_course.matchers.metrics import expect_label_names, find_family, sample_value, shown
from o11y_course.real.scraping import ReadBack
from o11y_course.scenario import flask_scenario, get

COUNTER = "app_requests_total"
HISTOGRAM = "app_request_latency_seconds"
THREE_HELLOS = flask_scenario("three GET /, then a scrape", [get("/"), get("/"), get("/"), get("/metrics")])
READ_BACK = ReadBack((get("/"),) * 3, f'{COUNTER}{{method="GET",endpoint="/",status="200"}}')


@pytest.mark.points(1)
def test_metrics_endpoint_serves_exposition(observe):
    """GET /metrics answers 200 with metrics that prometheus-client's parser reads."""
    exposition = scrape(observe(THREE_HELLOS))
    expect(
        bool(exposition.families),
        "GET /metrics answered 200 but the body holds no metrics at all.",
        "return generate_latest(registry) for the registry your metrics are created on",
    )


@pytest.mark.points(2)
def test_request_counter_declared(observe):
    """app_requests_total is a counter labelled method, endpoint and status."""
    family = find_family(scrape(observe(THREE_HELLOS)), COUNTER, "counter")
    expect_label_names(family, {"method", "endpoint", "status"}, COUNTER)


@pytest.mark.points(2)
def test_latency_histogram_declared(observe):
    """app_request_latency_seconds is a histogram labelled endpoint."""
    family = find_family(scrape(observe(THREE_HELLOS)), HISTOGRAM, "histogram")
    expect_label_names(family, {"endpoint"}, HISTOGRAM)


@pytest.mark.points(2)
def test_counts_each_request(observe):
    """Three GET / requests make app_requests_total{method="GET",endpoint="/",status="200"} equal 3."""
    family = find_family(scrape(observe(THREE_HELLOS)), COUNTER)
    labels = {"method": "GET", "endpoint": "/", "status": "200"}
    value = sample_value(family, COUNTER, labels)
    found = ", ".join(f"{s.labels} = {s.value:g}" for s in family.samples if s.name == COUNTER) or "no samples"
    expect(
        value == 3,
        f"after three GET / the sample {COUNTER}{{method=\"GET\",endpoint=\"/\",status=\"200\"}} is {shown(value)}, expected 3 (found: {found}).",
        "increment the counter once per request, in an after_request hook, with method, route template and str(status code)",
    )


@pytest.mark.points(1)
def test_histogram_counts_each_request(observe):
    """The latency histogram observed each of the three GET / requests once."""
    family = find_family(scrape(observe(THREE_HELLOS)), HISTOGRAM)
    count = sample_value(family, f"{HISTOGRAM}_count", {"endpoint": "/"})
    inf_bucket = sample_value(family, f"{HISTOGRAM}_bucket", {"endpoint": "/", "le": "+Inf"})
    expect(
        count == 3 and inf_bucket == 3,
        f"after three GET / the histogram's {HISTOGRAM}_count{{endpoint=\"/\"}} is {shown(count)}, expected 3.",
        "observe the elapsed seconds once per request (perf_counter() at the start, observe in after_request)",
    )


@pytest.mark.points(2)
@pytest.mark.real
def test_real_prometheus_reads_the_counter(observe, tool):
    """A real Prometheus server scrapes the app and reads app_requests_total back through its query API."""
    prometheus = tool("prometheus", "prometheus")
    result = READ_BACK.read(observe, prometheus)
    if result.value() == 3:
        return  # a scrape cut short when the app stopped serving does not matter once the data is in
    statuses = result.observation.values.get("scrape_statuses", [])
    expect(
        bool(statuses),
        "Prometheus never managed to request /metrics from your app within 15 s.",
        "make sure create_app() returns an app whose /metrics route answers quickly",
    )
    expect(
        not result.last_error,
        f"Prometheus scraped /metrics ({', '.join(statuses[:2])}) but rejected the answer: {result.last_error}.",
        "serve generate_latest(registry) with content_type=CONTENT_TYPE_LATEST, exactly as prometheus-client produces it",
    )
    fail(
        f"Prometheus reads {COUNTER}{{method=\"GET\",endpoint=\"/\",status=\"200\"}} as {shown(result.value())}, expected 3.",
        "count each request once, in an after_request hook",
    )
