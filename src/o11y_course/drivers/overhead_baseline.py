"""The grader's own measurement of what logging costs, for intermediate/03-logging-overhead.

It measures the three modes of the exercise's contract the way the exercise's README teaches: one
warm-up pass per mode, then passes of ``n`` events, each into a fresh ``io.StringIO()``, timed with
``time.perf_counter_ns()`` while tracemalloc is off; the modes take turns, so a burst of load on a
busy machine slows all of them alike; the median pass counts. One separate pass per mode runs under
tracemalloc for the memory peak. Nothing here is secret: it is the contract, written as code.

Its loggers are private objects, never taken from ``logging.getLogger`` or from structlog's global
configuration, so nothing that learner code configures in the same process reaches them.
"""

from __future__ import annotations

import io
import logging
import statistics
import time
import tracemalloc
from collections.abc import Callable, Mapping
from typing import TextIO

import structlog

MODES = ("disabled", "plain", "structured")
EVENT = "order placed"
ITEM = "tea"
AMOUNT_CENTS = 450
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PLAIN_MESSAGE = EVENT + " order_id=%s item=%s amount_cents=%s"
LOGGER_NAMES = {"disabled": "overhead.disabled", "plain": "overhead.plain"}
WARM_UP = 100
# A disabled pass takes well under a millisecond, so a single pause of the process would skew one
# sample badly: it gets more samples than the modes that write.
REPEATS: Mapping[str, int] = {"disabled": 9, "plain": 3, "structured": 3}

Pass = Callable[[], None]


def stdlib_logger(mode: str, sink: TextIO) -> logging.Logger:
    """A stand-alone stdlib logger for ``disabled`` (level WARNING) or ``plain`` (level INFO) writing to ``sink``."""
    level = logging.WARNING if mode == "disabled" else logging.INFO
    logger = logging.Logger(LOGGER_NAMES[mode], level)  # not registered: no parent, nobody else's handlers
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    logger.addHandler(handler)
    logger.propagate = False
    return logger


def structured_logger(sink: TextIO) -> structlog.typing.BindableLogger:
    """A structlog logger rendering one JSON object per line to ``sink``, independent of ``structlog.configure``."""
    return structlog.wrap_logger(
        structlog.WriteLogger(sink),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=False,
    )


def events_pass(mode: str, n: int, sink: TextIO) -> Pass:
    """A function that logs the contract's event ``n`` times in ``mode`` to ``sink`` (the logger is built now, outside it)."""
    if mode == "structured":
        log = structured_logger(sink)

        def structured() -> None:
            for order_id in range(n):
                log.info(EVENT, order_id=order_id, item=ITEM, amount_cents=AMOUNT_CENTS)

        return structured
    logger = stdlib_logger(mode, sink)

    def stdlib() -> None:
        for order_id in range(n):
            logger.info(PLAIN_MESSAGE, order_id, ITEM, AMOUNT_CENTS)

    return stdlib


def elapsed_ns(run: Pass) -> int:
    """Wall-clock nanoseconds that ``run()`` takes."""
    start = time.perf_counter_ns()
    run()
    return time.perf_counter_ns() - start


def peak_kib(run: Pass) -> float:
    """The tracemalloc peak, in KiB, while ``run()`` runs."""
    if tracemalloc.is_tracing():
        tracemalloc.stop()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def time_modes(n: int, repeats: Mapping[str, int] = REPEATS) -> dict[str, dict[str, float]]:
    """Median nanoseconds and UTF-8 bytes per event of each mode, after a warm-up pass, the modes taking turns.

    Returns ``{"ns_per_event": {mode: ns}, "bytes_per_event": {mode: bytes}}``.
    """
    for mode in MODES:
        events_pass(mode, WARM_UP, io.StringIO())()
    samples: dict[str, list[float]] = {mode: [] for mode in MODES}
    sizes: dict[str, float] = {}
    for turn in range(max(repeats[mode] for mode in MODES)):
        for mode in MODES:
            if turn < repeats[mode]:
                sink = io.StringIO()
                samples[mode].append(elapsed_ns(events_pass(mode, n, sink)) / n)
                sizes[mode] = len(sink.getvalue().encode("utf-8")) / n
    return {"ns_per_event": {mode: statistics.median(values) for mode, values in samples.items()}, "bytes_per_event": sizes}


def memory_modes(n: int) -> dict[str, float]:
    """The tracemalloc peak (KiB) of one pass of ``n`` events into a fresh ``io.StringIO()``, per mode."""
    return {mode: peak_kib(events_pass(mode, n, io.StringIO())) for mode in MODES}


def reset_logging_switches() -> None:
    """Undo process-wide switches that would silence the grader's loggers (``logging.disable``)."""
    logging.disable(logging.NOTSET)
