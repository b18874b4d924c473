"""Hidden checks for intermediate/02-alert-rules: grading only, never shipped to learners.

Each check runs promtool on the learner's alerts.yml with the grader's own traffic stories (see
``o11y_course.real.promtool_cases``): series the learner never sees, read through ALERTS so that the
labels a rule keeps in ``sum by (...)`` do not matter.
"""

import pytest

from o11y_course.matchers.alert_rules import RULES_FILE, TESTS_FILE
from o11y_course.matchers.files import file_text
from o11y_course.real.promtool_cases import Case, Expect, Miss, Requests, expect_cases, phase
from o11y_course.scenario import file_scenario

READ_FILES = file_scenario("read alerts.yml and alerts_test.yml", [RULES_FILE, TESTS_FILE])
LATENCY = "HighRequestLatency"
ERRORS = "HighErrorRate"
PENDING = "at minute 15 the condition has held for less than 5 minutes, so the alert may only be pending"
EMPTY_WINDOW = "from minute 15 on, the 5-minute window holds no request at all"
ROUTE = "/items/<int:item_id>"
INSTANCES = ("shop-1:8000", "shop-2:8000")


def ok(per_minute: int, seconds: float = 0.05, **labels: str) -> Requests:
    """Requests answered with ``status`` (default 200) after ``seconds``."""
    return Requests(per_minute, seconds, **labels)


def run_cases(observe, tool, cases: list[Case], hint) -> None:
    """Fail unless the learner's alerts.yml meets every expectation of ``cases`` under promtool.

    Every case of this module runs in one promtool process, shared by the checks."""
    rules = file_text(observe(READ_FILES), RULES_FILE)
    expect_cases(tool("promtool", "prometheus"), rules, cases, hint, run_with=ALL_CASES)


LATENCY_THRESHOLD = [
    Case(
        "p95-just-above",
        "94 of every 100 requests take 0.3 s and 6 take 0.6 s, so p95 has been about 0.54 s since minute 1",
        (phase(15, ok(94, 0.3), ok(6, 0.6)),),
        (Expect(LATENCY, 12, True),),
    ),
    Case(
        "p95-just-below",
        "96 of every 100 requests take 0.3 s and 4 take 0.6 s, so p95 is about 0.497 s, just under 0.5 s",
        (phase(15, ok(96, 0.3), ok(4, 0.6)),),
        (Expect(LATENCY, 12, False),),
    ),
]


def latency_hint(miss: Miss) -> str:
    """What to try when the latency alert fires, or stays silent, at the wrong time."""
    if miss.expect.firing:
        return "compare the 95th percentile in seconds: histogram_quantile(0.95, sum by (job, le) (rate(app_request_latency_seconds_bucket[5m]))) > 0.5"
    return "use the 95th percentile (0.95), not a higher one, and compare with > 0.5 (seconds)"


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.real
def test_latency_threshold(observe, tool):
    """HighRequestLatency fires when p95 is just above 0.5 s and stays silent just below it."""
    run_cases(observe, tool, LATENCY_THRESHOLD, latency_hint)


ERROR_THRESHOLD = [
    Case(
        "errors-6-percent",
        "of 100 requests a minute 6 answer 5xx (3 with 500, 3 with 503) and 4 answer 404",
        (phase(15, ok(90), ok(4, status="404"), ok(3, status="500"), ok(3, status="503")),),
        (Expect(ERRORS, 12, True),),
    ),
    Case(
        "errors-4-percent",
        "of 100 requests a minute 4 answer 500 and 10 answer 404, which is the client's mistake, not a server error",
        (phase(15, ok(86), ok(10, status="404"), ok(4, status="500")),),
        (Expect(ERRORS, 12, False),),
    ),
]


def error_hint(miss: Miss) -> str:
    """What to try when the error alert fires, or stays silent, at the wrong time."""
    if miss.expect.firing:
        return 'divide the rate of every 5xx (status=~"5..") by the rate of all requests and compare with 0.05, a fraction, not 5'
    return 'count only 5xx answers as errors (status=~"5.."); a 404 is not a server error'


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.real
def test_error_rate_threshold(observe, tool):
    """HighErrorRate fires at 6 % of 5xx answers and stays silent at 4 %, whatever the 4xx answers."""
    run_cases(observe, tool, ERROR_THRESHOLD, error_hint)


SPIKES = [
    Case(
        "latency-spike",
        "requests took 0.05 s until minute 10, then 2 s",
        (phase(10, ok(100)), phase(10, ok(100, 2.0))),
        (Expect(LATENCY, 15, False, PENDING), Expect(LATENCY, 17, True)),
    ),
    Case(
        "error-spike",
        "no request failed until minute 10, then half of them answered 500",
        (phase(10, ok(100)), phase(10, ok(50), ok(50, status="500"))),
        (Expect(ERRORS, 15, False, PENDING), Expect(ERRORS, 17, True)),
    ),
]


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.real
def test_not_before_for_elapses(observe, tool):
    """Neither alert fires before its condition has held for 5 minutes; both fire soon after."""
    run_cases(observe, tool, SPIKES, "give each alert `for: 5m`: it stays pending for 5 minutes of continuous trouble, then fires")


QUIET = [
    Case(
        "no-traffic",
        "100 fast, successful requests arrived in the first minute and none at all in the next 20",
        (phase(1, ok(100)), phase(20)),
        tuple(Expect(name, minute, False) for name in (LATENCY, ERRORS) for minute in (5, 10, 20)),
    ),
    Case(
        "traffic-stops",
        "for 10 minutes 20 % of requests answered 500 after 2 s, then no request arrived",
        (phase(10, ok(80, 2.0), ok(20, 2.0, status="500")), phase(12)),
        (
            Expect(ERRORS, 9, True, "the incident was real"),
            Expect(LATENCY, 9, True, "the incident was real"),
            Expect(ERRORS, 20, False, EMPTY_WINDOW),
            Expect(LATENCY, 20, False, EMPTY_WINDOW),
        ),
    ),
]


def quiet_hint(miss: Miss) -> str:
    """What to try when an alert fires without traffic, or misses the incident before it."""
    if miss.expect.firing:
        return "while requests fail and take 2 s both alerts must fire after 5 minutes; check the thresholds and for: 5m"
    return (
        "without requests, 5xx / all is 0 / 0 = NaN and NaN > 0.05 is false: alert on that share directly, "
        "with no guard such as clamp_min that turns 0 / 0 into a number"
    )


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.real
def test_silent_without_traffic(observe, tool):
    """Neither alert fires while no requests arrive, also right after an incident."""
    run_cases(observe, tool, QUIET, quiet_hint)


def split(slow_seconds: float) -> tuple[Requests, ...]:
    """Per instance: 40 requests a minute to / in 0.05 s and 10 to the item route in ``slow_seconds``."""
    return tuple(r for i in INSTANCES for r in (ok(40, 0.05, instance=i), ok(10, slow_seconds, instance=i, endpoint=ROUTE)))


LABELLED_SERIES = [
    Case(
        "split-series-slow",
        f"two instances serve / in 0.05 s and {ROUTE} in 0.9 s, one request in five goes to the slow route, so p95 is about 0.94 s",
        (phase(15, *split(0.9)),),
        (Expect(LATENCY, 12, True),),
    ),
    Case(
        "split-series-fast",
        f"two instances serve / and {ROUTE}, every request within 0.1 s",
        (phase(15, *split(0.1)),),
        (Expect(LATENCY, 12, False),),
    ),
]


ALL_CASES = LATENCY_THRESHOLD + ERROR_THRESHOLD + SPIKES + QUIET + LABELLED_SERIES


@pytest.mark.points(2)
@pytest.mark.hidden
@pytest.mark.real
def test_le_kept_across_labelled_series(observe, tool):
    """HighRequestLatency works on a histogram split by instance and endpoint: le is kept in the aggregation."""
    run_cases(
        observe,
        tool,
        LABELLED_SERIES,
        "histogram_quantile reads the bucket boundaries from the le label: sum the bucket rates by (job, le), never drop le",
    )
