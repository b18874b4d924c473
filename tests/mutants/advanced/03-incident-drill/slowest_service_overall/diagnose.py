"""Diagnose an incident drill by blaming the slowest service."""

from __future__ import annotations

import statistics
from collections import defaultdict

from incident import Diagnosis, Evidence


def diagnose(evidence: Evidence) -> Diagnosis:
    """The service whose spans take longest on average, its slowest operation, and its slowest trace."""
    by_service: dict[str, list[dict]] = defaultdict(list)
    for span in evidence.spans:
        by_service[span["service"]].append(span)
    service = max(by_service, key=lambda name: statistics.mean(s["duration_ms"] for s in by_service[name]))
    slowest = max(by_service[service], key=lambda s: s["duration_ms"])
    return Diagnosis(service=service, operation=slowest["name"], kind="latency", example_trace_id=slowest["trace_id"])
