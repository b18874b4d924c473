"""Driver for intermediate/03-logging-overhead: the learner's benchmark next to the grader's own.

In this order:

1. the grader measures the three modes itself (``overhead_baseline``), before any learner code is
   imported: nanoseconds, bytes and the tracemalloc peak per event. ``prepare`` does it in the
   sandbox's zygote, once per ``n`` for the life of the zygote (a batch grades many submissions
   with one), and every child inherits the figures;
2. the child imports ``overhead`` and calls ``measure(n, stream)`` once, with an ``io.StringIO``;
3. when ``measure`` returned figures, the child times the three modes again, so that a change of load on a
   busy machine since step 1 shows up as a range instead of a false verdict;
4. it reads ``FINDINGS.md`` (a regular file inside the exercise folder, size-capped).

Params (all JSON):
  n          the number of events per mode (default 1000)
  baseline   run the grader's own measurement (default true)
  findings   read FINDINGS.md (default true)

Result ``values``:
  n          the n used
  returned   what ``measure`` returned, as plain data: ints, floats, strings, lists and dicts stay
             as they are; any other object becomes ``{"$type": name, "$repr": text}``
  crash      present instead of ``returned`` when importing or calling ``measure`` failed:
             ``{"phase", "type", "message", "traceback"}``
  stream     ``{"lines": [...], "line_count", "bytes", "truncated", "closed"}``: what the stream got,
             split into lines (a last line without a newline counts as one); at most ``MAX_LINES``
             lines of at most ``MAX_LINE_CHARS`` characters each come back
  baseline   ``{"ns_per_event": {"before": {mode: ns}, "after": {mode: ns}}, "bytes_per_event":
             {mode: bytes}, "peak_kib": {mode: KiB}}``; ``after`` only when ``measure`` returned a non-empty dict
  findings   the files driver's values for ``FINDINGS.md`` (``files``, ``missing``, ``refused``)
"""

from __future__ import annotations

import copy
import io
import json
import math
import tracemalloc
from typing import Any

from o11y_course.drivers import files, overhead_baseline
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash
from o11y_course.scenario import Scenario

DRIVER = "o11y_course.drivers.overhead_probe:run"
MODULE = "overhead"
FINDINGS = "FINDINGS.md"
FINDINGS_MAX_BYTES = 64 * 1024
MAX_LINES = 20_000
MAX_LINE_CHARS = 1_000
MAX_DEPTH = 6

_BASELINES: dict[int, dict[str, Any]] = {}  # n -> the grader's first measurement in this process


def baseline_before(n: int) -> dict[str, Any]:
    """The grader's own timings, bytes and memory peaks for ``n`` events, measured once per process."""
    if n not in _BASELINES:
        _BASELINES[n] = {**overhead_baseline.time_modes(n), "peak_kib": overhead_baseline.memory_modes(n)}
    return _BASELINES[n]


def prepare(params: dict[str, Any]) -> None:
    """Measure the grader's baseline now (called in the zygote, before any learner code runs)."""
    if params.get("baseline", True):
        baseline_before(int(params.get("n", 1000)))


def overhead_scenario(name: str, n: int, *, baseline: bool = True, findings: bool = True, timeout: float | None = None) -> Scenario:
    """A scenario that runs the learner's ``measure(n, stream)`` (and, by default, the grader's own measurement)."""
    params = {"n": n, "baseline": baseline, "findings": findings}
    return Scenario(name, DRIVER, json.dumps(params, sort_keys=True), timeout)


class KeptStream(io.StringIO):
    """The stream handed to ``measure``: an ``io.StringIO`` that stays readable if learner code closes it."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_by_learner = False

    def close(self) -> None:
        self.closed_by_learner = True


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data that keeps its types; anything else becomes a described placeholder."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$type": "float", "$repr": repr(value)}
    if depth < MAX_DEPTH and isinstance(value, dict):
        return {str(key): plain(item, depth + 1) for key, item in list(value.items())[:50]}
    if depth < MAX_DEPTH and isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in list(value)[:50]]
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a learner's __repr__ may raise anything
        text = f"<repr() failed: {type(exc).__name__}>"
    return {"$type": type(value).__name__, "$repr": text[:200]}


def stream_summary(stream: KeptStream) -> dict[str, Any]:
    """What ``measure`` wrote to the stream, as lines."""
    text = stream.getvalue()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return {
        "lines": [line[:MAX_LINE_CHARS] for line in lines[:MAX_LINES]],
        "line_count": len(lines),
        "bytes": len(text.encode("utf-8", errors="replace")),
        "truncated": len(lines) > MAX_LINES,
        "closed": stream.closed_by_learner,
    }


def _call_measure(ctx: DriverContext, n: int, stream: KeptStream) -> dict[str, Any]:
    """``{"returned": ...}``, or ``{"crash": ...}`` when importing or running ``measure`` fails."""
    try:
        module = ctx.import_module(MODULE)
        measure = ctx.attribute(module, "measure")
        returned = ctx.call("measure", measure, n, stream)
    except LearnerCrash as crash:
        return {"crash": crash.to_dict()}
    finally:
        if tracemalloc.is_tracing():  # a benchmark that forgot to stop tracing would slow the grader's
            tracemalloc.stop()
        overhead_baseline.reset_logging_switches()
    return {"returned": plain(returned)}


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Measure the modes, run the learner's benchmark, measure again, and read FINDINGS.md."""
    n = int(params.get("n", 1000))
    with_baseline = bool(params.get("baseline", True))
    values: dict[str, Any] = {"n": n}
    if with_baseline:
        ctx.phase("the grader's own measurement")
        before = copy.deepcopy(baseline_before(n))  # what learner code could reach in the module stays apart
    stream = KeptStream()
    values.update(_call_measure(ctx, n, stream))
    values["stream"] = stream_summary(stream)
    if with_baseline:
        timings = {"before": before["ns_per_event"]}
        if isinstance(values.get("returned"), dict) and values["returned"]:  # else no figures to compare
            ctx.phase("the grader's own measurement")
            timings["after"] = overhead_baseline.time_modes(n)["ns_per_event"]
        values["baseline"] = {"ns_per_event": timings, "bytes_per_event": before["bytes_per_event"], "peak_kib": before["peak_kib"]}
    if params.get("findings", True):
        values["findings"] = files.run(ctx, {"files": [FINDINGS], "max_bytes": FINDINGS_MAX_BYTES})["values"]
    return {"values": values}
