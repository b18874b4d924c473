"""The traffic run of a drill, planned in plain Python: every call, its timing, outcome and log lines.

Time is virtual: durations are drawn, never slept, so a drill of 200 requests is planned in a few
milliseconds. The plan is all the grader needs to know the truth of a drill; ``record`` replays it
through real OpenTelemetry spans, a prometheus-client registry and structlog to make the evidence.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from o11y_course.drills.faults import REQUESTS, Fault, fault_of, rng_for
from o11y_course.drills.shop import (
    DEGRADES_WITHOUT,
    ENTRY_POINTS,
    FAILURES,
    FLAKE,
    FLAKY,
    NETWORK_MS,
    OPERATIONS,
    OUT_OF_STOCK,
    PAUSE_MS,
    PAUSE_SHARE,
    RETRIES_ONCE,
    SLOW_SEARCH_LOG_MS,
    SLOWDOWNS,
)

MIN_HITS = 6  # a drill's fault hits at least this many calls; otherwise the traffic is drawn again
_EPOCH_NS = int(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc).timestamp()) * 10**9
_MS = 1_000_000  # nanoseconds per millisecond


def _ns(ms: float) -> int:
    return max(1, round(ms * _MS))


@dataclass
class PlannedSpan:
    """One call of one operation in one trace, with what happened in it."""

    trace_id: str
    span_id: str
    parent_id: str | None
    key: str  # "payments.charge"
    start_ns: int
    end_ns: int = 0
    status: int = 200  # the HTTP-like answer: 200, 409, 500, 502, 503
    error: str | None = None  # the span's status description when it failed
    attempt: int = 1
    hit: bool = False  # the fault injector hit this call
    events: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    children: list[PlannedSpan] = field(default_factory=list)

    @property
    def service(self) -> str:
        return OPERATIONS[self.key].service

    @property
    def name(self) -> str:
        return OPERATIONS[self.key].name

    @property
    def failed(self) -> bool:
        return self.status >= 500

    def walk(self) -> Iterator[PlannedSpan]:
        """This span and every span below it, parents first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class LogEntry:
    """One log line to write: when, how severe, which service, what happened, and its fields."""

    time_ns: int
    level: str
    service: str
    event: str
    fields: tuple[tuple[str, Any], ...]
    trace_id: str | None = None
    span_id: str | None = None


@dataclass(frozen=True)
class Plan:
    """A drill's whole traffic run: the fault, the request trees in arrival order and the log lines."""

    seed: int
    fault: Fault
    roots: tuple[PlannedSpan, ...]
    logs: tuple[LogEntry, ...]
    start_ns: int
    onset_ns: int  # when the deploy before the fault window finished

    def spans(self) -> Iterator[PlannedSpan]:
        """Every planned span, request by request, parents first."""
        for root in self.roots:
            yield from root.walk()

    def fault_traces(self) -> frozenset[str]:
        """The trace ids in which the fault hit at least one call: the traces that show it."""
        return frozenset(span.trace_id for span in self.spans() if span.hit)


class _Traffic:
    """Draws one traffic run of a drill."""

    def __init__(self, seed: int, fault: Fault, attempt: int):
        self.rng = rng_for(seed, f"traffic/{attempt}")
        self.ids = rng_for(seed, f"ids/{attempt}")
        self.fault = fault
        self.logs: list[LogEntry] = []

    def trace_id(self) -> str:
        return f"{self.ids.getrandbits(128) or 1:032x}"

    def span_id(self) -> str:
        return f"{self.ids.getrandbits(64) or 1:016x}"

    def network(self) -> int:
        return _ns(self.rng.uniform(*NETWORK_MS))

    def log(self, time_ns: int, level: str, service: str, event: str, span: PlannedSpan | None = None, **fields: Any) -> None:
        self.logs.append(
            LogEntry(time_ns, level, service, event, tuple(fields.items()), span.trace_id if span else None, span.span_id if span else None)
        )

    def fail(self, span: PlannedSpan, status: int, exc_type: str, message: str, at_ns: int) -> None:
        """Mark ``span`` failed at ``at_ns`` with an exception event, as instrumentation records it."""
        span.status, span.error = status, f"{exc_type}: {message}"
        span.events.append(("exception", at_ns, {"exception.type": exc_type, "exception.message": message}))

    def call(self, key: str, start_ns: int, trace_id: str, parent: PlannedSpan | None, in_window: bool, attempt: int = 1) -> PlannedSpan:
        """Plan one call of ``key`` starting at ``start_ns``, with the calls it makes."""
        rng, fault, op = self.rng, self.fault, OPERATIONS[key]
        span = PlannedSpan(trace_id, self.span_id(), parent.span_id if parent else None, key, start_ns, attempt=attempt)
        if parent is not None:
            parent.children.append(span)
        self_ms = rng.uniform(*op.self_ms)
        if rng.random() < PAUSE_SHARE:
            self_ms += rng.uniform(*PAUSE_MS)
        hit = in_window and key == fault.target and rng.random() < fault.share
        flaky = rng.random() < FLAKY.get(key, 0.0)
        if hit and fault.kind == "latency":
            extra = rng.uniform(*fault.added_ms)
            self_ms += extra
            span.hit = True
            self.log(start_ns + _ns(extra), "warning", op.service, SLOWDOWNS[key], span, waited_ms=round(extra))
        elif hit or flaky:
            span.hit = hit
            span.end_ns = start_ns + _ns(self_ms * 0.3)
            exc_type, message = FAILURES[key] if hit else FLAKE
            self.fail(span, 500 if hit else 503, exc_type, message, span.end_ns)
            self.log(span.end_ns, "error", op.service, f"{op.name} failed", span, error=span.error)
            return span
        before = self_ms * rng.uniform(0.3, 0.7)
        now = start_ns + _ns(before)
        status = 409 if key == OUT_OF_STOCK[0] and rng.random() < OUT_OF_STOCK[1] else 200
        for callee in op.calls:
            if status != 200:
                break
            child = self.call(callee, now + self.network(), trace_id, span, in_window)
            now = child.end_ns + self.network()
            if child.failed and RETRIES_ONCE.get(key) == callee:
                self.log(now, "warning", op.service, f"call to {callee} failed, retrying", span, status=child.status)
                child = self.call(callee, now + self.network(), trace_id, span, in_window, attempt=2)
                now = child.end_ns + self.network()
            if child.failed and DEGRADES_WITHOUT.get(key) == callee:
                span.events.append(("degraded", now, {"dependency": callee}))
                self.log(now, "warning", op.service, "stock figures unavailable, serving the product without them", span, dependency=callee, status=child.status)
            elif child.failed:
                self.fail(span, 502, "DownstreamError", f"{callee} answered {child.status}", now)
                self.log(now, "error", op.service, f"call to {callee} failed", span, status=child.status)
                status = 502
            elif child.status == 409:
                status = 409
        if key == OUT_OF_STOCK[0] and status == 409:
            self.log(now, "warning", op.service, "item out of stock", span, sku=f"SKU-{rng.randint(100, 999)}")
        span.end_ns = now + _ns(self_ms - before)
        span.status = status
        if key == "catalog.search" and self_ms > SLOW_SEARCH_LOG_MS:
            self.log(span.end_ns, "warning", op.service, "slow search query", span, duration_ms=round(self_ms, 1))
        return span

    def run(self, start_ns: int) -> tuple[list[PlannedSpan], int]:
        """All requests in arrival order, and the time the deploy before the fault window finished."""
        routes, weights = zip(*ENTRY_POINTS, strict=True)
        arrivals, now = [], start_ns
        for _ in range(REQUESTS):
            now += _ns(self.rng.uniform(400, 2000))
            arrivals.append(now)
        onset = self.fault.onset
        onset_ns = (arrivals[onset - 1] + arrivals[onset]) // 2
        self.log(onset_ns, "info", self.fault.deployed, "deploy finished", version=f"2.{self.rng.randint(10, 40)}.{self.rng.randint(0, 9)}")
        roots = []
        for index, arrival in enumerate(arrivals):
            key = self.rng.choices(routes, weights)[0]
            root = self.call(key, arrival, self.trace_id(), None, index >= onset)
            op = OPERATIONS[key]
            method, route = op.name.split(" ", 1)
            duration_ms = round((root.end_ns - root.start_ns) / _MS, 1)
            level = "error" if root.failed else "info"
            self.log(root.end_ns, level, op.service, "request completed", root, method=method, route=route, status=root.status, duration_ms=duration_ms)
            roots.append(root)
        return roots, onset_ns


def plan_drill(seed: int) -> Plan:
    """The traffic run of drill ``seed``: the same seed always gives the same plan."""
    fault = fault_of(seed)
    start_ns = _EPOCH_NS + random.Random(f"o11y-drill/{seed}/start").randrange(0, 28 * 86400) * 10**9
    for attempt in range(100):
        traffic = _Traffic(seed, fault, attempt)
        roots, onset_ns = traffic.run(start_ns)
        if sum(span.hit for root in roots for span in root.walk()) >= MIN_HITS:
            break
    logs = sorted(traffic.logs, key=lambda entry: entry.time_ns)  # stable: same-time lines keep their order
    return Plan(seed, fault, tuple(roots), tuple(logs), start_ns, onset_ns)
