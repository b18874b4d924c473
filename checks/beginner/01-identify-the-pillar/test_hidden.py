"""Hidden checks for beginner/01-identify-the-pillar: grading only, never shipped to learners.

This file is the only place that holds the answer key and the reasoning behind it.
"""

import pytest

from o11y_course.matchers.answers import Answer, KeyEntry, expect_first_pillar, expect_sets_match, parse_answers
from o11y_course.matchers.files import file_text
from o11y_course.scenario import file_scenario

ANSWERS_FILE = "answers.toml"
READ_ANSWERS = file_scenario("read answers.toml", [ANSWERS_FILE])
SETS_NEEDED = 8  # the README promises the bonus for at least 8 of the 12 full lists

KEY = {
    "memory-leak": KeyEntry(
        ("metrics",),
        "A leak is a trend: memory that climbs for days and drops at every restart. Only metrics keep that curve "
        "(memory per container over weeks), and lining it up with release times shows since when.",
        "logs and traces record events and requests, not how much memory a process holds; once metrics confirm the leak, "
        "the next tool is a memory profiler",
    ),
    "frequent-404s": KeyEntry(
        ("metrics", "logs"),
        "\"Have 404s become more frequent?\" asks for a rate over time: requests by status and route show whether 404s rose, "
        "since when and on which route, across all traffic.",
        "the metric holds no raw URLs, which would be unbounded labels, so the access logs give the broken paths and referrers",
    ),
    "slow-checkout": KeyEntry(
        ("traces", "logs"),
        "The alert already told you how slow; the open question is where the time goes in a request that crosses six services. "
        "A trace of a slow checkout shows every hop as a span with its duration, so the slow one stands out.",
        "once the slow span is found, that service's log lines with the same trace id say why: a retry, a timeout, a lock",
    ),
    "unexpected-restart": KeyEntry(
        ("logs", "metrics"),
        "This is one event at a known moment, and the question is what happened: the last log lines before 03:12 "
        "(an unhandled exception, a fatal error) and the platform's record of the exit say why the service stopped.",
        "then memory and CPU around 03:12, and the restart count over past weeks, show whether it built up and happened before",
    ),
    "errors-after-deploy": KeyEntry(
        ("metrics", "logs"),
        "First establish the facts across all traffic: does the 5xx rate per route jump exactly at 14:00, with the release? "
        "Metrics answer that in seconds and give the rollback decision its evidence.",
        "the error logs and stack traces of the new version then show which code path fails, so it can be fixed",
    ),
    "failed-payment": KeyEntry(
        ("logs", "traces"),
        "The question is about one identified order, and metrics never carry an order id. Searching the logs for A-7731 "
        "finds the error the customer saw, its exact time and the request's trace id.",
        "the trace with that id then shows every step of the request, e.g. the charge succeeding and a later step failing",
    ),
    "intermittent-502": KeyEntry(
        ("traces", "logs"),
        "The logs you have stop at \"upstream error\"; the question is which hop further down the chain fails. Traces of the "
        "failed requests follow search-api, ranker, feature-store and synonyms and mark the span where the error starts.",
        "the failing service's own log lines for those trace ids then give the actual error",
    ),
    "lunchtime-latency": KeyEntry(
        ("metrics",),
        "Latency by hour of day over three months is an aggregate over every request: the latency histogram answers it "
        "directly, and metrics are cheap enough to keep for months.",
        "nothing else is needed: logs and traces are kept for days, and traces are sampled, so neither covers three months",
    ),
    "admin-audit": KeyEntry(
        ("logs",),
        "Who signed in, from which address and what they did are individual events with detailed fields: the audit and "
        "access logs record exactly that, searchable by account and date.",
        "metrics cannot hold accounts or IP addresses as labels, and traces describe request timing, not an account's history",
    ),
    "slow-product-page": KeyEntry(
        ("traces",),
        "You already know which requests are slow; the question is where inside them the 4 s go. Tracing is not only for "
        "microservices: a trace of one slow page shows its database queries as spans, e.g. one query per variant.",
        "the trace alone shows the repeated query spans and their statements, which is enough to see what to fix",
    ),
    "late-emails": KeyEntry(
        ("metrics", "logs"),
        "A growing delay on a queue is a question of sizes and rates over time: queue depth and the rates of messages in and "
        "out show whether orders surged or the mailer slowed down, and since when.",
        "if the mailer slowed down, its logs say why: errors, retries, a slow mail server",
    ),
    "empty-recommendations": KeyEntry(
        ("logs",),
        "Rate, errors and latency all look healthy, so metrics have nothing to show: the service is wrong without failing. "
        "Its own log lines, above all warnings since the configuration change, say what it is doing instead.",
        "traces would only show fast, successful requests; the explanation is in the service's own messages",
    ),
}


def answers(observe) -> dict[str, Answer]:
    """The learner's answers, parsed (a syntax error fails the check with its line number)."""
    return parse_answers(file_text(observe(READ_ANSWERS), ANSWERS_FILE))


@pytest.mark.points(0.5)
@pytest.mark.hidden
@pytest.mark.parametrize("scenario", list(KEY))
def test_first_pillar(observe, scenario):
    """Starts the scenario's investigation with the pillar that answers its first question."""
    expect_first_pillar(answers(observe), scenario, KEY[scenario])


@pytest.mark.points(1)
@pytest.mark.hidden
def test_pillar_sets_match(observe):
    """For at least 8 of the 12 scenarios, lists exactly the pillars of the key (order aside)."""
    expect_sets_match(answers(observe), KEY, SETS_NEEDED)
