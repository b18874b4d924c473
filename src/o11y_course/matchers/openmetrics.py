"""Judging OpenMetrics expositions and their exemplars (prometheus-client's OpenMetrics parser).

Exemplars only exist in the OpenMetrics format; the Prometheus text parser drops them silently, so
an exposition must be parsed with the parser of the format it was served in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.metrics import Exposition, parsed_families

OPENMETRICS_MIMETYPE = "application/openmetrics-text"
TRACE_ID = re.compile(r"[0-9a-f]{32}")
NEGOTIATE_HINT = (
    "serve /metrics with encoder, content_type = prometheus_client.exposition.choose_encoder(request.headers.get('Accept', '')) "
    "and Response(encoder(registry), content_type=content_type)"
)


@dataclass(frozen=True)
class FoundExemplar:
    """One exemplar and the sample it is attached to."""

    sample: str  # e.g. app_request_latency_seconds_bucket{endpoint="/x",le="0.1"}
    labels: dict[str, str]
    value: float


def parse_openmetrics(text: str, source: str) -> Exposition:
    """Parse the OpenMetrics format; a parse error becomes a check failure naming the parser's words."""
    try:
        families = {f.name: f for f in parsed_families(text_string_to_metric_families, text)}
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        first = text.strip().splitlines()[0][:80] if text.strip() else "(empty)"
        raise CheckFailure(
            f"{source} is not valid OpenMetrics: the parser said {str(exc)[:120]!r} (body starts: {first!r}).", NEGOTIATE_HINT
        ) from None
    return Exposition(families, source)


def _selector(name: str, labels: dict[str, str]) -> str:
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def exemplars(family: Metric) -> list[FoundExemplar]:
    """Every exemplar of the family, in exposition order."""
    return [
        FoundExemplar(_selector(s.name, s.labels), dict(s.exemplar.labels), s.exemplar.value)
        for s in family.samples
        if s.exemplar is not None
    ]


@dataclass(frozen=True)
class TraceLabel:
    """A metric label that holds a trace id (or is named for one)."""

    sample: str
    label: str
    value: str


def trace_id_labels(families: Iterable[Metric], trace_ids: Iterable[str] = ()) -> list[TraceLabel]:
    """Labels whose value is a known trace id or looks like one (32 hex digits), or whose name says trace."""
    known = {t.lower() for t in trace_ids}
    found = []
    for family in families:
        for sample in family.samples:
            for label, value in sample.labels.items():
                if value.lower() in known or TRACE_ID.fullmatch(value.lower()) or "trace" in label.lower():
                    found.append(TraceLabel(_selector(sample.name, sample.labels), label, value))
    return found
