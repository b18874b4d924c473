"""Judging HTTP exchanges the scenario recorded, and reading the metrics they expose."""

from __future__ import annotations

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.metrics import Exposition, parse_exposition
from o11y_course.observation import Observation
from o11y_course.scenario import HttpExchange


def expect_status(exchange: HttpExchange, status: int, hint: str | None = None) -> None:
    """Fail unless the response has ``status``."""
    if exchange.status != status:
        body = exchange.body.strip().replace("\n", " ")[:80]
        raise CheckFailure(
            f"{exchange.method} {exchange.path} answered {exchange.status}, expected {status} (body: {body!r}).", hint
        )


def scrape(observation: Observation, path: str = "/metrics", *, app: int = 0, nth: int = -1) -> Exposition:
    """The exposition served by the ``nth`` GET ``path`` of the scenario; it must be a 200 that parses."""
    exchange = observation.response("GET", path, app=app, nth=nth)
    expect_status(exchange, 200, "serve prometheus_client.generate_latest(registry) from the /metrics view")
    return parse_exposition(exchange.body, f"GET {path}")


def registry_exposition(observation: Observation, app: int = 0) -> Exposition:
    """What the registry the grader passed to ``create_app`` holds after the scenario."""
    return parse_exposition(observation.metrics.get(f"registry{app}", ""), "the registry passed to create_app(registry=...)")
