"""Driver for exercises whose contract is an OpenTelemetry sampler (``build_sampler``, ``RateLimitingSampler``).

Trace ids travel as decimal strings, so that 128-bit ids keep every bit through JSON.
Params (all JSON, every part optional):
  module     learner module to import (default ``sampling``)
  probes     decisions of ``build_sampler()`` for chosen spans, in order:
             [{"label": "...", "trace_id": "123", "name": "GET /search", "kind": "SERVER",
               "attributes": {...} | null, "parent": null | "empty" | {"remote": true, "flags": 3}}]
             ``parent`` null passes no context, "empty" a context without a span; a dict makes a
             parent span in the same trace (span id ``PARENT_SPAN_ID``) with those trace flags
  count      {"n": 100000, "seed": 7, "name": "GET /search", "attributes": {...}}: how many of n
             seeded pseudo-random root trace ids ``build_sampler()`` samples
  limiters   [{"label": "...", "max_per_second": 2, "steps": [{"at": 0.5, "name": "GET /a",
             "attributes": {...} | null}]}]: a ``RateLimitingSampler`` per entry on a fake clock that
             reads each step's ``at`` (seconds), one root decision per step
  describe   {"limiter_rate": 2.5}: ``get_description()`` of ``build_sampler()`` and of
             ``RateLimitingSampler(limiter_rate)``
  flask      {"requests": [{"path": "/search?q=tea", "trace_id": "123" | null, "headers": {...}}]}:
             a small Flask app (/search, /health, /metrics, /items/<int:item_id>) instrumented with
             a TracerProvider whose sampler is ``build_sampler()``; a request's ``trace_id`` is the
             id given to its root span; spans go to an in-memory exporter
Result ``values``: ``probes`` [{"label", "decision", "sampled"} | {"label", "raised"} | {"label", "wrong"}],
``count`` {"n", "sampled"}, ``limiters`` [{"label", "steps": [{"at", "name", "route", ...decision}], "clock_reads"}
| {"label", "raised"}],
``describe`` {"build_sampler": text | {"raised"}, "limiter": ...}, ``flask`` [{"path", "status",
"spans": [span dict], "calls": [what the sampler was asked and answered]}].
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from o11y_course.drivers.plain import safe_repr
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash

PARENT_SPAN_ID = 0x00F067AA0BA902B7


def _raised(exc: BaseException) -> dict[str, str]:
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a learner's exception may fail to print
        message = "<str() failed>"
    return {"type": type(exc).__name__, "message": message[:300]}


def _guarded(ctx: DriverContext, phase: str, fn: Callable[..., Any], *args: Any) -> tuple[Any, dict[str, str] | None]:
    """Call learner code, keeping an ordinary exception as data; exits and MemoryError still end the run."""
    ctx.phase(phase)
    try:
        result = fn(*args)
    except MemoryError as exc:
        raise ctx.crash(phase, exc) from None
    except Exception as exc:  # noqa: BLE001 - the check explains what the learner's code raised
        return None, _raised(exc)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and the like
        raise ctx.crash(phase, exc) from None
    ctx.raise_noticed_memory_error()
    return result, None


def verdict(result: Any) -> dict[str, Any]:
    """A ``SamplingResult`` as data: its decision's name and whether it samples."""
    from opentelemetry.sdk.trace.sampling import Decision, SamplingResult

    decision = getattr(result, "decision", None)
    if not isinstance(result, SamplingResult) or not isinstance(decision, Decision):
        return {"wrong": f"should_sample() returned {safe_repr(result, 120, keep_strings=True)}, not a SamplingResult"}
    return {"decision": decision.name, "sampled": decision.is_sampled()}


def parent_context(spec: Any, trace_id: int) -> Any:
    """The ``parent_context`` a probe passes: None, an empty Context, or one holding a parent span."""
    from opentelemetry import trace
    from opentelemetry.context import Context

    if spec is None:
        return None
    if spec == "empty":
        return Context()
    span_context = trace.SpanContext(
        trace_id=trace_id,
        span_id=int(spec.get("span_id", PARENT_SPAN_ID)),
        is_remote=bool(spec.get("remote", True)),
        trace_flags=trace.TraceFlags(int(spec.get("flags", 0))),
    )
    return trace.set_span_in_context(trace.NonRecordingSpan(span_context))


def _kind(name: str | None) -> Any:
    from opentelemetry.trace import SpanKind

    return SpanKind[name] if name else SpanKind.SERVER


def _sampler_object(ctx: DriverContext, obj: Any, made_by: str) -> Any:
    """``obj`` when it can serve as a sampler, else a WrongType crash naming ``made_by``."""
    if not callable(getattr(obj, "should_sample", None)) or not callable(getattr(obj, "get_description", None)):
        raise LearnerCrash(
            made_by.removesuffix("()"),
            {"type": "WrongType", "message": f"{made_by} returned {safe_repr(obj, 80, keep_strings=True)}, which is not a Sampler", "traceback": []},
        )
    return obj


def run_probes(ctx: DriverContext, sampler: Any, probes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One decision per probe, called the way the SDK calls a sampler (positional, ``links`` None)."""
    results = []
    for probe in probes:
        trace_id = int(probe["trace_id"])
        args = (
            parent_context(probe.get("parent"), trace_id),
            trace_id,
            probe["name"],
            _kind(probe.get("kind")),
            probe.get("attributes"),
            None,
        )
        result, raised = _guarded(ctx, f"calling should_sample() for {probe['label']}", sampler.should_sample, *args)
        results.append({"label": probe["label"], **({"raised": raised} if raised else verdict(result))})
    return results


def seeded_trace_ids(n: int, seed: int) -> list[int]:
    """``n`` valid 128-bit trace ids from ``random.Random(seed)``: the same list in every process."""
    rng = random.Random(seed)
    return [rng.getrandbits(128) or 1 for _ in range(n)]


def count_sampled(ctx: DriverContext, sampler: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """How many of ``spec["n"]`` seeded root trace ids the sampler samples."""
    ids = seeded_trace_ids(int(spec["n"]), int(spec["seed"]))
    name, kind, attributes = spec["name"], _kind(spec.get("kind")), spec.get("attributes")
    should_sample = sampler.should_sample

    def count() -> int:
        return sum(1 for trace_id in ids if should_sample(None, trace_id, name, kind, attributes, None).decision.is_sampled())

    sampled = ctx.call(f"calling should_sample() for {len(ids)} root spans named {name!r}", count)
    return {"n": len(ids), "sampled": sampled}


class FakeClock:
    """A clock the grader moves by hand: calling it answers the current fake time in seconds."""

    def __init__(self) -> None:
        self.now = 0.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now


def run_limiter(ctx: DriverContext, limiter_class: Any, spec: dict[str, Any], seed: int = 11) -> dict[str, Any]:
    """Build ``RateLimitingSampler(max_per_second, clock=fake)`` and ask for one root decision per step."""
    clock = FakeClock()
    rate = spec["max_per_second"]
    label = spec.get("label", f"RateLimitingSampler({rate})")
    limiter, raised = _guarded(ctx, f"calling RateLimitingSampler({rate!r}, clock=...)", lambda: limiter_class(rate, clock=clock))
    if raised:
        return {"label": label, "raised": raised, "steps": []}
    ids = seeded_trace_ids(len(spec["steps"]), seed)
    steps = []
    for number, (step, trace_id) in enumerate(zip(spec["steps"], ids, strict=True)):
        clock.now = float(step["at"])
        attributes = step.get("attributes")
        should_sample = getattr(limiter, "should_sample", None)
        if not callable(should_sample):
            return {"label": label, "raised": {"type": "AttributeError", "message": "the limiter has no should_sample()"}, "steps": steps}
        phase = f"calling the limiter's should_sample() at t={clock.now:g} s for {step['name']!r}"
        result, raised = _guarded(ctx, phase, should_sample, None, trace_id, step["name"], _kind(step.get("kind")), attributes, None)
        route = (attributes or {}).get("http.route")
        steps.append({"step": number, "at": clock.now, "name": step["name"], "route": route, **({"raised": raised} if raised else verdict(result))})
        if raised:
            break
    return {"label": label, "steps": steps, "clock_reads": clock.reads}


def describe(ctx: DriverContext, module: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """``get_description()`` of ``build_sampler()`` and of a ``RateLimitingSampler``, or what they raised."""
    out: dict[str, Any] = {}
    sampler = _sampler_object(ctx, ctx.call("build_sampler", ctx.attribute(module, "build_sampler")), "build_sampler()")
    text, raised = _guarded(ctx, "calling build_sampler().get_description()", sampler.get_description)
    out["build_sampler"] = {"raised": raised} if raised else safe_repr(text, keep_strings=True)
    rate = spec.get("limiter_rate", 2.5)
    limiter_class = getattr(module, "RateLimitingSampler", None)
    if limiter_class is None:  # the other checks of this run can still judge build_sampler()
        out["limiter"] = {"raised": {"type": "MissingName", "message": f"{module.__name__}.py has no RateLimitingSampler"}}
        out["limiter_rate"] = rate
        return out
    limiter, raised = _guarded(ctx, f"calling RateLimitingSampler({rate!r})", limiter_class, rate)
    if not raised:
        text, raised = _guarded(ctx, "calling the limiter's get_description()", getattr(limiter, "get_description", lambda: None))
    out["limiter"] = {"raised": raised} if raised else safe_repr(text, keep_strings=True)
    out["limiter_rate"] = rate
    return out


class _Recorder:
    """Stands between the TracerProvider and the learner's sampler, noting each call and its answer."""

    def __init__(self, sampler: Any):
        self.sampler = sampler
        self.calls: list[dict[str, Any]] = []

    def should_sample(self, *args: Any, **kwargs: Any) -> Any:
        from opentelemetry import trace

        bound = dict(zip(("parent_context", "trace_id", "name", "kind", "attributes"), args, strict=False)) | kwargs
        parent = trace.get_current_span(bound.get("parent_context")).get_span_context()
        route = (bound.get("attributes") or {}).get("http.route")
        call = {
            "name": safe_repr(bound.get("name"), 120, keep_strings=True),
            "route": None if route is None else safe_repr(route, 120, keep_strings=True),
            "parent_flags": int(parent.trace_flags) if parent.is_valid else None,
        }
        self.calls.append(call)
        try:
            result = self.sampler.should_sample(*args, **kwargs)
        except Exception as exc:
            call["raised"] = _raised(exc)
            raise
        call.update(verdict(result))
        return result

    def get_description(self) -> str:
        return self.sampler.get_description()


def span_dict(span: Any) -> dict[str, Any]:
    """An exported span as data: name, kind, ids in hex, trace flags as an int, its parent."""
    parent = span.parent
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{span.context.trace_id:032x}",
        "span_id": f"{span.context.span_id:016x}",
        "trace_flags": int(span.context.trace_flags),
        "parent": None if parent is None else {"span_id": f"{parent.span_id:016x}", "is_remote": parent.is_remote},
        "http_route": (span.attributes or {}).get("http.route"),
    }


def demo_app() -> Any:
    """The grader's own small Flask app whose requests the learner's sampler judges."""
    from flask import Flask

    app = Flask("o11y_sampling_demo")
    app.add_url_rule("/search", "search", lambda: {"results": []})
    app.add_url_rule("/health", "health", lambda: "ok")
    app.add_url_rule("/metrics", "metrics", lambda: ("# no metrics here\n", 200, {"Content-Type": "text/plain"}))
    app.add_url_rule("/items/<int:item_id>", "item", lambda item_id: {"id": item_id})
    return app


def _scripted_ids(seed: int) -> Any:
    from opentelemetry.sdk.trace.id_generator import IdGenerator

    class ScriptedIds(IdGenerator):
        """Random-looking ids from a seeded generator, except the root trace ids a request asks for."""

        def __init__(self) -> None:
            self.rng = random.Random(seed)
            self.next_trace_id: int | None = None

        def generate_span_id(self) -> int:
            return self.rng.getrandbits(64) or 1

        def generate_trace_id(self) -> int:
            chosen, self.next_trace_id = self.next_trace_id, None
            return chosen if chosen is not None else self.rng.getrandbits(128) or 1

        def is_trace_id_random(self) -> bool:
            return True  # like the SDK's default generator, so sampled roots carry flags 03

    return ScriptedIds()


def run_flask(ctx: DriverContext, sampler: Any, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Serve each request through the instrumented demo app; report the spans each one exported."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.metrics import NoOpMeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    recorder = _Recorder(sampler)
    ids = _scripted_ids(int(spec.get("seed", 5)))
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=recorder, id_generator=ids)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = demo_app()
    FlaskInstrumentor.instrument_app(app, tracer_provider=provider, meter_provider=NoOpMeterProvider())
    client = app.test_client()
    results = []
    for request in spec.get("requests", []):
        path = request["path"]
        ids.next_trace_id = int(request["trace_id"]) if request.get("trace_id") else None
        before_spans, before_calls = len(exporter.get_finished_spans()), len(recorder.calls)
        response = ctx.call(f"request GET {path}", client.get, path, headers=request.get("headers"))
        results.append(
            {
                "path": path,
                "status": response.status_code,
                "spans": [span_dict(s) for s in exporter.get_finished_spans()[before_spans:]],
                "calls": recorder.calls[before_calls:],
            }
        )
    FlaskInstrumentor.uninstrument_app(app)
    provider.shutdown()
    return results


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Import the learner's sampling module and run each part the params ask for."""
    module = ctx.import_module(params.get("module", "sampling"))
    values: dict[str, Any] = {}
    needs_sampler = any(key in params for key in ("probes", "count", "flask"))
    if needs_sampler:
        build = ctx.attribute(module, "build_sampler")
        sampler = _sampler_object(ctx, ctx.call("build_sampler", build), "build_sampler()")
        if "probes" in params:
            values["probes"] = run_probes(ctx, sampler, params["probes"])
        if "count" in params:
            values["count"] = count_sampled(ctx, sampler, params["count"])
        if "flask" in params:
            values["flask"] = run_flask(ctx, sampler, params["flask"])
    if "limiters" in params:
        limiter_class = ctx.attribute(module, "RateLimitingSampler")
        values["limiters"] = [run_limiter(ctx, limiter_class, spec) for spec in params["limiters"]]
    if "describe" in params:
        values["describe"] = describe(ctx, module, params["describe"])
    return {"values": values}
