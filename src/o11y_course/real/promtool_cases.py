"""The grader's own promtool test files, built from traffic stories instead of written by hand.

A :class:`Case` tells a story minute by minute (phases of requests with their status and
duration), turns it into the series the beginner/02 app would export (``app_requests_total`` and
the ``app_request_latency_seconds`` histogram with the client's default buckets), and states when
each alert must or must not be firing.

Whether an alert fires is read from the ``ALERTS`` series, not from ``alert_rule_test``: that keeps
the verdict independent of the labels a learner's ``sum by (...)`` keeps. Each probe carries the
case's name as a label, so a failure in promtool's output points back to its case.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import yaml

from o11y_course.feedback import fail
from o11y_course.matchers.promtool import ExprMismatch, Failure, FileError, expect_finished, explain, parse_duration, parse_test_output
from o11y_course.real.promtool import PromtoolRun, run_rule_tests

# prometheus_client's default histogram buckets, as the beginner/02 app exports them.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
COUNTER = "app_requests_total"
HISTOGRAM = "app_request_latency_seconds"
JOB = "app"
GRADER_TESTS = "grader_tests.yml"


@dataclass(frozen=True)
class Requests:
    """``per_minute`` requests of one kind, each taking ``seconds``."""

    per_minute: int
    seconds: float
    status: str = "200"
    endpoint: str = "/"
    instance: str = "shop-1:8000"
    method: str = "GET"


@dataclass(frozen=True)
class Phase:
    """``minutes`` of steady traffic (none when ``requests`` is empty)."""

    minutes: int
    requests: tuple[Requests, ...] = ()


def phase(minutes: int, *requests: Requests) -> Phase:
    """A phase of ``minutes`` with the given requests every minute."""
    return Phase(minutes, tuple(requests))


@dataclass(frozen=True)
class Expect:
    """Alert ``alert`` must (or must not) be firing at minute ``minute``; ``why`` explains it to the learner."""

    alert: str
    minute: int
    firing: bool
    why: str = ""


@dataclass(frozen=True)
class Case:
    """A named traffic story and what the alerts must do during it."""

    name: str  # a label value such as "p95-just-above"
    story: str  # e.g. "p95 latency is 0.54 s from minute 0"
    phases: tuple[Phase, ...]
    expect: tuple[Expect, ...]


def _series_name(metric: str, labels: dict[str, str]) -> str:
    return metric + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    rounded = round(value, 6)
    return str(int(rounded)) if rounded == int(rounded) else repr(rounded)


def expand(increments: list[float]) -> str:
    """promtool's expanding notation for a counter that starts at 0 and grows by ``increments[i]`` in minute i+1."""
    if not increments:
        return "0"
    parts: list[str] = []
    value = 0.0
    start = 0
    while start < len(increments):
        step = increments[start]
        end = start
        while end + 1 < len(increments) and increments[end + 1] == step:
            end += 1
        length = end - start + 1
        if not parts:
            parts.append(f"0+{_number(step)}x{length}")
        else:
            parts.append(f"{_number(value + step)}+{_number(step)}x{length - 1}")
        value += step * length
        start = end + 1
    return " ".join(parts)


def input_series(phases: Iterable[Phase], job: str = JOB, buckets: tuple[float, ...] = DEFAULT_BUCKETS) -> list[dict[str, str]]:
    """The counter and histogram series of a traffic story, one sample a minute from minute 0."""
    phases = list(phases)
    total = sum(p.minutes for p in phases)
    increments: dict[str, list[float]] = defaultdict(lambda: [0.0] * total)
    minute = 0
    for part in phases:
        for offset in range(part.minutes):
            for r in part.requests:
                counter = {"job": job, "instance": r.instance, "method": r.method, "endpoint": r.endpoint, "status": r.status}
                increments[_series_name(COUNTER, counter)][minute + offset] += r.per_minute
                histogram = {"job": job, "instance": r.instance, "endpoint": r.endpoint}
                for bound in buckets:  # every bucket is exported, the empty ones too
                    bucket = _series_name(f"{HISTOGRAM}_bucket", {**histogram, "le": repr(bound)})
                    increments[bucket][minute + offset] += r.per_minute if r.seconds <= bound else 0
                increments[_series_name(f"{HISTOGRAM}_bucket", {**histogram, "le": "+Inf"})][minute + offset] += r.per_minute
                increments[_series_name(f"{HISTOGRAM}_count", histogram)][minute + offset] += r.per_minute
                increments[_series_name(f"{HISTOGRAM}_sum", histogram)][minute + offset] += r.per_minute * r.seconds
        minute += part.minutes
    return [{"series": name, "values": expand(values)} for name, values in sorted(increments.items())]


def probe(alert: str, case: str) -> str:
    """PromQL that is 1 while ``alert`` is firing and 0 otherwise, labelled ``case="<case>"``."""
    return f'label_replace(max(ALERTS{{alertname="{alert}",alertstate="firing"}}) or vector(0), "case", "{case}", "", "")'


def rules_test_file(cases: Iterable[Case], rule_file: str = "alerts.yml") -> str:
    """A promtool test file with one test group per case."""
    return _test_file(tuple(cases), rule_file)


@lru_cache(maxsize=32)
def _test_file(cases: tuple[Case, ...], rule_file: str) -> str:
    """The test file's text, built once per process (the cases are the same for every submission)."""
    groups = []
    for case in cases:
        groups.append({
            "name": case.name,
            "interval": "1m",
            "input_series": input_series(case.phases),
            "promql_expr_test": [
                {"expr": probe(e.alert, case.name), "eval_time": f"{e.minute}m", "exp_samples": [{"labels": f'{{case="{case.name}"}}', "value": int(e.firing)}]}
                for e in case.expect
            ],
        })
    document = {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": groups}
    return yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, width=1000)



@dataclass(frozen=True)
class Miss:
    """An expectation of a case that the learner's rules did not meet."""

    case: Case
    expect: Expect

    def describe(self) -> str:
        """``expected X to fire at minute 12, but it stayed silent: <story>; <why>.``"""
        e = self.expect
        wanted, happened = ("fire", "stayed silent") if e.firing else ("stay silent", "fired")
        why = f"; {e.why}" if e.why else ""
        return f"expected {e.alert} to {wanted} at minute {e.minute}, but it {happened}: {self.case.story}{why}."


_ALERTNAME = re.compile(r'alertname="([^"]+)"')


def sort_failures(cases: Iterable[Case], failures: Iterable[Failure]) -> tuple[list[Miss], list[Failure]]:
    """Split promtool's failures into missed expectations of ``cases`` and other problems (each once)."""
    by_name = {c.name: c for c in cases}
    misses: list[Miss] = []
    others: list[Failure] = []
    for failure in failures:
        found = None
        if isinstance(failure, ExprMismatch) and failure.expected:
            case = by_name.get(failure.expected[0].labels.get("case", ""))
            alertname = _ALERTNAME.search(failure.expr)
            seconds = parse_duration(failure.time)
            if case is not None and alertname is not None and seconds is not None:
                found = next((e for e in case.expect if e.alert == alertname.group(1) and e.minute * 60 == seconds), None)
        if found is not None:
            misses.append(Miss(by_name[failure.expected[0].labels["case"]], found))
        elif failure not in others:
            others.append(failure)
    return misses, others


@lru_cache(maxsize=8)
def _run_cases(binary: str, rules: str, cases: tuple[Case, ...], rule_file: str) -> PromtoolRun:
    """One ``promtool test rules`` run of ``cases`` on ``rules``: the same inputs always give the same
    verdict, so the checks of one exercise that share their cases share this run."""
    return run_rule_tests(binary, {rule_file: rules, GRADER_TESTS: rules_test_file(cases, rule_file)}, GRADER_TESTS)


def expect_cases(
    binary: str,
    rules: str,
    cases: list[Case],
    hint: str | Callable[[Miss], str],
    rule_file: str = "alerts.yml",
    *,
    run_with: Sequence[Case] = (),
) -> None:
    """Run ``cases`` against the rule file's text with promtool; fail on the first expectation missed.

    ``hint`` is the hint for a missed expectation, or a function choosing it from the miss.
    ``run_with`` names more cases (usually all of the exercise's) to run in the same promtool
    process; only the expectations of ``cases`` are judged here.
    """
    together = tuple(dict.fromkeys((*run_with, *cases)))
    run = _run_cases(binary, rules, together, rule_file)
    expect_finished(run, f"on {rule_file}")
    if run.ok:
        return
    misses, others = sort_failures(together, parse_test_output(run.stderr))
    if others:
        message, other_hint = explain(others[0])
        if isinstance(others[0], FileError):
            other_hint = f"run `promtool check rules {rule_file}` and fix what it reports first"
        fail(f"promtool could not evaluate {rule_file} on the grader's series: {message}", other_hint)
    if not misses:
        fail(f"promtool failed on the grader's tests without a readable reason: {run.stderr.strip()[:300]}")
    own = set(cases)
    mine = [miss for miss in misses if miss.case in own]
    if not mine:  # only other checks' cases missed
        return
    more = f" ({len(mine) - 1} more expectation{'s' if len(mine) > 2 else ''} missed.)" if len(mine) > 1 else ""
    fail(mine[0].describe() + more, hint(mine[0]) if callable(hint) else hint)
