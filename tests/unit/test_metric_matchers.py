"""The metric matchers: parsed expositions in, teaching messages out."""

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.metrics import (
    describe_values,
    expect_label_names,
    find_family,
    label_values,
    parse_exposition,
    sample_value,
    shown,
)


def exposition_of(build) -> str:
    registry = CollectorRegistry()
    build(registry)
    return generate_latest(registry).decode()


def counter_text(kind=Counter, labels=("method", "endpoint", "status"), values=(("GET", "/", "200"),)):
    def build(registry):
        metric = kind("app_requests_total", "help", list(labels), registry=registry)
        for value in values:
            metric.labels(*value).inc()

    return exposition_of(build)


class TestParse:
    def test_parses_prometheus_text(self):
        """A real exposition parses into families keyed by the parser's names."""
        expo = parse_exposition(counter_text())
        assert expo.has("app_requests_total") and "app_requests" in expo.families

    def test_garbage_names_the_problem(self):
        """Something that is not the text format fails with the parser's words and the body's start."""
        with pytest.raises(CheckFailure, match=r"is not in the Prometheus text format.*body starts: '\{\"a\": 1\}'"):
            parse_exposition('{"a": 1}')


class TestFindFamily:
    def test_missing_family_lists_what_exists(self):
        """A missing family names the app metrics that are there."""
        expo = parse_exposition(exposition_of(lambda r: Gauge("app_other", "h", registry=r).set(1)))
        with pytest.raises(CheckFailure, match="has no metric app_requests_total; it has: app_other"):
            find_family(expo, "app_requests_total", "counter")

    def test_wrong_type_shows_an_excerpt(self):
        """A gauge where a counter belongs fails with the type and an exposition excerpt."""
        expo = parse_exposition(counter_text(kind=Gauge))
        with pytest.raises(CheckFailure) as info:
            find_family(expo, "app_requests_total", "counter")
        assert "is a gauge, expected a counter" in info.value.message
        assert '# TYPE app_requests_total gauge' in info.value.message
        assert "Counter" in info.value.hint

    def test_any_type_when_kind_is_not_given(self):
        """Counting checks can look a family up whatever its type."""
        family = find_family(parse_exposition(counter_text(kind=Gauge)), "app_requests_total")
        assert family.type == "gauge"


class TestLabels:
    def test_exact_label_names(self):
        """The right label names pass."""
        family = find_family(parse_exposition(counter_text()), "app_requests_total", "counter")
        expect_label_names(family, {"method", "endpoint", "status"}, "app_requests_total")

    def test_missing_and_extra_labels_are_named(self):
        """Missing and unexpected label names are both listed."""
        text = counter_text(labels=("method", "path"), values=(("GET", "/x"),))
        family = find_family(parse_exposition(text), "app_requests_total", "counter")
        with pytest.raises(CheckFailure, match=r"missing \['endpoint', 'status'\]; unexpected \['path'\]"):
            expect_label_names(family, {"method", "endpoint", "status"}, "app_requests_total")

    def test_no_samples_means_labels_cannot_be_seen(self):
        """A labelled metric never used has no samples, and the message says so."""
        text = exposition_of(lambda r: Histogram("lat_seconds", "h", ["endpoint"], registry=r))
        family = find_family(parse_exposition(text), "lat_seconds", "histogram")
        with pytest.raises(CheckFailure, match="has no samples yet"):
            expect_label_names(family, {"endpoint"}, "lat_seconds")

    def test_histogram_label_names_ignore_le(self):
        """``le`` is structure, not a label the learner declares."""
        def build(registry):
            Histogram("lat_seconds", "h", ["endpoint"], registry=registry).labels("/").observe(0.1)

        family = find_family(parse_exposition(exposition_of(build)), "lat_seconds", "histogram")
        expect_label_names(family, {"endpoint"}, "lat_seconds")
        assert sample_value(family, "lat_seconds_count", {"endpoint": "/"}) == 1
        assert sample_value(family, "lat_seconds_bucket", {"endpoint": "/", "le": "+Inf"}) == 1


class TestValues:
    def test_sample_value_needs_exact_labels(self):
        """A sample matches only with exactly its labels; otherwise None."""
        family = find_family(parse_exposition(counter_text(values=(("GET", "/", "200"), ("GET", "/", "200")))), "app_requests_total")
        assert sample_value(family, "app_requests_total", {"method": "GET", "endpoint": "/", "status": "200"}) == 2
        assert sample_value(family, "app_requests_total", {"method": "GET", "endpoint": "/"}) is None

    def test_label_values_and_their_description(self):
        """Distinct label values, summarised for messages."""
        values = [("GET", f"/items/{i}", "200") for i in range(5)]
        family = find_family(parse_exposition(counter_text(values=values)), "app_requests_total")
        found = label_values(family, "endpoint")
        assert len(found) == 5
        assert describe_values(found) == "5 values (/items/0, /items/1, /items/2, ...)"
        assert (shown(None), shown(3.0)) == ("no sample", "3")


def test_a_parsed_exposition_is_the_callers_own():
    """Parsing is done once per text, but a caller that changes its result changes nobody else's."""
    text = exposition_of(lambda r: Counter("hits", "Hits.", registry=r).inc())
    first = parse_exposition(text)
    first.families.clear()
    assert "hits_total" in parse_exposition(text).names()
