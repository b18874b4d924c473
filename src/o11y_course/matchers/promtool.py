"""Reading what promtool 2.42 prints, and turning it into short teaching messages.

``promtool test rules`` writes one block per failed test case to stderr, e.g.::

      FAILED:
        name: slow requests,
        alertname: HighRequestLatency, time: 4m,
            exp:[
                0:
                  Labels:{alertname="HighRequestLatency", severity="page"}
                  Annotations:{}
                ],
            got:[]
        expr: "max(ALERTS) or vector(0)", time: 10m,
            exp: {} 0E+00
            got: {} 1E+00

``parse_test_output`` reads those blocks into records (which alert, at which evaluation time,
expected vs got); ``explain`` turns a record into a message and a hint. ``check_problems`` does the
same for ``promtool check rules``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from o11y_course.feedback import fail

if TYPE_CHECKING:
    from o11y_course.real.promtool import PromtoolRun

# ---------------------------------------------------------------- durations

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")


def parse_duration(text: object) -> float | None:
    """Seconds in a Prometheus duration such as ``5m``, ``300s`` or ``1h30m``; ``None`` if it is not one."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text == "0":
        return 0.0
    match = _DURATION.match(text)
    if not text or match is None:
        return None
    return float(sum(int(n) * _UNITS[u] for n, u in zip(match.groups(), _UNITS, strict=True) if n is not None))


def format_duration(seconds: float) -> str:
    """A duration the way promtool prints it: ``0s``, ``45s``, ``17m``, ``1h5m``."""
    whole = int(round(seconds))
    if whole == 0:
        return "0s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Alert:
    """One alert as promtool prints it: its labels (``alertname`` included) and annotations."""

    labels: dict[str, str]
    annotations: dict[str, str]


@dataclass(frozen=True)
class Sample:
    """One sample of a PromQL result: labels and value."""

    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class AlertMismatch:
    """An ``alert_rule_test`` case whose firing alerts differ from the expected ones."""

    alertname: str
    time: str
    group: str | None
    expected: tuple[Alert, ...]
    got: tuple[Alert, ...]


@dataclass(frozen=True)
class ExprMismatch:
    """A ``promql_expr_test`` case whose result differs from the expected samples."""

    expr: str
    time: str
    expected: tuple[Sample, ...]
    got: tuple[Sample, ...]


@dataclass(frozen=True)
class ExprError:
    """A ``promql_expr_test`` case promtool could not run (bad expression or bad expected labels)."""

    expr: str
    time: str
    error: str


@dataclass(frozen=True)
class RuleError:
    """A rule that failed while promtool evaluated it; promtool stops that test group there."""

    rule: str
    time: str
    error: str


@dataclass(frozen=True)
class FileError:
    """Anything else promtool reported: YAML errors, rule files that do not load, bad input series."""

    text: str


Failure = AlertMismatch | ExprMismatch | ExprError | RuleError | FileError

# ---------------------------------------------------------------- parsing

_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)=(' + _QUOTED + ")")
_LABELSET = r"\{(?:[^\"}]|" + _QUOTED + r")*\}"
_SAMPLE = re.compile(r"(" + _LABELSET + r") (\S+?)(?:, |$)")
_NAME = re.compile(r"^    name: (.*),$")
_ALERT_HEAD = re.compile(r"^    alertname: (.*), time: (\S+), ?$")
_EXPR_HEAD = re.compile(r"^    expr: (" + _QUOTED + r"), time: (\S+),(?: err: (.*))?$")
_RULE_ERROR = re.compile(r"^    rule: (.*), time: (\S+), err: (.*)$")


def _unquote(quoted: str) -> str:
    """The text of a Go-quoted string (``strconv.Quote``)."""
    try:
        return json.loads(quoted)
    except ValueError:
        return quoted[1:-1].replace('\\"', '"').replace("\\\\", "\\")


def parse_labels(text: str) -> dict[str, str]:
    """``{a="1", b="x"}`` as a dict."""
    return {name: _unquote(value) for name, value in _LABEL.findall(text)}


def _parse_value(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse_samples(text: str) -> tuple[Sample, ...]:
    """``{a="1"} 2E+00, {} 0E+00`` (or ``nil``) as samples."""
    text = text.strip()
    if text in ("", "nil"):
        return ()
    return tuple(Sample(parse_labels(labels), _parse_value(value)) for labels, value in _SAMPLE.findall(text))


def _parse_alerts(lines: list[str]) -> tuple[Alert, ...]:
    alerts: list[Alert] = []
    labels: dict[str, str] | None = None
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("Labels:"):
            labels = parse_labels(stripped[len("Labels:"):])
        elif stripped.startswith("Annotations:") and labels is not None:
            alerts.append(Alert(labels, parse_labels(stripped[len("Annotations:"):])))
            labels = None
    return tuple(alerts)


def _split_alert_lists(body: list[str]) -> tuple[list[str], list[str]]:
    """The lines of the ``exp:[...]`` part and of the ``got:[...]`` part of an alert block."""
    exp: list[str] = []
    got: list[str] = []
    target = exp
    for line in body:
        stripped = line.strip()
        if stripped.startswith("got:"):
            target = got
        target.append(line)
    return exp, got


def parse_test_output(stderr: str) -> list[Failure]:
    """Every failure in what ``promtool test rules`` wrote to stderr, in order."""
    failures: list[Failure] = []
    lines = stderr.splitlines()
    i = 0
    group: str | None = None
    while i < len(lines):
        line = lines[i]
        if line.strip() in ("FAILED:", "") or line.startswith("  WARNING:"):
            i += 1
            continue
        if match := _NAME.match(line):
            group = match.group(1)
            i += 1
            continue
        if match := _ALERT_HEAD.match(line):
            j = i + 1
            while j < len(lines) and lines[j].startswith("        "):
                j += 1
            exp, got = _split_alert_lists(lines[i + 1:j])
            failures.append(AlertMismatch(match.group(1), match.group(2), group, _parse_alerts(exp), _parse_alerts(got)))
            group = None
            i = j
            continue
        if match := _EXPR_HEAD.match(line):
            expr, time, error = _unquote(match.group(1)), match.group(2), match.group(3)
            if error is not None:
                failures.append(ExprError(expr, time, error))
                i += 1
                continue
            exp = lines[i + 1].strip() if i + 1 < len(lines) else ""
            got = lines[i + 2].strip() if i + 2 < len(lines) else ""
            failures.append(ExprMismatch(expr, time, parse_samples(exp.removeprefix("exp:")), parse_samples(got.removeprefix("got:"))))
            i += 3
            continue
        if match := _RULE_ERROR.match(line):
            failures.append(RuleError(match.group(1), match.group(2), match.group(3)))
            i += 1
            continue
        # Anything else: one error, with its indented continuation lines (e.g. YAML unmarshal errors).
        j = i + 1
        while j < len(lines) and lines[j].startswith("  ") and not lines[j].startswith("    ") and lines[j].strip() != "FAILED:":
            j += 1
        failures.append(FileError("\n".join(s.strip() for s in lines[i:j])))
        i = j
    return failures


def check_problems(stderr: str) -> list[str]:
    """The problems ``promtool check rules`` reported, each once, without the file-name prefix.

    ``alerts.yml: 5:15: group "app", rule 1, "X": ...`` becomes ``line 5: group "app", rule 1, "X": ...``.
    """
    problems: list[str] = []
    for raw in stderr.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.strip() == "FAILED:":
            continue
        if line.startswith("  ") and problems:  # continuation, e.g. "  line 6: field forr not found"
            problems[-1] += "; " + line.strip()
            continue
        line = re.sub(r"^promtool: error: ", "", line)
        line = re.sub(r"^[^\s:]+\.ya?ml: ", "", line)
        line = re.sub(r"^(\d+):\d+: ", r"line \1: ", line)
        if line not in problems:
            problems.append(line)
    return problems


# ---------------------------------------------------------------- messages


def show_labels(labels: dict[str, str], *, drop: tuple[str, ...] = ("alertname",)) -> str:
    """``{job="app", severity="page"}``, leaving out ``drop``."""
    return "{" + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(labels.items()) if k not in drop) + "}"


def _show_value(value: float) -> str:
    return repr(value) if math.isfinite(value) else str(value)


def show_samples(samples: tuple[Sample, ...]) -> str:
    """``{job="app"} 0.975, ...`` or ``nothing``."""
    if not samples:
        return "nothing"
    return ", ".join(f"{show_labels(s.labels, drop=())} {_show_value(s.value)}" for s in samples)


def _quote(value: str, limit: int = 90) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 4] + '..."'


def _diff(kind: str, exp: dict[str, str], got: dict[str, str]) -> list[str]:
    """Differences between expected and actual labels (or annotations), most useful first."""
    parts: list[str] = []
    keys = sorted((set(exp) | set(got)) - {"alertname"})
    for key in keys:
        if key in exp and key in got and exp[key] != got[key]:
            parts.append(f"{kind} {key} expected {_quote(exp[key])}, got {_quote(got[key])}")
    missing = [k for k in keys if k in exp and k not in got]
    if missing:
        parts.append(f"{kind}s expected but not on the alert: " + ", ".join(f"{k}={_quote(exp[k])}" for k in missing))
    extra = [k for k in keys if k in got and k not in exp]
    if extra:
        parts.append(f"{kind}s on the alert but not expected: " + ", ".join(f"{k}={_quote(got[k])}" for k in extra))
    return parts


def _alerts_phrase(alerts: tuple[Alert, ...]) -> str:
    shown = ", ".join(show_labels(a.labels) for a in alerts[:3]) + (", ..." if len(alerts) > 3 else "")
    return f"{len(alerts)} firing alert{'s' if len(alerts) != 1 else ''} {shown}"


def _explain_alert(m: AlertMismatch) -> tuple[str, str]:
    where = f'test "{m.group}": ' if m.group else ""
    head = f"{where}{m.alertname} at {m.time}"
    if m.expected and not m.got:
        seconds = parse_duration(m.time) or 0.0
        hint = (
            "an alert fires only once its condition has held for its whole `for:` duration, and rate() needs two samples, "
            "so with for: 5m and samples every minute the earliest firing is at 6m; make the input series cross the threshold "
            "for longer, or evaluate later"
        ) if seconds <= 6 * 60 else (
            "work out the alert's expression on your input series at that time (a promql_expr_test with the expression shows "
            "its value) and compare it with the threshold"
        )
        return f"{head}: expected {_alerts_phrase(m.expected)}, but none was firing.", hint
    if m.got and not m.expected:
        return (
            f"{head}: expected no firing alert, got {_alerts_phrase(m.got)}.",
            "if the alert should still be pending there, check its `for:`; otherwise work out the expression's value on your input "
            "series at that time (a promql_expr_test with the expression shows it) and compare it with the threshold",
        )
    if len(m.expected) != len(m.got):
        return (
            f"{head}: expected {_alerts_phrase(m.expected)}, got {_alerts_phrase(m.got)}.",
            "an alert fires once per label set its expression returns; the labels kept in sum by (...) decide how many",
        )
    problems: list[str] = []
    for exp, got in zip(m.expected, m.got, strict=True):
        problems += _diff("label", exp.labels, got.labels) + _diff("annotation", exp.annotations, got.annotations)
    only_annotations = all(p.startswith("annotation") for p in problems)
    hint = (
        "promtool compares every annotation exactly: list all of them under exp_annotations with the text as rendered "
        "(templates such as {{ $value }} filled in), as shown above"
        if only_annotations
        else "expected labels are the rule's labels plus the labels the expression keeps (those in sum by (...)), as shown above"
    )
    shown = "; ".join(problems[:2]) + ("; and more" if len(problems) > 2 else "")
    return f"{head}: the alert fired but differs: {shown}.", hint


def _explain_expr(m: ExprMismatch) -> tuple[str, str]:
    close = (
        len(m.expected) == len(m.got) == 1
        and m.expected[0].labels == m.got[0].labels
        and math.isclose(m.expected[0].value, m.got[0].value, rel_tol=1e-9)
    )
    hint = (
        "promtool 2.42 compares values exactly and has no fuzzy_compare: round inside the expression, e.g. round(x * 1000)"
        if close
        else "expected samples need exactly the labels and values the expression returns, as shown above"
    )
    return f"expression {m.expr} at {m.time}: expected {show_samples(m.expected)}, got {show_samples(m.got)}.", hint


def explain(failure: Failure) -> tuple[str, str]:
    """One failure as (message, hint) for a learner: which alert or expression, when, expected vs got."""
    if isinstance(failure, AlertMismatch):
        return _explain_alert(failure)
    if isinstance(failure, ExprMismatch):
        return _explain_expr(failure)
    if isinstance(failure, ExprError):
        message = f"expression {failure.expr} at {failure.time} could not be evaluated: {failure.error}."
        return message, "fix the expression or the expected labels of that promql_expr_test"
    if isinstance(failure, RuleError):
        return (
            f"the rule {failure.rule} failed while promtool evaluated it at {failure.time}: {failure.error}.",
            "run the rule's expression on your input series; a division of two sums must keep the same labels on both sides",
        )
    text = re.sub(r":\n", ": ", failure.text).replace("\n", "; ").rstrip(".")
    text = re.sub(r"^([^\s:]+\.ya?ml): (\d+):\d+: ", r"\1 line \2: ", text)
    rule_file = re.match(r"^([^\s:]+\.ya?ml)[: ]", text)
    if "not found in type main." in text:
        hint = "promtool 2.42 rejects fields it does not know (fuzzy_compare and start_timestamp came later): remove or rename that field"
    elif rule_file is not None:
        hint = f"run `promtool check rules {rule_file.group(1)}` and fix what it reports first"
    else:
        hint = "run `promtool test rules alerts_test.yml` in the exercise folder to see the problem in context"
    return f"{text}.", hint


# ---------------------------------------------------------------- whole runs

_RULES_FOUND = re.compile(r"SUCCESS: (\d+) rules found")


def rules_found(stdout: str) -> int | None:
    """How many rules ``promtool check rules`` counted, or ``None`` when it did not report success."""
    counts = [int(n) for n in _RULES_FOUND.findall(stdout)]
    return sum(counts) if counts else None


def check_hint(problem: str) -> str:
    """What to try for one problem reported by ``promtool check rules``."""
    if "could not parse expression" in problem:
        return "check the PromQL: every ( has its ), `by (...)` follows the aggregation (sum by (le) (...)), and label matchers use {name=\"value\"}"
    if "must be set" in problem:
        return "every alerting rule needs alert: and expr:; write the condition as a comparison"
    if "not found in type" in problem:
        return "a key is misspelled or indented under the wrong parent: a rule knows alert, expr, for, labels and annotations"
    if "not a valid duration" in problem:
        return "durations need a unit: for: 5m, rate(...[5m])"
    if "template" in problem:
        return "annotations are Go templates: use {{ $labels.job }} and {{ $value }}, and pipe into functions that exist (humanizePercentage, humanizeDuration)"
    if "yaml" in problem:
        return "YAML nests by indentation: use spaces, not tabs, and line up the keys of each item"
    return "run `promtool check rules alerts.yml` in the exercise folder to see the problem with its line number"


def expect_finished(run: PromtoolRun, what: str) -> None:
    """Fail when promtool gave no usable answer on ``what``: it hit the time or the memory limit."""
    if run.timed_out:
        fail(
            f"promtool did not finish {what} within {run.timeout:g} s.",
            "keep tests small: an interval of 1m, series of a few dozen samples, eval_time within the first hour",
        )
    if run.out_of_memory:
        fail(f"promtool ran out of memory {what}.", "the input series ask for too many samples: use an interval of 1m and a few dozen values per series")


def _weight(failure: Failure) -> int:
    if isinstance(failure, (FileError, RuleError, ExprError)):
        return 0  # the tests could not run as written
    if isinstance(failure, AlertMismatch) and bool(failure.expected) != bool(failure.got):
        return 1  # fired when it should be silent, or the other way round
    return 2  # fired as expected, but with other labels, annotations or values


def most_telling(failures: list[Failure]) -> list[Failure]:
    """``failures`` each once, the most telling first: errors, then wrong firing, then wrong details."""
    unique: list[Failure] = []
    for failure in failures:
        if failure not in unique:
            unique.append(failure)
    return sorted(unique, key=_weight)
