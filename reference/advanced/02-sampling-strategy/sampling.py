"""Head sampling for the shop's traces: which requests are worth recording, and how many per second."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

NEVER_SAMPLED = frozenset({"/health", "/metrics"})
SEARCH_ROUTE = "/search"
SEARCH_RATIO = 0.1


def route_of(name: str, attributes: Attributes) -> str:
    """The route a span is for: its ``http.route`` attribute, else the span name after the method."""
    route = attributes.get("http.route") if attributes else None
    if isinstance(route, str) and route:
        return route
    _method, _space, rest = name.partition(" ")
    return rest or name


class RouteSampler(Sampler):
    """Root decisions by route: never probes, a share of /search by trace id, everything else."""

    def __init__(self, search_ratio: float = SEARCH_RATIO):
        self._search = TraceIdRatioBased(search_ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        route = route_of(name, attributes)
        if route in NEVER_SAMPLED:
            chosen: Sampler = ALWAYS_OFF
        elif route == SEARCH_ROUTE:
            chosen = self._search
        else:
            chosen = ALWAYS_ON
        return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        never = ",".join(sorted(NEVER_SAMPLED))
        return f"RouteSampler{{never:{never};{SEARCH_ROUTE}:{self._search.get_description()};other:AlwaysOnSampler}}"


def build_sampler() -> Sampler:
    """Follow the parent's decision; for a root span decide by route (see RouteSampler)."""
    return ParentBased(root=RouteSampler())


class RateLimitingSampler(Sampler):
    """At most ``max_per_second`` sampled root spans per second and per route (a token bucket each).

    Each route's bucket holds ``max(1, max_per_second)`` tokens, starts full, and refills continuously
    at ``max_per_second`` tokens per second of ``clock()``; a sampled span takes one token. The parent
    is not looked at: wrap the sampler in ``ParentBased`` so that it only decides for root spans.
    """

    def __init__(self, max_per_second: float, clock: Callable[[], float] = time.monotonic):
        if max_per_second <= 0:
            raise ValueError(f"max_per_second must be above 0, not {max_per_second!r}")
        self.max_per_second = float(max_per_second)
        self._capacity = max(1.0, self.max_per_second)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # route -> (tokens, time of the last refill)
        self._lock = threading.Lock()

    def _take_token(self, route: str) -> bool:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(route, (self._capacity, now))
            tokens = min(self._capacity, tokens + max(0.0, now - last) * self.max_per_second)
            taken = tokens >= 1.0
            self._buckets[route] = (tokens - 1.0 if taken else tokens, now)
        return taken

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        chosen = ALWAYS_ON if self._take_token(route_of(name, attributes)) else ALWAYS_OFF
        return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"RateLimitingSampler{{{self.max_per_second:g}/s per route}}"
