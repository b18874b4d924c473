"""The learner's app served on loopback, scraped by a real Prometheus, and queried back.

One Prometheus server per grading process scrapes one fixed loopback port every 100 ms; each run
serves the learner's app on that port for a moment and reads back only what was scraped since it
started serving. Prometheus applies a new target only about 5 s after it starts, so sharing the
server means only the first run of a process waits for that.

A check module declares its read-back at module level (``ReadBack``), so grading can start it
ahead, on a thread of its own, while the other checks run: most of a read-back is waiting for
Prometheus to come round to the app, and the app is served from a zygote of its own
(``drivers.flask_serve``), so the other runs go on meanwhile.
"""

from __future__ import annotations

import atexit
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from o11y_course.observation import Observation
from o11y_course.real.ports import free_port
from o11y_course.real.prometheus import PrometheusServer
from o11y_course.scenario import Scenario

SERVE_DRIVER = "o11y_course.drivers.flask_serve:run"
_LOCK = threading.RLock()
_shared: dict[str, tuple[PrometheusServer, int]] = {}


@dataclass(frozen=True)
class ScrapeResult:
    """What Prometheus made of the app: query results and the scrape errors it reported."""

    observation: Observation
    results: list[dict[str, Any]]
    scrape_errors: tuple[str, ...]

    @property
    def last_error(self) -> str:
        """The first scrape error Prometheus recorded while the app was up, or ``""``."""
        return self.scrape_errors[0] if self.scrape_errors else ""

    def value(self) -> float | None:
        """The single query result's value, or None when there is none."""
        return float(self.results[0]["value"][1]) if len(self.results) == 1 else None


def _scrape_time(target: dict[str, Any]) -> float:
    """Unix time of a target's last scrape (Prometheus gives RFC 3339 with nanoseconds)."""
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?", target.get("lastScrape", ""))
    if not match:
        return 0.0
    whole = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return whole + float(match.group(2) or 0)


def shared_prometheus(binary: str, *, wait: bool = True) -> tuple[PrometheusServer, int]:
    """This process's Prometheus server and the loopback port it scrapes (started on first use)."""
    with _LOCK:
        server, port = _shared.get(binary, (None, 0))
        if server is None or not server.alive():
            if server is not None:
                server.__exit__(None, None, None)
            port = free_port()
            server = PrometheusServer(binary, [f"127.0.0.1:{port}"])
            server.start()
            _shared[binary] = (server, port)
    if wait:
        server.wait_ready()
    return server, port


def prestart(binary: str) -> None:
    """Start this process's Prometheus now without waiting, so its 5 s target delay overlaps other work."""
    shared_prometheus(binary, wait=False)


def running_pids() -> set[int]:
    """Process ids of this process's shared Prometheus servers."""
    return {server.pid for server, _ in _shared.values() if server.alive() and server.pid}


def stop_shared_prometheus() -> None:
    """Stop every Prometheus server this process started."""
    while _shared:
        _, (server, _) = _shared.popitem()
        server.__exit__(None, None, None)


atexit.register(stop_shared_prometheus)


@dataclass(frozen=True)
class ReadBack:
    """The app serves ``traffic``'s aftermath until Prometheus has scraped it ``scrapes`` times, then
    ``expr`` is queried back. Declared at module level by a check module, so it can start ahead."""

    traffic: tuple[dict[str, Any], ...]
    expr: str
    scrapes: int = 2

    @property
    def key(self) -> str:
        """What tells two read-backs apart (their traffic, query and scrapes)."""
        return "prometheus-read-back:" + json.dumps([list(self.traffic), self.expr, self.scrapes], sort_keys=True)

    def run(self, observe: Callable[..., Observation], binary: str) -> ScrapeResult:
        """Serve, scrape and query now (see ``scrape_with_prometheus``)."""
        return scrape_with_prometheus(observe, binary, list(self.traffic), self.expr, self.scrapes)

    def read(self, observe: Callable[..., Observation], binary: str) -> ScrapeResult:
        """The result for ``observe``'s submission: the run grading started ahead when there is one
        (``observe.in_background``), else a run now."""
        in_background = getattr(observe, "in_background", None)
        if in_background is None:
            return self.run(observe, binary)
        return in_background(self.key, lambda: self.run(observe, binary))  # type: ignore[no-any-return]


def scrape_with_prometheus(
    observe: Callable[..., Observation], binary: str, traffic: list[dict[str, Any]], expr: str, scrapes: int = 2
) -> ScrapeResult:
    """Serve the app, let Prometheus scrape it ``scrapes`` times, then evaluate ``max_over_time(expr[...])``.

    Only samples scraped since this run started serving count, so earlier runs never leak in.
    """
    with _LOCK:
        prometheus, port = shared_prometheus(binary)
        params = {"port": port, "traffic": traffic, "scrapes": scrapes, "max_seconds": 15, "registry": "fresh"}
        scenario = Scenario("served on loopback for Prometheus", SERVE_DRIVER, json.dumps(params, sort_keys=True), timeout=30)
        outcome: dict[str, Any] = {}
        errors: list[str] = []

        def serve() -> None:
            try:
                outcome["observation"] = observe(scenario)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the check's thread below
                outcome["error"] = exc

        started = time.time()
        worker = threading.Thread(target=serve, daemon=True)
        worker.start()
        while worker.is_alive():  # read scrape errors while the app is still up
            worker.join(0.05)
            errors += [
                t["lastError"]
                for t in prometheus.targets_health()
                if t.get("lastError") and _scrape_time(t) >= started and worker.is_alive()
            ]
        if "error" in outcome:
            raise outcome["error"]
        ended = time.time()
        window_ms = max(1, math.floor((ended - started) * 1000) - 1)  # never reaching back before this run served
        results = prometheus.query(f"max_over_time({expr}[{window_ms}ms])", at=ended)
        return ScrapeResult(outcome["observation"], results, tuple(dict.fromkeys(errors)))
