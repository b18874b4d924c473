#!/usr/bin/env python3
"""Per-request cost of the intermediate reference app (metrics + JSON logs) against bare Flask.

Bare Flask is the beginner/02 template, the shop before any telemetry. Both apps serve the same
routes and are driven through Flask's test client, so the client's own cost is in both figures
and the difference is what the instrumentation adds. Each figure is the median of several runs of
N requests after a warm-up.

    python benchmarks/reference_overhead.py [--requests 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import platform
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

from flask import Flask
from prometheus_client import CollectorRegistry

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference" / "intermediate" / "01-structured-logging" / "app.py"
TEMPLATE = ROOT / "exercises" / "beginner" / "02-metrics-endpoint" / "app.py"  # the same routes, no telemetry yet
PATHS = ["/", "/items/7", "/items/42", "/nope"]  # a mix of 200s and a 404, as real traffic has


def load_module(path: Path, name: str) -> ModuleType:
    """Import one app file under its own module name."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bare_app() -> Flask:
    """The beginner/02 template learners start from: the shop's routes with no telemetry at all."""
    return load_module(TEMPLATE, "template_metrics_endpoint").create_app(registry=CollectorRegistry())


def reference_app() -> Flask:
    """The intermediate/01 reference, logging to an in-memory stream."""
    return load_module(REFERENCE, "reference_structured_logging").create_app(registry=CollectorRegistry(), log_stream=io.StringIO())


def microseconds_per_request(app: Flask, requests: int) -> float:
    """Wall-clock µs per request for ``requests`` requests through the test client."""
    client = app.test_client()
    start = time.perf_counter_ns()
    for number in range(requests):
        client.get(PATHS[number % len(PATHS)])
    return (time.perf_counter_ns() - start) / requests / 1000


def median_cost(make_app, requests: int, runs: int) -> float:
    """Median over ``runs`` fresh apps (a fresh log stream each time), after one warm-up run."""
    microseconds_per_request(make_app(), requests // 4)
    return statistics.median(microseconds_per_request(make_app(), requests) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bare = median_cost(bare_app, args.requests, args.runs)
    instrumented = median_cost(reference_app, args.requests, args.runs)
    print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}; "
          f"median of {args.runs} runs of {args.requests} requests")
    print(f"bare Flask                       {bare:8.1f} µs/request")
    print(f"reference (metrics + JSON logs)  {instrumented:8.1f} µs/request")
    print(f"overhead                         {instrumented - bare:8.1f} µs/request  ({instrumented / bare:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
