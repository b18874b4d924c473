"""Judging ``answers.toml``: which pillars a learner would check, in order, for each scenario.

The file holds one table per scenario::

    [scenarios.<id>]
    pillars = ["logs", "traces"]   # the pillars to check, the first one first
    why = "..."                    # the learner's reasoning

``parse_answers`` reads the format (a syntax error names its line); the ``expect_*`` functions judge
what the answers say. The answer key itself is never here: the checks pass it in.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from o11y_course.feedback import fail
from o11y_course.toml import TOMLDecodeError, tomllib

PILLARS = ("metrics", "logs", "traces")
FILE = "answers.toml"
FORMAT_HINT = 'write one table per scenario: [scenarios.<id>], then pillars = ["logs", "traces"] and why = "..." on the lines below it'
_LINE = re.compile(r"\bline (\d+)")
_SHOWN = 5  # at most this many problems are spelled out in one message


@dataclass(frozen=True)
class Answer:
    """One scenario's answer: the pillars in the order the learner would check them, and why."""

    scenario: str
    pillars: tuple[str, ...] = ()
    why: str = ""
    problem: str | None = None  # how the table breaks the format; a field of the wrong type counts as empty


@dataclass(frozen=True)
class KeyEntry:
    """The expected answer for one scenario, with the reasoning shown when a learner misses it."""

    pillars: tuple[str, ...]
    reason: str  # why the investigation starts with pillars[0]
    then: str  # why the other pillars (or none) follow


def _syntax_message(text: str, exc: Exception, filename: str) -> str:
    """The parser's words (they hold "at line N") plus that line's text, or the last line for "at end of document"."""
    lines = text.splitlines()
    found = _LINE.search(str(exc))
    number = int(found.group(1)) if found else None
    if number is None:  # "at end of document": something opened earlier is still open at the last line
        return f"{filename} is not valid TOML: {exc}; a bracket or quote opened on or before line {len(lines)}, the last line, is never closed."
    excerpt = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    reads = f"; line {number} reads: {excerpt[:80]}" if excerpt else ""
    return f"{filename} is not valid TOML: {exc}{reads}."


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f'the string "{value[:30]}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list holding something other than strings"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"a {type(value).__name__} value"


def _answer(scenario: str, table: Any, filename: str) -> Answer:
    """One scenario's table; a table that breaks the format gives an empty answer that names the problem."""
    where = f"[scenarios.{scenario}] in {filename}"
    if not isinstance(table, dict):
        return Answer(scenario, problem=f"In {filename}, scenarios.{scenario} is {_kind(table)}, not a table with pillars and why")
    extra = sorted(set(table) - {"pillars", "why"})
    if extra:
        named = ", ".join(f"{key}{_did_you_mean(key, ('pillars', 'why'))}" for key in extra)
        return Answer(scenario, problem=f"{where} has the key {named}; a scenario takes only pillars and why")
    pillars, why = table.get("pillars", []), table.get("why", "")
    if not isinstance(pillars, list) or not all(isinstance(p, str) for p in pillars):
        return Answer(scenario, problem=f"{where}: pillars must be a list of strings in square brackets, found {_kind(pillars)}")
    if not isinstance(why, str):
        return Answer(scenario, tuple(pillars), problem=f"{where}: why must be a string in double quotes, found {_kind(why)}")
    return Answer(scenario, tuple(pillars), why)


def parse_answers(text: str, filename: str = FILE) -> dict[str, Answer]:
    """The answers in ``text`` by scenario id; fails on a syntax error (naming the line) or a file of the wrong shape.

    A single scenario table of the wrong shape does not fail here: its ``Answer`` carries the problem,
    so the other scenarios are still judged.
    """
    return dict(_parsed_answers(text, filename))  # a dict of its own for each caller; the answers are frozen


@lru_cache(maxsize=16)
def _parsed_answers(text: str, filename: str) -> dict[str, Answer]:
    try:
        data = tomllib.loads(text)
    except TOMLDecodeError as exc:
        fail(_syntax_message(text, exc, filename), "fix that line: strings need double quotes, lists square brackets, one key = value per line")
    stray = sorted(key for key in data if key != "scenarios")
    if stray:
        fail(f"{filename} has {', '.join(stray)} outside [scenarios]; every answer belongs in a [scenarios.<id>] table.",
             f"write [scenarios.{stray[0]}] instead of [{stray[0]}]")
    scenarios = data.get("scenarios", {})
    if not isinstance(scenarios, dict):
        fail(f"In {filename}, scenarios is {_kind(scenarios)}, not a group of [scenarios.<id>] tables.", FORMAT_HINT)
    return {scenario: _answer(scenario, table, filename) for scenario, table in scenarios.items()}


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.strip().lower(), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _listed(items: Sequence[str]) -> str:
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return "; ".join(items[:_SHOWN]) + more


def expect_all_answered(answers: Mapping[str, Answer], scenario_ids: Sequence[str], filename: str = FILE) -> None:
    """Every scenario id has at least one pillar, every table has the right shape, and no answer is for an unknown id."""
    broken = [a.problem for a in answers.values() if a.problem]
    if broken:
        fail(f"{_listed(broken)}.", FORMAT_HINT)
    unknown = [f"[scenarios.{s}]{_did_you_mean(s, scenario_ids)}" for s in answers if s not in scenario_ids]
    empty = [s for s in scenario_ids if s not in answers or not answers[s].pillars]
    if not unknown and not empty:
        return
    parts = []
    if unknown:
        parts.append(f"{filename} answers scenarios the README does not list: {_listed(unknown)}.")
    if empty:
        parts.append(f"{len(empty)} of {len(scenario_ids)} scenarios have no pillar yet: {', '.join(empty)}.")
    hint = "copy each scenario id exactly as the README writes it" if unknown else 'list at least one pillar for each, e.g. pillars = ["logs"]'
    fail(" ".join(parts), hint)


def pillar_problems(answers: Mapping[str, Answer]) -> list[str]:
    """Unknown pillar names and repeated pillars, one description each, in file order."""
    problems = []
    for scenario, answer in answers.items():
        for name in answer.pillars:
            if name not in PILLARS:
                problems.append(f'unknown pillar "{name}" in {scenario}{_did_you_mean(name, PILLARS)}')
        for name, count in Counter(answer.pillars).items():
            if count > 1 and name in PILLARS:
                problems.append(f"{name} listed {count} times in {scenario}")
    return problems


def expect_known_pillars(answers: Mapping[str, Answer], filename: str = FILE) -> None:
    """Pillars are only metrics, logs and traces, each at most once per scenario (and some are listed)."""
    if not any(answer.pillars for answer in answers.values()):
        fail(f"{filename} lists no pillar for any scenario yet, so there are no pillar names to check.",
             'fill in pillars for each scenario, e.g. pillars = ["logs"]')
    problems = pillar_problems(answers)
    if problems:
        fail(f"{filename} has {_listed(problems)}. The pillars are metrics, logs and traces, each at most once per scenario.",
             "write the names in lower case exactly as shown: metrics, logs, traces")


def expect_explained(answers: Mapping[str, Answer], scenario_ids: Sequence[str], filename: str = FILE) -> None:
    """Every scenario id has a non-blank ``why``."""
    empty = [s for s in scenario_ids if s not in answers or not answers[s].why.strip()]
    if empty:
        fail(f"{len(empty)} of {len(scenario_ids)} scenarios in {filename} have no why yet: {', '.join(empty)}.",
             "in a sentence or two, say what you expect the first pillar to show you and what you would look for next")


def expect_first_pillar(answers: Mapping[str, Answer], scenario: str, expected: KeyEntry) -> None:
    """The learner's first pillar for ``scenario`` is the key's; the failure explains the key's reasoning."""
    answer = answers.get(scenario)
    found = answer.pillars[0] if answer is not None and answer.pillars else None
    wanted = expected.pillars[0]
    if found == wanted:
        return
    if found is None and answer is not None and answer.problem:
        got = f"{answer.problem}, so it counts as no pillar"
    elif found is None:
        got = "you list no pillar"
    elif found not in PILLARS:
        got = f'you start with "{found}", which is not a pillar name'
    else:
        got = f"you start with {found}"
    fail(f"{scenario}: {got}; start with {wanted}. {expected.reason}",
         "ask what the scenario wants to know first: how much or since when (metrics), what happened to one thing (logs), where along the path (traces)")


def expect_sets_match(answers: Mapping[str, Answer], key: Mapping[str, KeyEntry], needed: int) -> None:
    """At least ``needed`` scenarios list exactly the key's pillars, in any order."""
    differing = []
    for scenario, entry in key.items():
        answer = answers.get(scenario)
        yours = answer.pillars if answer is not None else ()
        if set(yours) != set(entry.pillars):
            differing.append(f"{scenario} [key: {', '.join(entry.pillars)}; yours: {', '.join(yours) or 'none'}]: {entry.then}")
    matching = len(key) - len(differing)
    if matching < needed:
        more = f" | and {len(differing) - _SHOWN} more" if len(differing) > _SHOWN else ""
        fail(f"{matching} of {len(key)} answers list exactly the key's pillars (order aside); {needed} are needed. "
             + " | ".join(differing[:_SHOWN]) + more,
             "list only the pillars you would really open for that question, and every one you would")
