"""The incident drill's types: the evidence you get and the diagnosis you give. Provided: keep it as it is.

The grader builds ``Evidence(spans=..., metrics=..., logs=...)`` with the class in this file and
reads the four attributes of whatever ``diagnose()`` returns, so changing this file gains nothing
and may break the grading of your work.

Look at a drill yourself::

    python incident.py 101                  # a summary of public drill 101
    python incident.py 101 --save drill     # drill/spans.jsonl, drill/metrics.txt, drill/logs.jsonl
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Kind = Literal["latency", "errors"]

# The two drills the public checks run (the hidden checks run 20 others).
PUBLIC_DRILLS = {"latency spike after a deploy": 101, "intermittent errors between two services": 133}


@dataclass(frozen=True)
class Evidence:
    """What the on-call engineer has: the telemetry of one traffic run of the shop.

    spans    every span of the run as a dict, in start order (see the README for the keys)
    metrics  the Prometheus text exposition scraped at the end of the run
    logs     the JSON log lines of every service, in time order
    """

    spans: tuple[dict[str, Any], ...]
    metrics: str
    logs: tuple[str, ...]


@dataclass(frozen=True)
class Diagnosis:
    """Where the fault is, what kind it is, and one trace that shows it."""

    service: str  # e.g. "payments"
    operation: str  # the span name, e.g. "charge"
    kind: Kind  # "latency" or "errors"
    example_trace_id: str  # 32 lowercase hex digits


def load_drill(seed: int) -> Evidence:
    """The evidence of drill ``seed``, built by the course's simulator exactly as the grader builds it."""
    from o11y_course.drills import make_drill

    return Evidence(**make_drill(seed).evidence_fields())


def save_drill(evidence: Evidence, folder: str | Path) -> Path:
    """Write the evidence to ``folder`` as spans.jsonl, metrics.txt and logs.jsonl, to read or grep."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    (target / "spans.jsonl").write_text("".join(json.dumps(span) + "\n" for span in evidence.spans), encoding="utf-8")
    (target / "metrics.txt").write_text(evidence.metrics, encoding="utf-8")
    (target / "logs.jsonl").write_text("".join(line + "\n" for line in evidence.logs), encoding="utf-8")
    return target


def _summary(seed: int, evidence: Evidence) -> str:
    traces = {span["trace_id"] for span in evidence.spans}
    services = sorted({span["service"] for span in evidence.spans})
    return (
        f"drill {seed}: {len(traces)} requests, {len(evidence.spans)} spans, {len(evidence.logs)} log lines, "
        f"{len(evidence.metrics.splitlines())} exposition lines\nservices: {', '.join(services)}"
    )


if __name__ == "__main__":
    if len(sys.argv) not in (2, 4) or not sys.argv[1].isdigit() or (len(sys.argv) == 4 and sys.argv[2] != "--save"):
        sys.exit("usage: python incident.py SEED [--save FOLDER]")
    drill_seed = int(sys.argv[1])
    drill = load_drill(drill_seed)
    print(_summary(drill_seed, drill))
    if len(sys.argv) == 4:
        print(f"saved to {save_drill(drill, sys.argv[3])}/")
