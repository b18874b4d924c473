"""Hidden checks for beginner/02-metrics-endpoint: grading only, never shipped to learners."""

import pytest

from o11y_course.feedback import expect, fail
from o11y_course.matchers.http import registry_exposition, scrape
from o11y_course.matchers.metrics import describe_values, find_family, label_values, parse_exposition, sample_value, shown
from o11y_course.scenario import flask_scenario, get, request

COUNTER = "app_requests_total"
HISTOGRAM = "app_request_latency_seconds"
ITEM_ROUTE = "/items/<int:item_id>"
UNMATCHED = "<unmatched>"
LABEL_HINT = "use the route template (request.url_rule.rule) so the label stays bounded"

FIFTY_ITEMS = flask_scenario("fifty item ids", [get(f"/items/{i}") for i in range(1, 51)] + [get("/metrics")])
ODD_REQUESTS = flask_scenario(
    "unknown paths, a wrong method, out-of-range ids",
    [get("/nope"), request("POST", "/"), get("/items/500"), get("/items/abc"), get("/metrics")],
)
SCRAPES = flask_scenario("one request, three scrapes", [get("/"), get("/metrics"), get("/metrics"), get("/metrics")])
TWO_APPS = flask_scenario(
    "two apps from create_app()",
    [get("/", app=0), get("/", app=0), get("/metrics", app=1), get("/metrics", app=0)],
    apps=2,
    registry="omit",
)
FAILING_VIEW = flask_scenario(
    "a view that raises",
    [get("/boom"), get("/metrics")],
    extra_routes=[{"rule": "/boom", "raises": "RuntimeError"}],
)
BASIC = flask_scenario("three GET /, then a scrape", [get("/"), get("/"), get("/"), get("/metrics")])


@pytest.mark.points(2)
@pytest.mark.hidden
def test_item_ids_share_one_label(observe):
    """Fifty different item ids are counted under one endpoint label, the route template."""
    exposition = scrape(observe(FIFTY_ITEMS))
    for name in (COUNTER, HISTOGRAM):
        values = label_values(find_family(exposition, name), "endpoint")
        expect(values == {ITEM_ROUTE}, f"after 50 item requests the endpoint label of {name} has {describe_values(values)}, expected only {ITEM_ROUTE}.", LABEL_HINT)
    counted = sample_value(find_family(exposition, COUNTER), COUNTER, {"method": "GET", "endpoint": ITEM_ROUTE, "status": "200"})
    expect(counted == 50, f"{COUNTER} for the item route with status 200 is {shown(counted)}, expected 50.")


@pytest.mark.points(2)
@pytest.mark.hidden
def test_unmatched_requests_counted(observe):
    """Requests no route matches are counted under "<unmatched>" with their status; a missing item under its route."""
    family = find_family(scrape(observe(ODD_REQUESTS)), COUNTER)
    wanted = [
        ({"method": "GET", "endpoint": UNMATCHED, "status": "404"}, 2, "GET /nope and GET /items/abc"),
        ({"method": "POST", "endpoint": UNMATCHED, "status": "405"}, 1, "POST /"),
        ({"method": "GET", "endpoint": ITEM_ROUTE, "status": "404"}, 1, "GET /items/500"),
    ]
    for labels, count, what in wanted:
        value = sample_value(family, COUNTER, labels)
        if value != count:
            selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
            seen = describe_values(label_values(family, "endpoint"))
            fail(
                f"{what} should give {COUNTER}{{{selector}}} = {count}, found {shown(value)}; endpoint labels seen: {seen}.",
                'when request.url_rule is None no route matched: use "<unmatched>", never the raw path',
            )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_metrics_requests_not_counted(observe):
    """Scraping /metrics is neither counted nor timed."""
    observation = observe(SCRAPES)
    for where, exposition in (("GET /metrics", scrape(observation)), ("the registry", registry_exposition(observation))):
        endpoints = label_values(find_family(exposition, COUNTER), "endpoint")
        endpoints |= label_values(find_family(exposition, HISTOGRAM), "endpoint")
        expect(
            "/metrics" not in endpoints,
            f"{where} shows requests to /metrics among the endpoint labels ({describe_values(endpoints)}); scrapes must not be counted.",
            'skip the metrics view in your after_request hook (request.endpoint == "metrics")',
        )


@pytest.mark.points(2)
@pytest.mark.hidden
def test_apps_do_not_share_state(observe):
    """Two apps from create_app() keep separate metrics, and building the second one does not fail."""
    observation = observe(TWO_APPS, allow_error=True)
    if observation.error is not None:
        fail(
            f"calling create_app() twice failed: {observation.error.describe()}",
            "create the metrics on a new CollectorRegistry made inside create_app(), never on prometheus_client's default registry",
        )
    second = find_family(scrape(observation, app=1), COUNTER)
    leaked = sample_value(second, COUNTER, {"method": "GET", "endpoint": "/", "status": "200"})
    expect(
        not leaked,
        f"the second app's /metrics shows {leaked:g} GET / requests that were sent to the first app: the apps share state." if leaked else "",
        "create the registry and the metrics inside create_app(), not at module level",
    )
    first = find_family(scrape(observation, app=0), COUNTER)
    own = sample_value(first, COUNTER, {"method": "GET", "endpoint": "/", "status": "200"})
    expect(own == 2, f"the first app's /metrics shows {shown(own)} GET / requests, expected 2.")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_failing_view_counted_as_500(observe):
    """A request whose view raises is counted once with status "500"."""
    family = find_family(scrape(observe(FAILING_VIEW)), COUNTER)
    value = sample_value(family, COUNTER, {"method": "GET", "endpoint": "/boom", "status": "500"})
    expect(
        value == 1,
        f'a view that raises should give {COUNTER}{{method="GET",endpoint="/boom",status="500"}} = 1, found {shown(value)}.',
        "count in an app-wide after_request hook: Flask still runs it with the 500 response when a view raises",
    )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_metrics_served_as_text_plain(observe):
    """/metrics is served with the Prometheus text content type (text/plain), not as HTML."""
    exchange = observe(BASIC).response("GET", "/metrics")
    expect(
        exchange.mimetype == "text/plain",
        f"GET /metrics is served as {exchange.content_type or 'no content type'}, expected text/plain.",
        "return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST); a bare string or bytes is sent as text/html",
    )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_metrics_on_the_given_registry(observe):
    """The metrics live on the registry passed to create_app(registry=...)."""
    observation = observe(BASIC)
    own = registry_exposition(observation)
    if own.has(COUNTER):
        return
    default = parse_exposition(observation.metrics.get("default", ""), "the default registry")
    where = "on prometheus_client's process-wide default registry" if default.has(COUNTER) else "nowhere the grader could see"
    fail(
        f"the registry passed to create_app(registry=...) holds no {COUNTER}; the metric was found {where}.",
        "pass registry=registry to Counter(...) and Histogram(...) so each app owns its metrics",
    )
