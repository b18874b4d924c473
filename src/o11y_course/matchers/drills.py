"""Judging incident-drill diagnoses: the truth of each drill is worked out again from its seed.

The checks never store answers. For each seed they plan the drill with the course's simulator
(``o11y_course.drills``, grader code), compare the learner's diagnosis with the injected fault,
and explain a miss with what the evidence showed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from o11y_course.drills import KINDS, OPERATIONS, SERVICES, Plan, fault_of, plan_drill
from o11y_course.drills.shop import FAULT_TARGETS, FLAKY, ancestors, descendants
from o11y_course.drills.traffic import PlannedSpan
from o11y_course.feedback import SubmissionError, fail
from o11y_course.observation import LearnerError

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
SLOW_EVERY_DAY = "catalog.search"


def hidden_seeds(base: str, count: int = 20) -> list[int]:
    """``count`` drill seeds drawn from ``base``: kinds alternate and every operation gets both kinds.

    Drill ``i`` wants the fault kind ``KINDS[i % 2]`` on ``FAULT_TARGETS[(i // 2) % 7]``; its seed
    is the first of ``sha256(base:i:n)`` (n = 0, 1, ...) whose fault is that one. The same base
    always gives the same seeds, and nobody can tell the seeds without the base.
    """
    seeds = []
    for index in range(count):
        wanted = (FAULT_TARGETS[(index // 2) % len(FAULT_TARGETS)], KINDS[index % 2])
        attempt = 0
        while True:
            digest = hashlib.sha256(f"{base}:{index}:{attempt}".encode()).digest()
            seed = int.from_bytes(digest[:4], "big")
            fault = fault_of(seed)
            if (fault.target, fault.kind) == wanted and seed not in seeds:
                seeds.append(seed)
                break
            attempt += 1
    return seeds


@lru_cache(maxsize=64)
def planned(seed: int) -> Plan:
    """The plan of drill ``seed`` (cached: several checks judge the same drills; nothing changes a plan)."""
    return plan_drill(seed)


@dataclass(frozen=True)
class Verdict:
    """How one diagnosis compares with its drill's truth; each ``*_note`` says why a part is wrong."""

    label: str  # how messages name the drill: "drill 7", "drill 107"
    seed: int
    located: bool  # service and operation right
    kind_right: bool
    shows_fault: bool  # example_trace_id is a trace in which the fault hit
    location_note: str = ""
    kind_note: str = ""
    trace_note: str = ""
    crash: dict[str, Any] | None = None


def _crash_text(crash: dict[str, Any]) -> str:
    error = LearnerError(kind="exception", phase=crash.get("phase"), type=crash.get("type"), message=crash.get("message", ""),
                         traceback=tuple(crash.get("traceback", ())))
    return error.describe()


def drill_entries(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The driver's per-drill entries; a crash while importing the learner's modules is an error for the check."""
    if "crash" in values:
        raise SubmissionError(_crash_text(values["crash"]))
    return list(values.get("drills", []))


def _fault_words(plan: Plan) -> str:
    return f"{plan.fault.kind} in {plan.fault.target}"


def _location_note(plan: Plan, service: str, operation: str) -> str:
    truth, kind = plan.fault.target, plan.fault.kind
    named = f"{service}.{operation}"
    if named not in OPERATIONS:
        if service not in SERVICES:
            return f"you named the service {service!r}, which is not in the shop (its services: {', '.join(SERVICES)})"
        known = ", ".join(repr(op.name) for op in OPERATIONS.values() if op.service == service)
        return f"you named the operation {operation!r} of {service}, which has none by that name (its operations: {known}); use the span's name"
    chain = [truth, *ancestors(truth)]
    if named in chain[1:]:
        below = chain[chain.index(named) - 1]
        if kind == "errors":
            return f"you named {named}, which only failed because its call to {below} failed: find the deepest span with an error status"
        return f"you named {named}, which was slow only because its call to {below} was: compare self time (a span's duration minus its children's)"
    if named in descendants(truth):
        return f"you named {named}, which {truth} calls and which stayed healthy"
    if named == SLOW_EVERY_DAY:
        return f"you named {named}, which is the slowest operation in every drill, before the fault too: compare each operation with its own usual behaviour"
    if named in FLAKY and kind == "errors":
        return f"you named {named}, whose few failures are its usual flakiness (payments retries them): compare with its error share before the change"
    return f"you named {named}, which shows nothing unusual in this drill"


@lru_cache(maxsize=64)
def _spans_by_trace(seed: int) -> dict[str, list[PlannedSpan]]:
    """The planned spans of drill ``seed``, grouped by trace id (judging looks one trace up per drill)."""
    grouped: dict[str, list[PlannedSpan]] = {}
    for span in planned(seed).spans():
        grouped.setdefault(span.trace_id, []).append(span)
    return grouped


def _trace_note(seed: int, trace_id: str) -> str:
    truth = planned(seed).fault.target
    if not TRACE_ID.match(trace_id):
        return f"example_trace_id {trace_id!r} is not 32 lowercase hex digits: copy the trace_id of a span"
    spans = _spans_by_trace(seed).get(trace_id, [])
    if not spans:
        return f"trace {trace_id} is not a trace of this drill"
    if any(s.hit for s in spans):
        return ""
    target = [s for s in spans if s.key == truth]
    if not target:
        return f"trace {trace_id} has no {truth} span, so it cannot show the fault"
    span = target[0]
    took = (span.end_ns - span.start_ns) / 1e6
    return (
        f"the fault did not hit the {truth} span of trace {trace_id} (it took {took:.0f} ms and answered {span.status}): "
        "pick a trace in which that operation failed, or was far slower than usual, after the change"
    )


def judge(label: str, entry: dict[str, Any]) -> Verdict:
    """Compare one driver entry with the truth of its drill; ``label`` names the drill in messages."""
    seed = int(entry["seed"])
    plan = planned(seed)
    head = f"{label}: {_fault_words(plan)}"
    if "crash" in entry:
        note = f"{head}; diagnose() failed: {_crash_text(entry['crash'])}"
        return Verdict(label, seed, False, False, False, note, note, note, crash=entry["crash"])
    if "problem" in entry:
        note = f"{head}; {entry['problem']}"
        return Verdict(label, seed, False, False, False, note, note, note)
    given = entry["diagnosis"]
    fault = plan.fault
    located = (given["service"], given["operation"]) == (fault.service, fault.operation)
    kind_right = given["kind"] == fault.kind
    trace_note = _trace_note(seed, given["example_trace_id"])
    location_note = "" if located else f"{head}; {_location_note(plan, given['service'], given['operation'])}"
    kind_note = "" if kind_right else f"{head}; you said kind {given['kind']!r}" + ("" if given["kind"] in KINDS else " (use 'latency' or 'errors')")
    return Verdict(label, seed, located, kind_right, not trace_note, location_note, kind_note, f"{head}; {trace_note}" if trace_note else "")


def judge_all(values: dict[str, Any]) -> list[Verdict]:
    """A verdict for every drill the driver ran."""
    return [judge(f"drill {number}", entry) for number, entry in enumerate(drill_entries(values), start=1)]


def first_problem(verdict: Verdict) -> str:
    """The first thing wrong with one diagnosis, or an empty string."""
    return verdict.location_note or verdict.kind_note or verdict.trace_note


def examples(notes: list[str], limit: int = 2) -> str:
    """Up to ``limit`` notes, joined for a message."""
    shown = [note for note in notes if note][:limit]
    more = len([note for note in notes if note]) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")


def require(passed: int, count: int, needed: int, what: str, misses: list[str], hint: str) -> None:
    """Fail unless ``passed >= needed``, saying ``what`` was right in how many drills, with a couple of misses."""
    if passed < needed:
        fail(f"{what} in {passed} of {count} drills; at least {needed} are needed. {examples(misses)}.", hint)
