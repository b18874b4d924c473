"""Matchers for intermediate/03-logging-overhead.

They judge what the ``overhead_probe`` driver saw: the figures ``measure()`` returned, the lines it
wrote to the stream, the grader's own measurement of the same run, and ``FINDINGS.md``.

Tolerances (the exercise's README states them):
- a figure ``measure()`` returns must lie within a factor of ``RESULT_FACTOR`` of the grader's own
  measurement: it times the modes before any learner code runs (once per sandbox zygote) and again
  right after ``measure()``, and accepts anything from a third of the lower of its two figures to
  three times the higher one;
- the ``disabled`` mode costs so little that noise dominates: its ``ns_per_event`` may go up to
  ``DISABLED_NS_FLOOR`` and its ``peak_kib`` up to ``DISABLED_PEAK_FLOOR_KIB`` whatever the grader got;
- ``bytes_per_event`` must agree with what the stream received, within ``BYTES_TOLERANCE``;
- a figure in FINDINGS.md must lie within a factor of ``FINDINGS_FACTOR`` of the grader's measurement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from o11y_course.drivers.overhead_baseline import AMOUNT_CENTS, EVENT, ITEM, LOGGER_NAMES, MODES
from o11y_course.feedback import SubmissionError, fail
from o11y_course.matchers.files import text_from
from o11y_course.matchers.markdown import section, tables, word_count
from o11y_course.observation import LearnerError, Observation

FIGURES = ("ns_per_event", "bytes_per_event", "peak_kib")
RESULT_FACTOR = 3.0
FINDINGS_FACTOR = 10.0
DISABLED_NS_FLOOR = 2000.0
DISABLED_PEAK_FLOOR_KIB = 64.0
BYTES_TOLERANCE = 1.0
MIN_WORDS = 10
SECTIONS = ("Setup", "Results", "Conclusion")
COLUMNS = {"mode": ("mode",), "ns_per_event": ("nsevent", "nsperevent"), "bytes_per_event": ("bytesevent", "bytesperevent")}
COLUMN_TITLES = {"ns_per_event": "ns/event", "bytes_per_event": "bytes/event"}
_PLAIN_LINE = re.compile(r"^(?P<asctime>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<levelname>\S+) (?P<name>\S+): (?P<message>.*)$")
_PLAIN_MESSAGE = re.compile(rf"^{re.escape(EVENT)} order_id=(?P<order_id>\d+) item=(?P<item>\S+) amount_cents=(?P<amount_cents>\d+)$")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_UNITS = {"ns_per_event": ("ns",), "bytes_per_event": ("b", "bytes")}


def show(value: float) -> str:
    """A figure for a message: thousands separated when large, three significant digits when small."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def describe_value(value: Any) -> str:
    """A short description of plain data that came back from the sandbox."""
    if isinstance(value, dict) and set(value) == {"$type", "$repr"}:
        return f"{value['$repr']} (a {value['$type']})"
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- what measure() returned ---------------------------------------------------------------------


def measured(observation: Observation) -> dict[str, Any]:
    """The driver's values; a crash of ``import overhead`` or ``measure()`` makes the check an error."""
    values = observation.values
    crash = values.get("crash")
    if crash is not None:
        error = LearnerError(
            kind="exception",
            phase=crash.get("phase"),
            type=crash.get("type"),
            message=crash.get("message", ""),
            traceback=tuple(crash.get("traceback", ())),
        )
        raise SubmissionError(error.describe())
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def schema_problems(result: Any) -> list[str]:
    """What keeps ``result`` from being ``{mode: {"ns_per_event", "bytes_per_event", "peak_kib"}}`` of numbers >= 0."""
    if not isinstance(result, dict) or set(result) == {"$type", "$repr"}:
        return [f"measure() returned {describe_value(result)}, not a dict with one entry per mode"]
    problems = []
    missing = [mode for mode in MODES if mode not in result]
    if missing:
        problems.append(f"{describe_value(result)} lacks the key{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}")
    extra = [key for key in result if key not in MODES]
    if extra:
        problems.append(f"it has the key {', '.join(repr(k) for k in extra)}, which is not a mode")
    for mode in (m for m in MODES if m in result):
        entry = result[mode]
        if not isinstance(entry, dict) or set(entry) == {"$type", "$repr"}:
            problems.append(f"result[{mode!r}] is {describe_value(entry)}, not a dict of figures")
            continue
        for name in FIGURES:
            if name not in entry:
                problems.append(f"result[{mode!r}] has no {name!r}")
            elif not _is_number(entry[name]):
                problems.append(f"result[{mode!r}][{name!r}] is {describe_value(entry[name])}, not an int or float")
            elif entry[name] < 0:
                problems.append(f"result[{mode!r}][{name!r}] is negative ({entry[name]})")
    return problems


def result_figures(values: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The figures per mode; fails the check when the result does not follow the contract's shape."""
    problems = schema_problems(values.get("returned"))
    if problems:
        fail(
            f"measure() must return the figures of each mode before they can be compared, but {'; '.join(problems[:2])}.",
            'return {"disabled": {...}, "plain": {...}, "structured": {...}}, each with ns_per_event, bytes_per_event and peak_kib',
        )
    returned = values["returned"]
    return {mode: {name: float(returned[mode][name]) for name in FIGURES} for mode in MODES}


# --- what the stream received --------------------------------------------------------------------


@dataclass(frozen=True)
class StreamLines:
    """The stream's lines, told apart: JSON objects are structured events, every other line plain text."""

    structured: tuple[dict[str, Any], ...]
    plain: tuple[str, ...]
    structured_bytes: int = 0
    plain_bytes: int = 0
    total: int = 0
    truncated: bool = False
    samples: tuple[str, ...] = field(default=())


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def split_stream(stream: dict[str, Any]) -> StreamLines:
    """Split the stream summary the driver sent into structured (JSON object) and plain lines."""
    structured: list[dict[str, Any]] = []
    plain: list[str] = []
    sizes = {"structured": 0, "plain": 0}
    for line in stream.get("lines", []):
        size = len(line.encode("utf-8", errors="replace")) + 1  # the newline
        parsed = _json_object(line)
        if parsed is not None:
            structured.append(parsed)
            sizes["structured"] += size
        else:
            plain.append(line)
            sizes["plain"] += size
    return StreamLines(
        tuple(structured),
        tuple(plain),
        sizes["structured"],
        sizes["plain"],
        int(stream.get("line_count", len(structured) + len(plain))),
        bool(stream.get("truncated")),
        tuple(stream.get("lines", [])[:3]),
    )


def excerpt(lines: Iterable[str], limit: int = 3, width: int = 120) -> str:
    """The first few lines, each cut to ``width`` characters, for a message."""
    shown = [line if len(line) <= width else line[: width - 3] + "..." for line in list(lines)[:limit]]
    return "\n".join(shown) if shown else "(nothing)"


def line_count_problem(lines: StreamLines, n: int) -> str | None:
    """Why the stream did not get exactly ``n`` plain lines and ``n`` JSON lines, or ``None``."""
    if len(lines.plain) == n and len(lines.structured) == n and lines.total == 2 * n:
        return None
    return (
        f"For n={n} the stream got {lines.total} lines: {len(lines.structured)} JSON objects (structured) and "
        f"{len(lines.plain)} other lines (plain); expected exactly {n} of each and nothing from the disabled mode. "
        f"First lines:\n{excerpt(lines.samples)}"
    )


def plain_line_problems(lines: Sequence[str], n: int) -> list[str]:
    """What keeps ``lines`` from being the contract's plain events with order ids 0..n-1."""
    problems: dict[str, list[str]] = {}
    order_ids = []
    for line in lines:
        match = _PLAIN_LINE.match(line)
        message = _PLAIN_MESSAGE.match(match.group("message")) if match else None
        if match is None or message is None:
            problems.setdefault("do not have the contract's plain format, e.g.", []).append(line)
        elif match.group("levelname") != "INFO" or match.group("name") != LOGGER_NAMES["plain"]:
            problems.setdefault(f"do not come from the logger {LOGGER_NAMES['plain']!r} at INFO, e.g.", []).append(line)
        elif message.group("item") != ITEM or int(message.group("amount_cents")) != AMOUNT_CENTS:
            problems.setdefault(f"do not carry item={ITEM} amount_cents={AMOUNT_CENTS}, e.g.", []).append(line)
        else:
            order_ids.append(int(message.group("order_id")))
    found = [f"{len(bad)} of {len(lines)} plain lines {what} {bad[0][:120]!r}" for what, bad in problems.items()]
    if not found and sorted(order_ids) != list(range(n)):
        found.append(f"the plain lines should carry order_id 0 to {n - 1}, once each; found {_id_summary(order_ids)}")
    return found


def _timestamp_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def structured_line_problems(objects: Sequence[dict[str, Any]], n: int) -> list[str]:
    """What keeps ``objects`` from being the contract's JSON events with order ids 0..n-1."""
    expected = {"event": EVENT, "level": "info", "item": ITEM, "amount_cents": AMOUNT_CENTS}
    problems: dict[str, list[dict[str, Any]]] = {}
    order_ids = []
    for obj in objects:
        wrong = [key for key, value in expected.items() if obj.get(key) != value or isinstance(obj.get(key), bool)]
        if not _timestamp_ok(obj.get("timestamp")):
            wrong.append("timestamp")
        order_id = obj.get("order_id")
        if not isinstance(order_id, int) or isinstance(order_id, bool):
            wrong.append("order_id")
        if wrong:
            problems.setdefault(", ".join(wrong), []).append(obj)
        else:
            order_ids.append(order_id)
    found = [
        f"{len(bad)} of {len(objects)} JSON lines have a missing or wrong {keys}, e.g. {json.dumps(bad[0])[:160]}"
        for keys, bad in problems.items()
    ]
    if not found and sorted(order_ids) != list(range(n)):
        found.append(f"the JSON lines should carry order_id 0 to {n - 1}, once each; found {_id_summary(order_ids)}")
    return found


def _id_summary(order_ids: list[int]) -> str:
    if not order_ids:
        return "none"
    distinct = len(set(order_ids))
    return f"{len(order_ids)} ids from {min(order_ids)} to {max(order_ids)} ({distinct} distinct)"


# --- the grader's own measurement ----------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The accepted range for one figure, and the grader's own figures it was built from."""

    low: float
    high: float
    grader: tuple[float, ...]

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self, unit: str) -> str:
        seen = "-".join(dict.fromkeys(show(g) for g in sorted(self.grader)))
        return f"the grader measured {seen} {unit} in the same run (accepted: {show(self.low)} to {show(self.high)})"


def window(grader: Sequence[float], factor: float, *, floor: float = 0.0, low: float | None = None) -> Window:
    """From ``min(grader) / factor`` (or ``low``) to ``max(max(grader) * factor, floor)``."""
    bottom = min(grader) / factor if low is None else low
    return Window(bottom, max(max(grader) * factor, floor), tuple(grader))


def timing_window(baseline: dict[str, Any], mode: str, factor: float = RESULT_FACTOR) -> Window:
    """The accepted ``ns_per_event`` of ``mode``: both of the grader's timings, widened by ``factor``."""
    timings = baseline["ns_per_event"]
    grader = [timings[when][mode] for when in ("before", "after") if when in timings]
    return window(grader, factor, floor=DISABLED_NS_FLOOR if mode == "disabled" else 0.0)


def peak_window(baseline: dict[str, Any], mode: str) -> Window:
    """The accepted ``peak_kib`` of ``mode``; the disabled mode's tiny peak only has an upper bound."""
    grader = [baseline["peak_kib"][mode]]
    if mode == "disabled":
        return window(grader, RESULT_FACTOR, floor=DISABLED_PEAK_FLOOR_KIB, low=0.0)
    return window(grader, RESULT_FACTOR)


def bytes_window(baseline: dict[str, Any], mode: str, factor: float = FINDINGS_FACTOR) -> Window:
    """The accepted bytes per event of ``mode`` in FINDINGS.md; the disabled mode writes nothing, so 0."""
    grader = [baseline["bytes_per_event"][mode]]
    if mode == "disabled":
        return Window(0.0, 0.0, tuple(grader))
    return window(grader, factor)


# --- FINDINGS.md ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Findings:
    """What FINDINGS.md says: its problems against the contract, and the figures its table holds."""

    problems: tuple[str, ...]
    figures: dict[str, dict[str, float]]
    table_problems: tuple[str, ...] = ()


def findings_text(values: dict[str, Any]) -> str:
    """The text of FINDINGS.md; fails the check when it is missing or was not read."""
    return text_from(values.get("findings") or {}, "FINDINGS.md",
                     "start from the FINDINGS.md template with the sections Setup, Results and Conclusion")


def _key(cell: str) -> str:
    return re.sub(r"[^a-z]", "", cell.lower())


def parse_figure(cell: str, column: str) -> float | None:
    """The number in a table cell (``31,200``, ``0.6``, ``~97``, ``390 ns``), or ``None``."""
    text = cell.replace("*", "").replace("`", "").strip().lstrip("~≈").strip()
    parts = text.rsplit(None, 1)
    if len(parts) == 2 and parts[1].lower() in _UNITS.get(column, ()):
        text = parts[0]
    if not _NUMBER.match(text):
        return None
    return float(text.replace(",", ""))


def _table_columns(header: Sequence[str]) -> dict[str, int]:
    keys = [_key(cell) for cell in header]
    return {name: keys.index(k) for name, accepted in COLUMNS.items() for k in accepted if k in keys}


def read_findings(text: str) -> Findings:
    """Check the required sections and read the results table of FINDINGS.md."""
    problems: list[str] = []
    table_problems: list[str] = []
    figures: dict[str, dict[str, float]] = {}
    for title in SECTIONS:
        found = section(text, title)
        if found is None:
            problems.append(f"there is no '## {title}' section")
            continue
        if re.search(r"\bTODO\b", found.body):
            problems.append(f"the {title} section still says TODO")
        elif title != "Results" and word_count(found.body) < MIN_WORDS:
            problems.append(f"the {title} section has {word_count(found.body)} words; write at least {MIN_WORDS}")
        if title == "Results":
            figures = _read_results(found.body, table_problems)
            problems += table_problems
    return Findings(tuple(problems), figures, tuple(table_problems))


def _read_results(body: str, problems: list[str]) -> dict[str, dict[str, float]]:
    candidates = [t for t in tables(body) if len(_table_columns(t.header)) == len(COLUMNS)]
    if not candidates:
        problems.append("the Results section has no table with the columns mode, ns/event and bytes/event")
        return {}
    table = candidates[0]
    columns = _table_columns(table.header)
    rows = {_key(row[columns["mode"]]): row for row in table.rows}
    figures: dict[str, dict[str, float]] = {}
    for mode in MODES:
        row = rows.get(mode)
        if row is None:
            problems.append(f"the results table has no row for the mode {mode!r}")
            continue
        figures[mode] = {}
        for name, title in COLUMN_TITLES.items():
            value = parse_figure(row[columns[name]], name)
            if value is None:
                problems.append(f"the {title} of {mode!r} in the results table is {row[columns[name]]!r}, not a number")
            else:
                figures[mode][name] = value
    return figures
