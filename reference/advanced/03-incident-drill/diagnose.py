"""Diagnose an incident drill: detect with metrics, locate with traces, explain with logs."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from incident import Diagnosis, Evidence
from prometheus_client.parser import text_string_to_metric_families

Op = tuple[str, str]  # (service, operation)
OUTLIER_MS = 200.0  # a call this much slower than its operation's usual self time is an outlier


def error_ratios(exposition: str) -> dict[Op, float]:
    """Detect: the share of 5xx answers of every operation, from shop_requests_total."""
    totals: dict[Op, float] = defaultdict(float)
    errors: dict[Op, float] = defaultdict(float)
    # Hand the parser only the counter's lines: the latency histogram holds most of the exposition.
    counter = "\n".join(line for line in exposition.splitlines() if "shop_requests_" in line.split("{", 1)[0])
    for family in text_string_to_metric_families(counter + "\n"):
        if family.name != "shop_requests":
            continue
        for sample in family.samples:
            if sample.name != "shop_requests_total":
                continue
            op = (sample.labels["service"], sample.labels["operation"])
            totals[op] += sample.value
            if sample.labels["status"].startswith("5"):
                errors[op] += sample.value
    return {op: errors[op] / totals[op] for op in totals if totals[op]}


def onset_of(records: list[dict[str, Any]], spans: tuple[dict[str, Any], ...]) -> int:
    """When the trouble may have started: the last deploy, or a quarter into the run without one."""
    deploys = [r for r in records if r.get("event") == "deploy finished"]
    if deploys:
        return max(_nanos(r["timestamp"]) for r in deploys)
    starts = sorted(span["start_time_unix_nano"] for span in spans)
    return starts[len(starts) // 4]


def _nanos(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000) * 1_000_000


def self_times(spans: tuple[dict[str, Any], ...]) -> dict[str, float]:
    """Each span's own time in ms: its duration minus the durations of its children."""
    own = {span["span_id"]: span["duration_ms"] for span in spans}
    for span in spans:
        if span["parent_span_id"] in own:
            own[span["parent_span_id"]] -= span["duration_ms"]
    return own


def root_cause_errors(spans: tuple[dict[str, Any], ...]) -> set[str]:
    """The ids of failed spans none of whose children failed: where each error starts."""
    failed = {span["span_id"] for span in spans if span["status"] == "ERROR"}
    failing_parents = {span["parent_span_id"] for span in spans if span["span_id"] in failed}
    return failed - failing_parents


def _shift(spans_of_op: list[dict[str, Any]], onset: int, marked: set[str]) -> float:
    """How much more often the op's spans are ``marked`` after the onset than before it."""
    before = [s for s in spans_of_op if s["start_time_unix_nano"] < onset]
    after = [s for s in spans_of_op if s["start_time_unix_nano"] >= onset]
    if not after:
        return 0.0
    share_after = sum(s["span_id"] in marked for s in after) / len(after)
    share_before = sum(s["span_id"] in marked for s in before) / len(before) if before else 0.0
    return share_after - share_before


def diagnose(evidence: Evidence) -> Diagnosis:
    """Name the faulty operation, the kind of fault, and a trace that shows it."""
    records = [json.loads(line) for line in evidence.logs]
    spans = evidence.spans
    onset = onset_of(records, spans)
    by_op: dict[Op, list[dict[str, Any]]] = defaultdict(list)
    for span in spans:
        by_op[(span["service"], span["name"])].append(span)

    # Detect: which operations answer 5xx at all (metrics); a healthy one may fail now and then.
    ratios = error_ratios(evidence.metrics)

    # Locate: compare each operation with its own past, in its own time (self time) and its own errors.
    own = self_times(spans)
    starts = root_cause_errors(spans)
    slow: set[str] = set()
    for op_spans in by_op.values():
        usual = [own[s["span_id"]] for s in op_spans if s["start_time_unix_nano"] < onset] or [own[s["span_id"]] for s in op_spans]
        limit = statistics.median(usual) + OUTLIER_MS
        slow |= {s["span_id"] for s in op_spans if own[s["span_id"]] > limit}
    error_scores = {op: _shift(op_spans, onset, starts) for op, op_spans in by_op.items() if ratios.get(op, 0.0) > 0}
    latency_scores = {op: _shift(op_spans, onset, slow) for op, op_spans in by_op.items()}
    worst_errors = max(error_scores, key=error_scores.get, default=None)
    worst_latency = max(latency_scores, key=latency_scores.get)
    if worst_errors is not None and error_scores[worst_errors] > latency_scores[worst_latency]:
        op, kind, marked = worst_errors, "errors", starts
    else:
        op, kind, marked = worst_latency, "latency", slow

    # Explain: prefer an example that fails in the way most calls fail since the change, and not in a
    # way seen before it (the usual flakiness), and whose span the service's own logs talk about.
    candidates = [s for s in by_op[op] if s["span_id"] in marked and s["start_time_unix_nano"] >= onset]
    usual_failures = {s["status_message"] for s in by_op[op] if s["start_time_unix_nano"] < onset}
    common = Counter(s["status_message"] for s in candidates)
    explained = {r.get("span_id") for r in records if r.get("service") == op[0] and r.get("level") in ("warning", "error")}
    candidates.sort(
        key=lambda s: (s["status_message"] in usual_failures, -common[s["status_message"]], s["span_id"] not in explained, -own[s["span_id"]])
    )
    return Diagnosis(service=op[0], operation=op[1], kind=kind, example_trace_id=candidates[0]["trace_id"])


if __name__ == "__main__":
    from incident import PUBLIC_DRILLS, load_drill

    for name, seed in PUBLIC_DRILLS.items():
        print(f"{name} (drill {seed}): {diagnose(load_drill(seed))}")
