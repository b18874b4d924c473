"""Measure what one log event costs: logging disabled, plain text, and structured JSON."""

from __future__ import annotations

import io
import logging
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any, TextIO

import structlog

EVENT = "order placed"
ITEM = "tea"
AMOUNT_CENTS = 450
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PLAIN_MESSAGE = "order placed order_id=%s item=%s amount_cents=%s"
MODES = ("disabled", "plain", "structured")
WARM_UP = 100  # events logged once per mode before any timing, into a throwaway stream
REPEATS = 5  # timed passes per mode; the median counts

Pass = Callable[[], None]


def stdlib_logger(name: str, level: int, stream: TextIO) -> logging.Logger:
    """The stdlib logger ``name`` at ``level``, with one StreamHandler on ``stream`` and nothing else."""
    logger = logging.getLogger(name)
    logger.handlers.clear()  # every pass brings its own stream
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger


def json_logger(stream: TextIO) -> Any:
    """A structlog logger that writes one JSON object per line to ``stream``."""
    return structlog.wrap_logger(
        structlog.WriteLogger(stream),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
    )


def events(mode: str, n: int, stream: TextIO) -> Pass:
    """A function that logs the event ``n`` times in ``mode``; the logger is built now, so it is not timed."""
    if mode == "structured":
        log = json_logger(stream)

        def structured() -> None:
            for order_id in range(n):
                log.info(EVENT, order_id=order_id, item=ITEM, amount_cents=AMOUNT_CENTS)

        return structured
    level = logging.WARNING if mode == "disabled" else logging.INFO
    logger = stdlib_logger(f"overhead.{mode}", level, stream)

    def stdlib() -> None:
        for order_id in range(n):
            logger.info(PLAIN_MESSAGE, order_id, ITEM, AMOUNT_CENTS)

    return stdlib


class ByteCounter:
    """A writable stream that passes text on to another one and counts the UTF-8 bytes."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def elapsed_ns(run: Pass) -> int:
    """Wall-clock nanoseconds that ``run()`` takes, on the monotonic high-resolution clock."""
    start = time.perf_counter_ns()
    run()
    return time.perf_counter_ns() - start


def peak_kib(run: Pass) -> float:
    """The most memory (KiB) that Python allocations held at once while ``run()`` ran."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def measure(n: int, stream: TextIO) -> dict[str, dict[str, float]]:
    """Benchmark the three modes with ``n`` events each; the enabled modes write ``n`` lines each to ``stream``."""
    counter = ByteCounter(stream)
    results = {}
    for mode in MODES:
        events(mode, WARM_UP, io.StringIO())()
        timings = [elapsed_ns(events(mode, n, io.StringIO())) for _ in range(REPEATS)]
        peak = peak_kib(events(mode, n, io.StringIO()))
        before = counter.bytes
        events(mode, n, counter)()  # the one pass that the caller's stream receives
        results[mode] = {
            "ns_per_event": statistics.median(timings) / n,
            "bytes_per_event": (counter.bytes - before) / n,
            "peak_kib": peak,
        }
    return results
