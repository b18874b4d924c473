"""Judging whether log lines point at the span that was active when they were written.

The convention (OpenTelemetry, "trace context in non-OTLP log formats"): top-level ``trace_id``
(32 lowercase hex digits) and ``span_id`` (16 lowercase hex digits) on every JSON line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from o11y_course.feedback import CheckFailure

TRACE_ID = re.compile(r"[0-9a-f]{32}")
SPAN_ID = re.compile(r"[0-9a-f]{16}")
EXCERPT = 140
IDS_HINT = (
    "add a structlog processor that reads trace.get_current_span().get_span_context() and, when it is valid, sets "
    "event_dict['trace_id'] = trace.format_trace_id(ctx.trace_id) and event_dict['span_id'] = trace.format_span_id(ctx.span_id)"
)


@dataclass(frozen=True)
class LogEntry:
    """One parsed line of a service's log stream."""

    service: str
    phase: int
    number: int  # 1-based within the service's stream
    fields: Mapping[str, Any]
    text: str

    def excerpt(self) -> str:
        return self.text if len(self.text) <= EXCERPT else self.text[: EXCERPT - 3] + "..."


def parse_entries(logs: Iterable[Mapping[str, Any]]) -> list[LogEntry]:
    """Parse ``{"service", "phase", "line"}`` records; a line that is not a JSON object fails the check."""
    entries: list[LogEntry] = []
    numbers: dict[str, int] = {}
    for record in logs:
        service, text = str(record.get("service")), str(record.get("line", ""))
        numbers[service] = number = numbers.get(service, 0) + 1
        try:
            fields = json.loads(text)
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise CheckFailure(
                f"line {number} of the {service}'s log stream is not a JSON object: {shown!r}.",
                "log through one structlog logger per app that ends its processors with structlog.processors.JSONRenderer()",
            )
        entries.append(LogEntry(service, int(record.get("phase", -1)), number, fields, text))
    return entries


def id_problem(entry: LogEntry) -> str | None:
    """Why the line's ``trace_id``/``span_id`` fields are missing or malformed, or None when they look right."""
    where = f"line {entry.number} of the {entry.service}'s log stream"
    missing = [k for k in ("trace_id", "span_id") if k not in entry.fields]
    if missing:
        return f"{where} has no {' and no '.join(missing)}: {entry.excerpt()}"
    trace_id, span_id = entry.fields["trace_id"], entry.fields["span_id"]
    if not (isinstance(trace_id, str) and TRACE_ID.fullmatch(trace_id)):
        return f"{where} has trace_id {trace_id!r}, expected 32 lowercase hex digits (trace.format_trace_id)"
    if not (isinstance(span_id, str) and SPAN_ID.fullmatch(span_id)):
        return f"{where} has span_id {span_id!r}, expected 16 lowercase hex digits (trace.format_span_id)"
    return None


def span_problem(entry: LogEntry, spans: Iterable[Mapping[str, Any]], what: str) -> str | None:
    """Why the line's ids name no span among ``spans`` (the service's spans of that request), or None."""
    spans = list(spans)
    trace_id, span_id = entry.fields["trace_id"], entry.fields["span_id"]
    match = next((s for s in spans if s.get("span_id") == span_id), None)
    where = f"line {entry.number} of the {entry.service}'s log stream"
    if match is None and not spans:
        return f"{where} (during {what}) has span_id {span_id}, but the {entry.service} exported no span for that request, so the ids lead nowhere"
    if match is None:
        known = ", ".join(f"{s.get('span_id')} ({s.get('name')})" for s in spans[:4]) or "none"
        return f"{where} (during {what}) has span_id {span_id}, which is none of the {entry.service}'s spans of that request ({known})"
    if match.get("trace_id") != trace_id:
        return f"{where} (during {what}) has trace_id {trace_id}, but its span {span_id} belongs to trace {match.get('trace_id')}"
    return None
