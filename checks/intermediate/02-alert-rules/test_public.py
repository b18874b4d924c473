"""Public checks for intermediate/02-alert-rules: shipped to learners for self-checks."""

import pytest

from o11y_course.feedback import expect, fail
from o11y_course.matchers.alert_rules import (
    RULES_FILE,
    TESTS_FILE,
    alert,
    alert_rules,
    expect_expression,
    expect_for,
    expect_labels_and_annotations,
    expect_rule_files,
    expect_tests_cover,
    load_yaml,
    promtool_test_groups,
)
from o11y_course.matchers.files import file_text
from o11y_course.matchers.promtool import check_hint, check_problems, expect_finished, explain, most_telling, parse_test_output, rules_found
from o11y_course.real.promtool import check_rules, run_rule_tests
from o11y_course.scenario import file_scenario

ALERTS = ("HighRequestLatency", "HighErrorRate")
READ_FILES = file_scenario("read alerts.yml and alerts_test.yml", [RULES_FILE, TESTS_FILE])


def rules_text(observe) -> str:
    """The learner's alerts.yml as text."""
    return file_text(observe(READ_FILES), RULES_FILE)


def alerts(observe) -> dict:
    """The learner's alerting rules by name."""
    return alert_rules(load_yaml(rules_text(observe), RULES_FILE))


@pytest.mark.points(2)
@pytest.mark.real
def test_promtool_accepts_the_rules(observe, tool):
    """promtool check rules accepts alerts.yml and finds its rules."""
    promtool = tool("promtool", "prometheus")
    run = check_rules(promtool, rules_text(observe), RULES_FILE)
    expect_finished(run, f"checking {RULES_FILE}")
    if not run.ok:
        problems = check_problems(run.stderr) or [run.stderr.strip()[:300] or f"exit status {run.returncode}"]
        more = f" ({len(problems) - 1} more problem{'s' if len(problems) > 2 else ''} after it.)" if len(problems) > 1 else ""
        fail(f"promtool check rules rejects {RULES_FILE}: {problems[0]}.{more}", check_hint(problems[0]))
    expect(rules_found(run.stdout) != 0, f"promtool check rules finds no rules in {RULES_FILE}.", "put your two alerts under groups: → rules:")


@pytest.mark.points(1)
def test_both_alerts_defined(observe):
    """alerts.yml defines HighRequestLatency and HighErrorRate, each with an expression."""
    rules = alerts(observe)
    for name in ALERTS:
        expect_expression(rules, name)


@pytest.mark.points(1)
def test_alerts_wait_five_minutes(observe):
    """Both alerts wait for: 5m before they fire."""
    rules = alerts(observe)
    for name in ALERTS:
        expect_for(rules, name, 5 * 60)


@pytest.mark.points(2)
def test_alerts_labelled_and_annotated(observe):
    """Each alert has a severity label and summary, description and runbook_url annotations."""
    rules = alerts(observe)
    for name in ALERTS:
        expect_labels_and_annotations(alert(rules, name), name, ("severity",), ("summary", "description", "runbook_url"))


@pytest.mark.points(2)
@pytest.mark.real
def test_own_tests_pass(observe, tool):
    """Your alerts_test.yml passes under promtool test rules."""
    observation = observe(READ_FILES)
    tests = file_text(observation, TESTS_FILE)
    document = load_yaml(tests, TESTS_FILE)
    expect_rule_files(document)
    promtool_test_groups(document)
    promtool = tool("promtool", "prometheus")
    run = run_rule_tests(promtool, {RULES_FILE: file_text(observation, RULES_FILE), TESTS_FILE: tests}, TESTS_FILE)
    expect_finished(run, f"on {TESTS_FILE}")
    if run.ok:
        return
    failures = most_telling(parse_test_output(run.stderr))
    if not failures:
        fail(f"promtool test rules fails on {TESTS_FILE}: {run.stderr.strip()[:300] or f'exit status {run.returncode}'}")
    message, hint = explain(failures[0])
    more = f" ({len(failures) - 1} more failure{'s' if len(failures) > 2 else ''} after it.)" if len(failures) > 1 else ""
    fail(f"promtool test rules fails: {message}{more}", hint)


@pytest.mark.points(2)
def test_own_tests_cover_both_outcomes(observe):
    """alerts_test.yml expects each alert to fire in one case and to stay silent in another."""
    document = load_yaml(file_text(observe(READ_FILES), TESTS_FILE), TESTS_FILE)
    expect_tests_cover(document, ALERTS)
