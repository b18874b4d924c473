"""The rule-file and test-file matcher: YAML text in, alerting rules or teaching messages out."""

from __future__ import annotations

import pytest

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.alert_rules import (
    MAX_ITEMS,
    alert,
    alert_rules,
    expect_expression,
    expect_for,
    expect_labels_and_annotations,
    expect_rule_files,
    expect_tests_cover,
    load_yaml,
    promtool_test_groups,
    rule_tests,
)

RULES = """
groups:
  - name: app
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Slow
        expr: histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 0.5
        for: 300s
        labels: {severity: page}
        annotations: {summary: s, description: d, runbook_url: "https://runbooks.example.com/slow"}
      - alert: Failing
        expr: ""
        for: 2m
        labels: {severity: ""}
        annotations: {summary: s, runbook_url: "wiki/failing"}
  - name: other
    rules:
      - alert: Slow
        expr: vector(1)
"""
TESTS = """
rule_files: [./alerts.yml]
tests:
  - name: slow
    interval: 1m
    alert_rule_test:
      - {eval_time: 10m, alertname: Slow, exp_alerts: [{exp_labels: {severity: page}}]}
      - {eval_time: 4m, alertname: Slow, exp_alerts: []}
  - interval: 1m
    alert_rule_test:
      - {eval_time: 10m, alertname: Failing, exp_alerts: [{exp_labels: {severity: page}}]}
      - {eval_time: 10m, alertname: Failing}
"""


def failure(call, *args) -> CheckFailure:
    with pytest.raises(CheckFailure) as caught:
        call(*args)
    return caught.value


@pytest.fixture
def rules():
    """The alerting rules of RULES."""
    return alert_rules(load_yaml(RULES, "alerts.yml"))


class TestRuleFile:
    def test_alerts_by_name(self, rules):
        """Recording rules are left out; a repeated alert name keeps its first rule."""
        assert sorted(rules) == ["Failing", "Slow"]
        assert rules["Slow"]["for"] == "300s"

    def test_yaml_error_names_the_line(self):
        """A YAML syntax error fails with its line."""
        error = failure(load_yaml, "groups:\n  - name: a\n   rules: []\n", "alerts.yml")
        assert "alerts.yml is not valid YAML" in error.message and "line 3" in error.message

    def test_deep_nesting_is_refused_before_parsing(self):
        """Brackets nested thousands deep are refused at once instead of slowing the YAML parser down."""
        assert "nests brackets more than" in failure(load_yaml, "[" * 100_000, "alerts.yml").message
        assert str(load_yaml("a: " + "[" * 20 + "]" * 20, "alerts.yml")["a"]) == "[" * 20 + "]" * 20

    @pytest.mark.parametrize("text", ["", "- a\n- b\n", "rules: []\n"])
    def test_needs_groups(self, text):
        """A file without a top-level groups: list is explained."""
        assert "top-level `groups:`" in failure(alert_rules, load_yaml(text, "alerts.yml")).message

    def test_lists_are_bounded(self):
        """A list longer than the grader reads fails instead of being walked."""
        doc = {"groups": [{"rules": []}] * (MAX_ITEMS + 1)}
        assert f"at most {MAX_ITEMS}" in failure(alert_rules, doc).message

    def test_missing_alert_names_what_is_there(self, rules):
        """A missing alert is reported with the names found."""
        assert failure(alert, rules, "HighErrorRate").message == "alerts.yml has no alert named HighErrorRate (found Failing, Slow)."

    def test_expression(self, rules):
        """An empty expr fails; a real one passes."""
        expect_expression(rules, "Slow")
        assert "alert Failing has no expression" in failure(expect_expression, rules, "Failing").message

    def test_for(self, rules):
        """for: is compared as a duration (300s equals 5m); a missing or different one is explained."""
        expect_for(rules, "Slow", 300)
        assert failure(expect_for, rules, "Failing", 300).message == "alert Failing waits for: 2m, expected 5m."
        assert "has no `for:`" in failure(expect_for, {"X": {"expr": "up"}}, "X", 300).message
        assert "not a Prometheus duration" in failure(expect_for, {"X": {"for": 5}}, "X", 300).message

    def test_labels_and_annotations(self, rules):
        """Missing or empty labels and annotations are listed together; runbook_url must be a web address."""
        wanted = (("severity",), ("summary", "description", "runbook_url"))
        expect_labels_and_annotations(rules["Slow"], "Slow", *wanted)
        message = failure(expect_labels_and_annotations, rules["Failing"], "Failing", *wanted).message
        assert message == "alert Failing lacks the label severity and the annotation description (each a non-empty text)."
        rules["Failing"]["labels"]["severity"] = "page"
        rules["Failing"]["annotations"]["description"] = "d"
        assert "not a web address" in failure(expect_labels_and_annotations, rules["Failing"], "Failing", *wanted).message


class TestTestFile:
    def test_rule_files(self):
        """rule_files must be exactly the rule file beside the test file (./ allowed)."""
        expect_rule_files(load_yaml(TESTS, "alerts_test.yml"))
        for listed in (["rules.yml"], ["alerts.yml", "more.yml"], "alerts.yml", None):
            assert "must list rule_files: [alerts.yml]" in failure(expect_rule_files, {"rule_files": listed}).message
        assert failure(expect_rule_files, {"rule_files": ["rules.yml"]}).message == "alerts_test.yml must list rule_files: [alerts.yml], found [rules.yml]."

    def test_needs_tests(self):
        """A file without test groups fails."""
        assert failure(promtool_test_groups, {"rule_files": ["alerts.yml"], "tests": []}).message == "alerts_test.yml has no tests yet."

    def test_rule_tests(self):
        """Each alert_rule_test case is read; a missing exp_alerts means silence; unnamed groups get a number."""
        cases = rule_tests(load_yaml(TESTS, "alerts_test.yml"))
        assert [(c.group, c.alertname, c.eval_time, c.firing) for c in cases] == [
            ("slow", "Slow", "10m", True),
            ("slow", "Slow", "4m", False),
            ("#2", "Failing", "10m", True),
            ("#2", "Failing", "10m", False),
        ]

    def test_cover_both_outcomes(self):
        """Every alert needs a firing and a silent case; the message lists the gaps."""
        doc = load_yaml(TESTS, "alerts_test.yml")
        expect_tests_cover(doc, ("Slow", "Failing"))
        doc["tests"][1]["alert_rule_test"].pop()
        message = failure(expect_tests_cover, doc, ("Slow", "Failing", "Down")).message
        assert message.startswith("alerts_test.yml never expects Failing staying silent or Down firing or Down staying silent")
