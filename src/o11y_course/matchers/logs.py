"""Judging standard-library log records captured in the sandbox (see ``drivers/log_records.py``).

Records arrive as plain dicts; :class:`Record` gives them names, and the functions here select,
search and render them so that every check reads records the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from o11y_course.feedback import CheckFailure
from o11y_course.observation import Observation

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
LINE_LIMIT = 120


@dataclass(frozen=True)
class Record:
    """One captured log record: what it says, how it was built, and what was attached to it."""

    step: str | None
    logger: str
    level: str
    levelno: int
    message: str
    msg: str = ""
    args: tuple[str, ...] = ()
    exc_info: bool = False
    exc_type: str | None = None
    exc_message: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """A record from the driver's plain dict."""
        return cls(
            step=data.get("step"),
            logger=data.get("logger", ""),
            level=data.get("levelname", ""),
            levelno=int(data.get("levelno", 0)),
            message=data.get("message", ""),
            msg=data.get("msg", ""),
            args=tuple(data.get("args", ())),
            exc_info=bool(data.get("exc_info")),
            exc_type=data.get("exc_type"),
            exc_message=data.get("exc_message"),
            extra=dict(data.get("extra", {})),
        )

    def line(self) -> str:
        """``WARNING shop: item 42 not found`` (plus the attached exception, if any), cut to one line."""
        text = f"{self.level} {self.logger}: {self.message}".replace("\n", " ")
        if len(text) > LINE_LIMIT:
            text = text[: LINE_LIMIT - 3] + "..."
        if self.exc_info:
            text += f" [exc_info: {self.exc_type}]"
        return text

    def texts(self) -> list[tuple[str, str]]:
        """Every piece of text the record carries, as (where, text) pairs."""
        found = [("message", self.message), ("message template", self.msg)]
        found += [(f"argument {number}", arg) for number, arg in enumerate(self.args, 1)]
        for key, value in self.extra.items():
            found += [(f"extra field name {key!r}", key), (f"extra field {key!r}", value)]
        if self.exc_message is not None:
            found.append(("attached exception", self.exc_message))
        return found


def records(observation: Observation) -> list[Record]:
    """The records the scenario captured, in the order they were logged."""
    return [Record.from_dict(data) for data in observation.logs if isinstance(data, Mapping)]


def in_step(found: Iterable[Record], step: str) -> list[Record]:
    """The records logged while the step labelled ``step`` ran."""
    return [r for r in found if r.step == step]


def at_level(found: Iterable[Record], level: str) -> list[Record]:
    """The records at exactly ``level`` (a name such as ``"WARNING"``)."""
    return [r for r in found if r.levelno == LEVELS[level]]


def above(found: Iterable[Record], level: str) -> list[Record]:
    """The records strictly more severe than ``level``."""
    return [r for r in found if r.levelno > LEVELS[level]]


def at_least(found: Iterable[Record], level: str) -> list[Record]:
    """The records at ``level`` or more severe."""
    return [r for r in found if r.levelno >= LEVELS[level]]


def below(found: Iterable[Record], level: str) -> list[Record]:
    """The records strictly less severe than ``level``."""
    return [r for r in found if r.levelno < LEVELS[level]]


def mentions(record: Record, token: str) -> bool:
    """True when the record's message holds ``token`` as a whole word (``42`` is not in ``420``)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", record.message) is not None


def mentioning(found: Iterable[Record], token: str) -> list[Record]:
    """The records whose message names ``token`` (see :func:`mentions`)."""
    return [r for r in found if mentions(r, token)]


def levels_kept(found: Iterable[Record]) -> list[str]:
    """The level names present among ``found``, from DEBUG to CRITICAL."""
    present = {r.level for r in found}
    return [name for name in LEVELS if name in present]


def filtering_errors(found: Iterable[Record], level: str) -> tuple[list[str], list[str]]:
    """For one record per level sent through a logger set to ``level``: (levels wrongly kept, levels wrongly dropped)."""
    kept = levels_kept(found)
    too_low = [name for name in kept if LEVELS[name] < LEVELS[level]]
    dropped = [name for name in LEVELS if LEVELS[name] >= LEVELS[level] and name not in kept]
    return too_low, dropped


def render(found: Iterable[Record], limit: int = 6) -> str:
    """A compact list of records, one ``LEVEL logger: message`` line each, for failure messages."""
    found = list(found)
    if not found:
        return "    (no records)"
    lines = [f"    {r.line()}" for r in found[:limit]]
    if len(found) > limit:
        lines.append(f"    ... {len(found) - limit} more records")
    return "\n".join(lines)


def leaks(found: Iterable[Record], secrets: Mapping[str, str]) -> list[tuple[Record, str, str]]:
    """Every (record, secret name, where) such that a secret's text appears somewhere in the record."""
    hits = []
    for record in found:
        for name, secret in secrets.items():
            for where, text in record.texts():
                if secret and secret in text:
                    hits.append((record, name, where))
                    break
    return hits


def expect_no_leaks(found: Iterable[Record], secrets: Mapping[str, str], source: str, hint: str | None = None) -> None:
    """Fail, showing up to three offending records, when any record carries one of the ``secrets``."""
    hits = leaks(found, secrets)
    if hits:
        lines = "\n".join(f"    {name} in the {where} of: {record.line()}" for record, name, where in hits[:3])
        count = f"{len(hits)} log record{'s' if len(hits) != 1 else ''}"
        raise CheckFailure(f"{count} carr{'ies' if len(hits) == 1 else 'y'} a secret {source}:\n{lines}", hint)


def expect_record(found: Iterable[Record], level: str, what: str, hint: str | None = None) -> list[Record]:
    """The records at ``level``; fails, listing what was logged instead, when there is none."""
    found = list(found)
    chosen = at_level(found, level)
    if not chosen:
        raise CheckFailure(f"{what} should log {article(level)} {level} record, but the shop logger recorded:\n{render(found)}", hint)
    return chosen


def article(level: str) -> str:
    """``an`` before INFO and ERROR, ``a`` before the other level names."""
    return "an" if level[:1] in "AEIOU" else "a"


def step_result(observation: Observation, step: str) -> Mapping[str, Any]:
    """``{"returned": value}`` or ``{"raised": {"type", "message"}}`` for the step labelled ``step``."""
    result = observation.values.get(step)
    if not isinstance(result, Mapping):
        raise CheckFailure(f"the grader's scenario has no step {step!r}; its steps were: {', '.join(map(str, observation.values))}.")
    return result


def describe_result(result: Mapping[str, Any]) -> str:
    """``raised KeyError('x')`` or ``returned None``, for failure messages."""
    if "raised" in result:
        raised = result["raised"]
        return f"raised {raised.get('type')}({raised.get('message', '')!r})"
    return f"returned {result.get('returned')!r}"
