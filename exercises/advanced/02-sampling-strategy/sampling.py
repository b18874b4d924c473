"""Head sampling for the shop's traces: which requests are worth recording, and how many per second.

Work through the TODOs; README.md gives the exact contract.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import (  # noqa: F401 - the building blocks you will need
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
    # TODO 1: return attributes["http.route"] when attributes is not None and holds a non-empty
    # string there; otherwise the part of ``name`` after the first space ("GET /search" -> "/search"),
    # or the whole name when it has no space.
    return name


# TODO 2: write a root sampler (a Sampler subclass) that decides by route_of(name, attributes):
# never sample NEVER_SAMPLED routes, sample SEARCH_RATIO of SEARCH_ROUTE by trace id (delegate to one
# TraceIdRatioBased(SEARCH_RATIO)), and sample every other route. Give it a get_description() that
# names the routes and the ratio.


def build_sampler() -> Sampler:
    """Follow the parent's decision; for a root span decide by route."""
    # TODO 3: return ParentBased(root=<your route sampler>).
    return ALWAYS_ON


class RateLimitingSampler(Sampler):
    """At most ``max_per_second`` sampled root spans per second and per route (a token bucket each)."""

    def __init__(self, max_per_second: float, clock: Callable[[], float] = time.monotonic):
        self.max_per_second = max_per_second
        self._clock = clock
        # TODO 4: keep one bucket per route: (tokens, time of the last refill).

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
        # TODO 5: refill the route's bucket from self._clock(), then sample (taking a token) or drop.
        raise NotImplementedError("TODO 5: RateLimitingSampler.should_sample")

    def get_description(self) -> str:
        # TODO 6: name the class and the rate, e.g. "RateLimitingSampler{2.5/s per route}".
        return "TODO"
