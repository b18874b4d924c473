"""Judging the structure of a Prometheus rule file and of a ``promtool test rules`` file.

Both arrive as text (read in the sandbox by the files driver) and are parsed here with
``yaml.safe_load``; every list is bounded so that no file, however it is written, makes the
judge do much work.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from o11y_course.feedback import expect, fail
from o11y_course.matchers.promtool import format_duration, parse_duration

RULES_FILE = "alerts.yml"
TESTS_FILE = "alerts_test.yml"
MAX_ITEMS = 500  # entries read from any one list


MAX_NESTING = 200  # brackets open at once; PyYAML slows down quadratically on deeper flow nesting


def _nesting(text: str) -> int:
    """How many ``[`` and ``{`` are open at most (quotes ignored: a rough upper bound is enough)."""
    depth = deepest = 0
    for char in re.sub(r"[^\[\]{}]+", "", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


@lru_cache(maxsize=16)
def _parsed(text: str) -> Any:
    """``text`` parsed once (several checks read the same alerts.yml), with libyaml when it is there."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_yaml(text: str, name: str) -> Any:
    """The parsed document; a syntax error fails the check with its line number."""
    expect(_nesting(text) <= MAX_NESTING, f"{name} nests brackets more than {MAX_NESTING} deep; the grader does not read it.", "write lists and maps in block style")
    try:
        return copy.deepcopy(_parsed(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        fail(f"{name} is not valid YAML: {exc.problem or exc.context}{where}.", "YAML nests by indentation: use spaces, not tabs, and line up the keys of each item")
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        fail(f"{name} is not valid YAML: {type(exc).__name__}.", "YAML nests by indentation: use spaces, not tabs, and line up the keys of each item")


def _items(value: Any, what: str, name: str) -> list[Any]:
    """``value`` as a bounded list; fails when it is not a list."""
    if value is None:
        return []
    expect(isinstance(value, list), f"{what} in {name} must be a list (items starting with `- `), found {type(value).__name__}.")
    expect(len(value) <= MAX_ITEMS, f"{what} in {name} has {len(value)} entries; the grader reads at most {MAX_ITEMS}.")
    return value


def alert_rules(doc: Any, name: str = RULES_FILE) -> dict[str, dict[str, Any]]:
    """Each alerting rule of a rule file by its ``alert`` name (the first one when a name repeats)."""
    expect(
        isinstance(doc, dict) and "groups" in doc,
        f"{name} must start with a top-level `groups:` list, found {'an empty file' if doc is None else type(doc).__name__}.",
        "a rule file is groups: → - name: ... → rules: → - alert: ...",
    )
    alerts: dict[str, dict[str, Any]] = {}
    for group in _items(doc["groups"], "groups", name):
        if not isinstance(group, dict):
            continue
        for rule in _items(group.get("rules"), "a group's rules", name):
            if isinstance(rule, dict) and isinstance(rule.get("alert"), str):
                alerts.setdefault(rule["alert"], rule)
    return alerts


def alert(alerts: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    """The rule of alert ``name``; fails naming the alerts that are there when it is missing."""
    if name not in alerts:
        found = ", ".join(sorted(alerts)[:6]) or "no alerting rules"
        fail(f"{RULES_FILE} has no alert named {name} (found {found}).", f"add a rule `- alert: {name}`; names are case-sensitive")
    return alerts[name]


def expect_expression(alerts: dict[str, dict[str, Any]], name: str) -> None:
    """Alert ``name`` exists and has a non-empty ``expr``."""
    rule = alert(alerts, name)
    expr = rule.get("expr")
    expect(
        isinstance(expr, str) and expr.strip() != "",
        f"alert {name} has no expression (expr is {expr!r}).",
        "write the condition as a PromQL comparison, e.g. `expr: <ratio or quantile> > <threshold>`",
    )


def expect_for(alerts: dict[str, dict[str, Any]], name: str, seconds: float) -> None:
    """Alert ``name`` has a ``for:`` of exactly ``seconds``."""
    wanted = format_duration(seconds)
    rule = alert(alerts, name)
    if "for" not in rule:
        fail(
            f"alert {name} has no `for:`, so it fires on the first evaluation above the threshold, including one-minute blips.",
            f"add `for: {wanted}` to {name}: the condition must hold that long before the alert fires",
        )
    value = rule["for"]
    duration = parse_duration(value)
    expect(duration is not None, f"alert {name} has for: {value!r}, which is not a Prometheus duration.", f"write it with a unit, e.g. `for: {wanted}`")
    expect(duration == seconds, f"alert {name} waits for: {value}, expected {wanted}.", f"set `for: {wanted}` as the contract says")


def _missing(mapping: Any, keys: tuple[str, ...]) -> list[str]:
    if not isinstance(mapping, dict):
        return list(keys)
    return [k for k in keys if mapping.get(k) is None or isinstance(mapping[k], (dict, list)) or not str(mapping[k]).strip()]


def expect_labels_and_annotations(rule: dict[str, Any], name: str, labels: tuple[str, ...], annotations: tuple[str, ...]) -> None:
    """``rule`` has every label and annotation named, each a non-empty string; ``runbook_url`` is a web address."""
    parts = []
    for kind, mapping, keys in (("label", rule.get("labels"), labels), ("annotation", rule.get("annotations"), annotations)):
        missing = _missing(mapping, keys)
        if missing:
            parts.append(f"the {kind}{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    expect(
        not parts,
        f"alert {name} lacks {' and '.join(parts)} (each a non-empty text).",
        "put severity under labels: (routing uses it) and summary, description and runbook_url under annotations: (people read them)",
    )
    if "runbook_url" not in annotations:
        return
    runbook = str(rule["annotations"]["runbook_url"])
    expect(
        runbook.strip().startswith(("https://", "http://")),
        f"alert {name} has runbook_url {runbook!r}, which is not a web address.",
        "point runbook_url at the page that says what to do, e.g. https://runbooks.example.com/app/...",
    )


@dataclass(frozen=True)
class RuleTest:
    """One ``alert_rule_test`` entry of a test file: which alert, when, and whether it must fire."""

    group: str
    alertname: str
    eval_time: str
    firing: bool


def promtool_test_groups(doc: Any, name: str = TESTS_FILE) -> list[dict[str, Any]]:
    """The test groups (``tests:``) of a promtool test file; fails when there are none."""
    expect(isinstance(doc, dict), f"{name} must be a mapping with rule_files: and tests:, found {'an empty file' if doc is None else type(doc).__name__}.")
    groups = [g for g in _items(doc.get("tests"), "tests", name) if isinstance(g, dict)]
    expect(bool(groups), f"{name} has no tests yet.", "add test groups under tests:, each with input_series and alert_rule_test cases")
    return groups



def expect_rule_files(doc: Any, name: str = TESTS_FILE, rules: str = RULES_FILE) -> None:
    """The test file's ``rule_files`` names exactly the rule file beside it."""
    listed = doc.get("rule_files") if isinstance(doc, dict) else None
    names = [str(f).removeprefix("./") for f in listed] if isinstance(listed, list) else listed
    shown = "[" + ", ".join(str(f) for f in listed) + "]" if isinstance(listed, list) else ("nothing" if listed is None else repr(listed))
    expect(
        names == [rules],
        f"{name} must list rule_files: [{rules}], found {shown}.",
        f"the grader copies {name} next to your {rules} and nothing else, so test exactly that file",
    )


def rule_tests(doc: Any, name: str = TESTS_FILE) -> list[RuleTest]:
    """Every ``alert_rule_test`` case of the test file."""
    found: list[RuleTest] = []
    for index, group in enumerate(promtool_test_groups(doc, name), start=1):
        label = str(group.get("name") or f"#{index}")
        for case in _items(group.get("alert_rule_test"), "alert_rule_test", name):
            if isinstance(case, dict) and isinstance(case.get("alertname"), str):
                firing = bool(_items(case.get("exp_alerts"), "exp_alerts", name))
                found.append(RuleTest(label, case["alertname"], str(case.get("eval_time", "0s")), firing))
    return found


def expect_tests_cover(doc: Any, names: tuple[str, ...], name: str = TESTS_FILE) -> None:
    """For each alert in ``names`` there is a case expecting it to fire and one expecting silence."""
    cases = rule_tests(doc, name)
    gaps: list[str] = []
    for alertname in names:
        outcomes = {c.firing for c in cases if c.alertname == alertname}
        if True not in outcomes:
            gaps.append(f"{alertname} firing")
        if False not in outcomes:
            gaps.append(f"{alertname} staying silent")
    tested = sorted({c.alertname for c in cases})
    expect(
        not gaps,
        f"{name} never expects {' or '.join(gaps)} (alert_rule_test cases found for: {', '.join(tested) or 'no alert'}).",
        "a case with exp_alerts: [ {exp_labels: ...} ] expects the alert to fire; one with exp_alerts: [] expects silence",
    )
