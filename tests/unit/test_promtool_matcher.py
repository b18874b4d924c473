"""The promtool output matcher, on stderr captured from real promtool 2.42 runs."""

from __future__ import annotations

import math

import pytest

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.promtool import (
    Alert,
    AlertMismatch,
    ExprMismatch,
    FileError,
    RuleError,
    Sample,
    check_hint,
    check_problems,
    expect_finished,
    explain,
    format_duration,
    most_telling,
    parse_duration,
    parse_labels,
    parse_samples,
    parse_test_output,
    rules_found,
)
from o11y_course.real.promtool import PromtoolRun


def lines(*rows: str) -> str:
    """Captured output, one row per line (rows keep promtool's trailing spaces)."""
    return "\n".join(rows) + "\n"


# promtool test rules on a learner's file: a case still pending at 4m, one whose annotations were not
# expected, and one that fired where silence was expected (the second group has no name).
LEARNER = lines(
    "  FAILED:",
    "    name: slow requests,",
    "    alertname: HighRequestLatency, time: 4m, ",
    "        exp:[",
    "            0:",
    '              Labels:{alertname="HighRequestLatency", job="app", severity="page"}',
    "              Annotations:{}",
    "            ], ",
    "        got:[]",
    "    name: slow requests,",
    "    alertname: HighRequestLatency, time: 10m, ",
    "        exp:[",
    "            0:",
    '              Labels:{alertname="HighRequestLatency", job="app", severity="page"}',
    "              Annotations:{}",
    "            ], ",
    "        got:[",
    "            0:",
    '              Labels:{alertname="HighRequestLatency", job="app", severity="page"}',
    '              Annotations:{description="95 % of requests to app over the last 5 minutes took up to 975ms; the objective is 0.5 s.", '
    'runbook_url="https://runbooks.example.com/app/high-request-latency", summary="app: p95 latency above 0.5 s"}',
    "            ]",
    "    alertname: HighErrorRate, time: 10m, ",
    "        exp:[], ",
    "        got:[",
    "            0:",
    '              Labels:{alertname="HighErrorRate", job="app", severity="page"}',
    '              Annotations:{description="10% of requests to app answered 5xx over the last 5 minutes.", '
    'runbook_url="https://runbooks.example.com/app/high-error-rate", summary="app: more than 5 % of requests fail"}',
    "            ]",
)
# A grader probe (ALERTS read through label_replace) that found the alert firing too early.
PROBE = lines(
    "  FAILED:",
    r'    expr: "label_replace(max(ALERTS{alertname=\"HighRequestLatency\",alertstate=\"firing\"}) or vector(0), \"case\", \"latency-spike\", \"\", \"\")", time: 15m,',
    '        exp: {case="latency-spike"} 0E+00',
    '        got: {case="latency-spike"} 1E+00',
)
# The float pitfall: 0.975 expected, 0.9750000000000001 computed.
FLOAT = lines(
    "  FAILED:",
    '    expr: "histogram_quantile(0.95, sum by (job, le) (rate(app_request_latency_seconds_bucket[5m])))", time: 10m,',
    '        exp: {job="app"} 9.75E-01',
    '        got: {job="app"} 9.750000000000001E-01',
)
EXPRS = lines(
    "  FAILED:",
    '    expr: "sum(", time: 1m, err: 1:5: parse error: unclosed left parenthesis',
    '    expr: "up", time: 1m,',
    '        exp: {__name__="up", job="a"} 2E+00, {__name__="up", job="b"} 1E+00',
    '        got: {__name__="up", job="a"} 1E+00',
    '    expr: "up/0", time: 1m,',
    "        exp: nil",
    '        got: {job="a"} +Inf',
)
RULE_ERROR = lines(
    "  FAILED:",
    '    rule: Ratio, time: 0s, err: found duplicate series for the match group {} on the right hand-side of the operation: '
    '[{__name__="app_requests_total", status="200"}, {__name__="app_requests_total", status="500"}];'
    "many-to-many matching not allowed: matching labels must be unique on one side",
)
FUZZY = lines("  FAILED:", "yaml: unmarshal errors:", "  line 2: field fuzzy_compare not found in type main.unitTestFile")
STUB_RULES = lines(
    "  FAILED:",
    "stub_alerts.yml: 10:15: group \"app-symptoms\", rule 1, \"HighRequestLatency\": field 'expr' must be set in rule",
    "stub_alerts.yml: 22:15: group \"app-symptoms\", rule 2, \"HighErrorRate\": field 'expr' must be set in rule",
)
BAD_SERIES = lines("  FAILED:", "1:12: parse error: unexpected character inside braces: '1'", '1:15: parse error: unexpected "x" in series values')
MISSING_RULE_FILE = lines(
    "  WARNING: no file match pattern rules.yml",
    "  FAILED:",
    "    alertname: HighErrorRate, time: 5m, ",
    "        exp:[",
    "            0:",
    '              Labels:{alertname="HighErrorRate", severity="page"}',
    "              Annotations:{}",
    "            ], ",
    "        got:[]",
)

# promtool check rules
CHECK_BAD_EXPR = lines(
    "  FAILED:",
    'alerts.yml: 5:15: group "a", rule 1, "X": could not parse expression: 1:12: parse error: unexpected "(" in grouping opts, expected "," or ")"',
)
CHECK_BAD_YAML = lines("  FAILED:", "alerts.yml: yaml: line 3: did not find expected '-' indicator", "alerts.yml: yaml: line 3: did not find expected '-' indicator")
CHECK_UNKNOWN_FIELD = lines("  FAILED:", "alerts.yml: yaml: unmarshal errors:", "  line 6: field forr not found in type rulefmt.RuleNode")
CHECK_TEMPLATE = lines("  FAILED:", 'alerts.yml: group "a", rule 1, "X": annotation "summary": template: __alert_X:1: function "nope" not defined')
CHECK_MISSING = "promtool: error: path 'missing.yml' does not exist, try --help\n"


class TestDurations:
    @pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("300s", 300), ("1h30m", 5400), ("0", 0), ("1d", 86400), ("250ms", 0.25)])
    def test_parses_prometheus_durations(self, text, seconds):
        """Durations with units, alone or combined, become seconds."""
        assert parse_duration(text) == seconds

    @pytest.mark.parametrize("text", ["5", "five minutes", "", "m5", "5 m", None, 5])
    def test_rejects_what_is_not_a_duration(self, text):
        """A number without a unit, or anything else, is not a duration."""
        assert parse_duration(text) is None

    @pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (45, "45s"), (1020, "17m"), (3900, "1h5m"), (300, "5m")])
    def test_formats_like_promtool(self, seconds, text):
        """Durations print the way promtool prints eval times."""
        assert format_duration(seconds) == text


class TestParsing:
    def test_alert_cases_with_group_names(self):
        """Each alert case keeps its test group's name, its time and both alert lists."""
        failures = parse_test_output(LEARNER)
        assert [type(f) for f in failures] == [AlertMismatch] * 3
        pending, details, silent = failures
        assert (pending.group, pending.alertname, pending.time) == ("slow requests", "HighRequestLatency", "4m")
        assert pending.expected == (Alert({"alertname": "HighRequestLatency", "job": "app", "severity": "page"}, {}),)
        assert pending.got == ()
        assert details.got[0].annotations["description"].endswith("975ms; the objective is 0.5 s.")
        assert silent.group is None and silent.expected == () and silent.got[0].labels["job"] == "app"

    def test_probe_expression(self):
        """A promql_expr_test failure gives the unquoted expression, the time and the samples."""
        (failure,) = parse_test_output(PROBE)
        assert isinstance(failure, ExprMismatch)
        assert failure.expr.startswith('label_replace(max(ALERTS{alertname="HighRequestLatency"')
        assert failure.time == "15m"
        assert failure.expected == (Sample({"case": "latency-spike"}, 0.0),)
        assert failure.got == (Sample({"case": "latency-spike"}, 1.0),)

    def test_expression_errors_and_special_values(self):
        """Errors, several samples, nil and +Inf are all read."""
        error, several, infinite = parse_test_output(EXPRS)
        assert error.error == "1:5: parse error: unclosed left parenthesis"
        assert [s.value for s in several.expected] == [2.0, 1.0] and several.got[0].labels == {"__name__": "up", "job": "a"}
        assert infinite.expected == () and math.isinf(infinite.got[0].value)

    def test_rule_error(self):
        """An evaluation error names the rule and the time."""
        (failure,) = parse_test_output(RULE_ERROR)
        assert isinstance(failure, RuleError)
        assert (failure.rule, failure.time) == ("Ratio", "0s") and "many-to-many" in failure.error

    def test_file_errors_keep_their_continuation_lines(self):
        """A YAML error spanning two lines is one failure; rule-file errors are one failure each."""
        assert parse_test_output(FUZZY) == [FileError("yaml: unmarshal errors:\nline 2: field fuzzy_compare not found in type main.unitTestFile")]
        assert len(parse_test_output(STUB_RULES)) == 2
        assert len(parse_test_output(BAD_SERIES)) == 2

    def test_warnings_are_skipped(self):
        """promtool's warning about an unmatched rule file is not a failure of its own."""
        (failure,) = parse_test_output(MISSING_RULE_FILE)
        assert isinstance(failure, AlertMismatch) and failure.alertname == "HighErrorRate"

    def test_success_has_no_failures(self):
        """A passing run leaves stderr empty."""
        assert parse_test_output("") == []

    def test_labels_with_quotes_and_braces(self):
        """Label values are Go-quoted: escaped quotes and braces inside them do not confuse the parser."""
        assert parse_labels(r'{a="say \"hi\"", b="{x}"}') == {"a": 'say "hi"', "b": "{x}"}
        assert parse_samples(r'{a="}"} 1E+00, {} NaN')[0] == Sample({"a": "}"}, 1.0)


class TestExplain:
    def test_pending_alert(self):
        """Expected firing but silent early on: the message names test, alert, time and labels; the hint explains for:."""
        message, hint = explain(parse_test_output(LEARNER)[0])
        assert message == 'test "slow requests": HighRequestLatency at 4m: expected 1 firing alert {job="app", severity="page"}, but none was firing.'
        assert "for:" in hint and "6m" in hint

    def test_missing_annotations(self):
        """Labels match but annotations were not expected: the message shows the rendered text to copy."""
        message, hint = explain(parse_test_output(LEARNER)[1])
        assert "annotations on the alert but not expected: description=\"95 % of requests" in message
        assert "every annotation exactly" in hint

    def test_unexpected_firing(self):
        """Fired where silence was expected."""
        message, _ = explain(parse_test_output(LEARNER)[2])
        assert message == 'HighErrorRate at 10m: expected no firing alert, got 1 firing alert {job="app", severity="page"}.'

    def test_label_difference(self):
        """A different label value is named with both values."""
        mismatch = AlertMismatch("X", "10m", None, (Alert({"alertname": "X", "severity": "page"}, {}),), (Alert({"alertname": "X", "severity": "ticket"}, {}),))
        message, hint = explain(mismatch)
        assert 'label severity expected "page", got "ticket"' in message and "sum by" in hint

    def test_float_comparison(self):
        """Nearly equal values point at promtool 2.42's exact comparison."""
        message, hint = explain(parse_test_output(FLOAT)[0])
        assert 'expected {job="app"} 0.975, got {job="app"} 0.9750000000000001' in message
        assert "round" in hint and "fuzzy_compare" in hint

    def test_unknown_field(self):
        """An unknown field in the test file is explained as a 2.42 limit."""
        message, hint = explain(parse_test_output(FUZZY)[0])
        assert message == "yaml: unmarshal errors: line 2: field fuzzy_compare not found in type main.unitTestFile."
        assert "2.42" in hint

    def test_rule_file_that_does_not_load(self):
        """A rule file error points at promtool check rules, with the line number."""
        message, hint = explain(parse_test_output(STUB_RULES)[0])
        assert message.startswith('stub_alerts.yml line 10: group "app-symptoms", rule 1, "HighRequestLatency"')
        assert "promtool check rules stub_alerts.yml" in hint

    def test_rule_error(self):
        """An evaluation error is explained with the rule's name."""
        message, _ = explain(parse_test_output(RULE_ERROR)[0])
        assert message.startswith("the rule Ratio failed while promtool evaluated it at 0s")

    def test_most_telling_first(self):
        """Errors come before wrong firing, which comes before wrong details; repeats are dropped."""
        learner = parse_test_output(LEARNER)
        stub = parse_test_output(STUB_RULES)
        ordered = most_telling([learner[1], learner[0], stub[0], stub[0]])
        assert ordered == [stub[0], learner[0], learner[1]]


class TestCheckRules:
    def test_problems_lose_the_file_name(self):
        """Each problem is reported once, with its line number instead of the file name."""
        assert check_problems(CHECK_BAD_EXPR) == [
            'line 5: group "a", rule 1, "X": could not parse expression: 1:12: parse error: unexpected "(" in grouping opts, expected "," or ")"'
        ]
        assert check_problems(CHECK_BAD_YAML) == ["yaml: line 3: did not find expected '-' indicator"]
        assert check_problems(CHECK_UNKNOWN_FIELD) == ["yaml: unmarshal errors:; line 6: field forr not found in type rulefmt.RuleNode"]
        assert check_problems(CHECK_MISSING) == ["path 'missing.yml' does not exist, try --help"]

    @pytest.mark.parametrize(
        ("stderr", "fragment"),
        [(CHECK_BAD_EXPR, "PromQL"), (CHECK_UNKNOWN_FIELD, "misspelled"), (CHECK_TEMPLATE, "templates"), (CHECK_BAD_YAML, "indentation")],
    )
    def test_hints_match_the_problem(self, stderr, fragment):
        """Each kind of problem gets its own hint."""
        assert fragment in check_hint(check_problems(stderr)[0])

    def test_rules_found(self):
        """The rule count comes from the SUCCESS line."""
        assert rules_found("Checking alerts.yml\n  SUCCESS: 2 rules found\n\n") == 2
        assert rules_found("Checking alerts.yml\n  SUCCESS: 0 rules found\n") == 0
        assert rules_found("Checking alerts.yml\n\n") is None


class TestFinished:
    def test_time_limit(self):
        """A run stopped at the time limit fails with the limit in the message."""
        with pytest.raises(CheckFailure, match="did not finish on alerts_test.yml within 30 s"):
            expect_finished(PromtoolRun(("test", "rules"), None, "", ""), "on alerts_test.yml")

    def test_memory_limit(self):
        """A run that ran out of memory fails saying so."""
        run = PromtoolRun(("test", "rules"), 2, "", "fatal error: out of memory allocating heap arena metadata\n")
        with pytest.raises(CheckFailure, match="ran out of memory"):
            expect_finished(run, "on alerts_test.yml")

    def test_finished_run_passes(self):
        """A run that exited, even with failures, is usable."""
        expect_finished(PromtoolRun(("test", "rules"), 1, "", LEARNER), "on alerts_test.yml")
