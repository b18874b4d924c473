"""A drill: the evidence of one traffic run with an injected fault, and the truth behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from o11y_course.drills.faults import Fault
from o11y_course.drills.record import record
from o11y_course.drills.traffic import Plan, plan_drill


@dataclass(frozen=True)
class Truth:
    """What the fault injector did in a drill, and the traces that show it."""

    service: str
    operation: str
    kind: str  # "latency" | "errors"
    trace_ids: frozenset[str]  # every trace in which the fault hit a call
    onset_unix_nano: int  # when the deploy before the fault window finished
    fault: Fault

    @property
    def key(self) -> str:
        return f"{self.service}.{self.operation}"


@dataclass(frozen=True)
class Drill:
    """A drill's evidence (spans as dicts, the metrics exposition, JSON log lines) and its truth."""

    seed: int
    spans: tuple[dict[str, Any], ...]
    metrics: str
    logs: tuple[str, ...]
    truth: Truth

    def evidence_fields(self) -> dict[str, Any]:
        """The keyword arguments of the exercise's ``Evidence``: ``spans``, ``metrics``, ``logs``."""
        return {"spans": self.spans, "metrics": self.metrics, "logs": self.logs}


def truth_of(plan: Plan) -> Truth:
    """The truth of a planned drill (no telemetry needed)."""
    fault = plan.fault
    return Truth(fault.service, fault.operation, fault.kind, plan.fault_traces(), plan.onset_ns, fault)


def make_drill(seed: int) -> Drill:
    """Drill ``seed``: the same seed always gives the same evidence and the same truth."""
    plan = plan_drill(seed)
    spans, metrics, logs = record(plan)
    return Drill(seed, spans, metrics, logs, truth_of(plan))
