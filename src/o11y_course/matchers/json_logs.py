"""Judging JSON log lines: one object per line, checked against a JSON Schema, grouped by request.

Lines arrive as the text the learner's app wrote to its log stream (see ``drivers/flask_app.py``);
with several apps in one scenario each line is prefixed ``<index>|``. Everything here works on the
parsed objects, never on substrings of the raw text.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from o11y_course.course import find_course
from o11y_course.feedback import CheckFailure
from o11y_course.observation import Observation
from o11y_course.scenario import HttpExchange

REQUEST_ID_HEADER = "X-Request-ID"
EXCERPT = 160
_APP_PREFIX = re.compile(r"(\d+)\|")
_FIRST_KEYS = ("event", "level", "request_id", "method", "endpoint", "status_code", "duration_ms")
JSON_HINT = "write exactly one JSON object per line and nothing else: end the processor chain with structlog.processors.JSONRenderer()"


@dataclass(frozen=True)
class LogLine:
    """One parsed log line: which app wrote it, its 1-based number in that app's stream, its fields."""

    app: int
    number: int
    fields: Mapping[str, Any]

    @property
    def event(self) -> Any:
        return self.fields.get("event")

    @property
    def request_id(self) -> Any:
        return self.fields.get("request_id")

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    def render(self, width: int = EXCERPT) -> str:
        """``line 3: {"event": "request started", ...}``, one line, control characters escaped."""
        ordered = {k: self.fields[k] for k in _FIRST_KEYS if k in self.fields}
        ordered.update({k: v for k, v in self.fields.items() if k not in ordered})
        where = f"app {self.app} line {self.number}" if self.app else f"line {self.number}"
        return f"{where}: {_cut(json.dumps(ordered, ensure_ascii=True, default=str), width)}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def parse_lines(raw: Iterable[str], *, several_apps: bool = False, source: str = "the log stream") -> list[LogLine]:
    """Parse every line as a JSON object; the first one that is not fails the check, naming its number."""
    parsed: list[LogLine] = []
    counts: dict[int, int] = {}
    for text in raw:
        app = 0
        if several_apps and (prefix := _APP_PREFIX.match(text)):
            app, text = int(prefix.group(1)), text[prefix.end():]
        counts[app] = number = counts.get(app, 0) + 1
        where = f"line {number} of {source}" + (f" of app {app}" if several_apps else "")
        excerpt = _cut(text, 80)
        try:
            fields = json.loads(text)
        except ValueError as exc:
            reason = "it is empty" if not text.strip() else f"the JSON parser said {exc.msg} at column {exc.colno}"
            raise CheckFailure(f"{where} is not a JSON object: {reason} (line: {excerpt!r}).", JSON_HINT) from None
        if not isinstance(fields, dict):
            raise CheckFailure(f"{where} is JSON but not an object: it is a {type(fields).__name__} (line: {excerpt!r}).", JSON_HINT)
        parsed.append(LogLine(app, number, fields))
    return parsed


def course_exercise_file(check_file: str | Path, name: str) -> Path:
    """The grader's own copy of a file in the exercise folder of the check file ``check_file``.

    Checks live in ``<course>/checks/<tier>/<NN-slug>/``, so the copy is
    ``<course>/exercises/<tier>/<NN-slug>/<name>``: part of the course, never of the submission, so
    a learner who edits their own copy changes nothing. When the checks run from a merged temporary
    tree (``o11y grade --checks``), the course is found as the command line finds it (``find_course``).
    """
    check_dir = Path(check_file).resolve().parent
    tier, folder = check_dir.parent.name, check_dir.name
    beside = check_dir.parents[1] / "exercises" / tier / folder / name
    if beside.is_file():
        return beside
    return find_course().exercises_dir / tier / folder / name


def load_schema(path: Path) -> Draft202012Validator:
    """A validator for the JSON Schema (draft 2020-12) stored at ``path`` (read again when the file changes)."""
    info = path.stat()
    return _validator(str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=8)
def _validator(path: str, mtime_ns: int, size: int) -> Draft202012Validator:
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_problem(line: LogLine, validator: Draft202012Validator) -> str | None:
    """Where and how ``line`` breaks the schema (its most relevant error), or None when it validates."""
    error = best_match(validator.iter_errors(dict(line.fields)))
    if error is None:
        return None
    if error.json_path == "$":
        return f"at the top level: {_cut(error.message, 120)}"
    rule = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    return f"at {error.json_path}: {_cut(error.message, 120)}" + (f" (the schema says: {rule})" if rule else "")


def expect_schema_valid(lines: Iterable[LogLine], validator: Draft202012Validator, schema_name: str, hint: str | None = None) -> None:
    """Fail on the first line that does not validate, naming its number, the field and the error."""
    for line in lines:
        problem = schema_problem(line, validator)
        if problem is not None:
            raise CheckFailure(f"log line {line.number} does not match {schema_name} {problem}.\n    {line.render()}", hint)


def with_event(lines: Iterable[LogLine], event: str) -> list[LogLine]:
    """The lines whose ``event`` is ``event``."""
    return [line for line in lines if line.event == event]


def by_request(lines: Iterable[LogLine]) -> dict[Any, list[LogLine]]:
    """Lines grouped by their ``request_id`` (None for lines without one), in log order."""
    groups: dict[Any, list[LogLine]] = {}
    for line in lines:
        key = line.request_id if isinstance(line.request_id, str) else None
        groups.setdefault(key, []).append(line)
    return groups


def render(lines: Iterable[LogLine], limit: int = 3, width: int = EXCERPT) -> str:
    """A few lines for a message, indented, with a count of those left out."""
    chosen = list(lines)
    shown = [f"    {line.render(width)}" for line in chosen[:limit]]
    if len(chosen) > limit:
        shown.append(f"    ... {len(chosen) - limit} more line{'s' if len(chosen) - limit != 1 else ''}")
    return "\n".join(shown) if shown else "    (no lines)"


def request_pair(lines: Iterable[LogLine], request_id: str, what: str, hint: str | None = None) -> tuple[LogLine, LogLine]:
    """The single "request started" and "request completed" lines of one request, or a failure saying what was found."""
    own = [line for line in lines if line.request_id == request_id]
    started, completed = with_event(own, "request started"), with_event(own, "request completed")
    if len(started) != 1 or len(completed) != 1:
        shared = " (several requests logged under this one id)" if len(started) > 1 and len(completed) > 1 else ""
        raise CheckFailure(
            f"{what} should log exactly one \"request started\" and one \"request completed\" line with request_id "
            f"{request_id!r}; found {len(started)} and {len(completed)}{shared}. Its lines:\n{render(own, 4)}",
            hint,
        )
    return started[0], completed[0]


def exception_summary(value: Any) -> str | None:
    """``RuntimeError: boom`` from a rendered exception (format_exc_info's text or dict_tracebacks' list)."""
    if isinstance(value, str):
        lines = [text.strip() for text in value.strip().splitlines() if text.strip()]
        return lines[-1] if lines else None
    if isinstance(value, list) and value and isinstance(value[-1], Mapping):
        last = value[-1]
        if "exc_type" in last:
            return f"{last['exc_type']}: {last.get('exc_value', '')}".strip()
    return None


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a parsed JSON value, keys included, as (field path, text) pairs."""
    if isinstance(value, str):
        yield path or "(value)", value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield f"a field name in {path or 'the line'}", str(key)
            yield from strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")


def find_text(lines: Iterable[LogLine], needle: str) -> tuple[LogLine, str] | None:
    """The first line (and the field in it) whose parsed text contains ``needle``."""
    for line in lines:
        for where, text in strings(line.fields):
            if needle in text:
                return line, where
    return None


def is_uuid4(text: Any) -> bool:
    """True when ``text`` parses as a UUID of version 4 (with or without dashes)."""
    if not isinstance(text, str) or len(text) not in (32, 36):
        return False
    try:
        return uuid.UUID(text).version == 4
    except ValueError:
        return False


def response_header(exchange: HttpExchange, name: str = REQUEST_ID_HEADER) -> str | None:
    """A response header by name, ignoring case (HTTP header names are case-insensitive)."""
    wanted = name.lower()
    for key, value in exchange.headers.items():
        if key.lower() == wanted:
            return value
    return None


def logged_lines(observation: Observation, *, several_apps: bool = False, hint: str | None = None) -> list[LogLine]:
    """The scenario's log lines, parsed; fails when the app wrote none to the stream it was given."""
    lines = parse_lines(observation.logs, several_apps=several_apps)
    if not lines:
        raise CheckFailure(
            "create_app(log_stream=...) was given a stream, but the app wrote no line to it during the scenario.",
            hint or "write every log line to the log_stream passed to create_app() (sys.stdout only when it is None)",
        )
    return lines
