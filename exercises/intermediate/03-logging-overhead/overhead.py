"""Measure what one log event costs: logging disabled, plain text, and structured JSON.

Your task: write measure() and the helpers marked TODO, run it, and write what you found in
FINDINGS.md. Read README.md in this folder for the contract, and run `o11y check 03` to check
your work.
"""

from __future__ import annotations

import io  # noqa: F401 - for the throwaway streams of warm-up and timed passes
import logging  # noqa: F401
import statistics  # noqa: F401
import time  # noqa: F401
import tracemalloc  # noqa: F401
from typing import TextIO

import structlog  # noqa: F401

# The event every mode logs, n times, with order_id = 0, 1, ..., n - 1 (see the contract).
EVENT = "order placed"
ITEM = "tea"
AMOUNT_CENTS = 450
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PLAIN_MESSAGE = "order placed order_id=%s item=%s amount_cents=%s"
MODES = ("disabled", "plain", "structured")


def measure(n: int, stream: TextIO) -> dict[str, dict[str, float]]:
    """Benchmark the three modes with ``n`` events each; the enabled modes write ``n`` lines each to ``stream``."""
    results: dict[str, dict[str, float]] = {}
    # TODO 1: build the loggers. disabled: logging.getLogger("overhead.disabled") at WARNING;
    #         plain: logging.getLogger("overhead.plain") at INFO; both with a StreamHandler and
    #         logging.Formatter(PLAIN_FORMAT), propagate = False. structured: a structlog logger
    #         with the processors add_log_level, TimeStamper(fmt="iso", utc=True), JSONRenderer(),
    #         writing to a stream (structlog.WriteLogger(stream)).
    # TODO 2: for each mode, a warm-up pass, then several timed passes of n events, each into a
    #         fresh io.StringIO(), timed with time.perf_counter_ns(); keep the median per event.
    # TODO 3: one more pass of n events into a fresh io.StringIO() under tracemalloc: peak_kib.
    # TODO 4: one pass of n events per mode into `stream` (and only one), counting the bytes
    #         written: bytes_per_event.
    # TODO 5: results[mode] = {"ns_per_event": ..., "bytes_per_event": ..., "peak_kib": ...}
    return results
