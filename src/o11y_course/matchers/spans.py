"""Span trees: built from parent span ids (never from export order), printed as indented text, and
compared with an expected tree so that a check can name the first difference in plain words.

Spans are the plain dicts the drivers report (``drivers/two_services.py``): ``name``, ``kind``,
``service``, ``status``, ``trace_id``, ``span_id``, ``parent_span_id``, ``parent_is_remote``,
``start_ns``... A span's parent is looked up by (trace id, parent span id); a span whose parent is
not among the spans given (none, or a caller in another process) is a root.

The comparison reads the expected tree top-down and stops at the first difference: a wrong kind,
name, service or status, a missing span, a span under the wrong parent, a trace that broke where it
crossed the network, or a span the expected tree does not have. Extra INTERNAL spans are allowed
anywhere (an app may time its own work); a span between an expected parent and child is skipped
over when it is INTERNAL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from o11y_course.feedback import CheckFailure

Span = Mapping[str, Any]
MAX_LINES = 24


@dataclass(frozen=True)
class SpanSpec:
    """One expected span and its expected children.

    ``name`` None accepts any name; ``status`` None accepts any status, and "UNSET" also accepts OK
    (an explicit OK is never wrong for a success); ``remote_parent`` True requires a parent that
    came from another process (the traceparent header).
    """

    kind: str
    service: str
    name: str | None = None
    status: str | None = "UNSET"
    remote_parent: bool | None = None
    children: tuple[SpanSpec, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name if self.name is not None else '(any name)'} [{self.service}]"

    def walk(self) -> Iterable[SpanSpec]:
        """This spec and every spec below it, top-down."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Difference:
    """The first way the actual tree differs from the expected one, in plain words, with a hint."""

    kind: str  # wrong-kind | wrong-name | wrong-service | wrong-status | not-remote | missing | wrong-parent | propagation | extra
    message: str
    hint: str
    traces: tuple[str, ...] = field(default=())  # trace ids worth showing besides the compared one


def label(span: Span) -> str:
    """``KIND name [service]``."""
    return f"{span.get('kind')} {span.get('name')} [{span.get('service')}]"


def _key(span: Span) -> tuple[str, str]:
    return (str(span.get("trace_id")), str(span.get("span_id")))


def _parent_key(span: Span) -> tuple[str, str] | None:
    parent = span.get("parent_span_id")
    return None if parent is None else (str(span.get("trace_id")), str(parent))


def _start(span: Span) -> int:
    return int(span.get("start_ns") or 0)


class SpanIndex:
    """Spans by id, and each span's children, ordered by start time."""

    def __init__(self, spans: Iterable[Span]):
        self.spans = sorted(spans, key=_start)
        self.by_key = {_key(s): s for s in self.spans}
        self._children: dict[tuple[str, str], list[Span]] = {}
        for span in self.spans:
            parent = _parent_key(span)
            if parent is not None and parent in self.by_key:
                self._children.setdefault(parent, []).append(span)

    def children(self, span: Span) -> list[Span]:
        return self._children.get(_key(span), [])

    def parent(self, span: Span) -> Span | None:
        parent = _parent_key(span)
        return None if parent is None else self.by_key.get(parent)

    def roots(self) -> list[Span]:
        """Spans whose parent is not among the spans: true roots, and spans continued from another process."""
        return [s for s in self.spans if self.parent(s) is None]


def local_root(spans: Iterable[Span], service: str, started_ns: int, ended_ns: int, *, by: str = "service") -> Span | None:
    """The first span of ``service`` started in the window that has no parent in its own process.

    ``by`` names the field that tells the service: ``service`` (the resource's ``service.name``) or
    ``exporter`` (whose exporter received the span, right even when the resource is wrong).
    """
    for span in sorted(spans, key=_start):
        in_window = started_ns <= _start(span) <= ended_ns
        no_local_parent = span.get("parent_span_id") is None or span.get("parent_is_remote") is True
        if span.get(by) == service and in_window and no_local_parent:
            return span
    return None


def spans_between(spans: Iterable[Span], started_ns: int, ended_ns: int) -> list[Span]:
    """Spans that started inside the window (a request's send and answer times)."""
    return [s for s in spans if started_ns <= _start(s) <= ended_ns]


def _line(span: Span) -> str:
    remote = " (remote parent)" if span.get("parent_is_remote") else ""
    return f"{label(span)} {span.get('status')}{remote}"


def render_tree(spans: Iterable[Span], traces: Iterable[str] | None = None, *, max_lines: int = MAX_LINES) -> str:
    """The spans as indented text trees, one per root, each headed by its trace id.

    With ``traces`` only the trees of those trace ids are shown.
    """
    index = SpanIndex(spans)
    wanted = None if traces is None else set(traces)
    lines: list[str] = []

    def walk(span: Span, depth: int) -> None:
        lines.append("  " * depth + _line(span))
        for child in index.children(span):
            walk(child, depth + 1)

    for root in index.roots():
        if wanted is not None and root.get("trace_id") not in wanted:
            continue
        lines.append(f"trace {str(root.get('trace_id'))[:8]}...")
        walk(root, 1)
    if not lines:
        return "  (no spans)"
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... {len(lines) - max_lines} more lines"]
    return "\n".join("  " + line for line in lines)


def render_spec(spec: SpanSpec) -> str:
    """The expected tree as indented text, in the same shape as ``render_tree``."""
    lines: list[str] = []

    def walk(node: SpanSpec, depth: int) -> None:
        status = node.status if node.status is not None else "(any status)"
        remote = " (remote parent)" if node.remote_parent else ""
        lines.append("  " * depth + f"{node.label} {status}{remote}")
        for child in node.children:
            walk(child, depth + 1)

    walk(spec, 1)
    return "\n".join("  " + line for line in lines)


def _matches(spec: SpanSpec, span: Span) -> bool:
    return span.get("kind") == spec.kind and span.get("service") == spec.service and (spec.name is None or span.get("name") == spec.name)


def _a(word: Any) -> str:
    return f"{'an' if str(word)[:1] in 'AEIOU' else 'a'} {word}"


def _status_ok(expected: str | None, actual: Any) -> bool:
    if expected is None:
        return True
    if expected == "UNSET":
        return actual in ("UNSET", "OK")
    return actual == expected


KIND_HINTS = {
    "SERVER": "the span of an incoming request is a SERVER span: instrument the app (FlaskInstrumentor().instrument_app) with this service's provider",
    "CLIENT": "an outgoing call gets a CLIENT span: start it with kind=SpanKind.CLIENT (or let an instrumentation of requests make it)",
    "INTERNAL": "work inside the process is an INTERNAL span, the default kind of tracer.start_as_current_span(name)",
}


NO_SPANS_HINT = (
    "configure_tracing(name, exporter) must add a processor that hands each ended span to that exporter "
    "(SimpleSpanProcessor), and each app must be traced with the provider it is given"
)


class _Comparison:
    def __init__(self, spec: SpanSpec, root: Span, spans: Iterable[Span]):
        self.spec, self.root = spec, root
        self.index = SpanIndex(spans)
        self.identities = list(spec.walk())
        self.matched: set[tuple[str, str]] = set()

    def run(self) -> Difference | None:
        return self._node(self.spec, self.root) or self._leftovers()

    def _node(self, spec: SpanSpec, span: Span) -> Difference | None:
        self.matched.add(_key(span))
        found = self._identity(spec, span) or self._status(spec, span)
        if found is not None:
            return found
        if spec.remote_parent and span.get("parent_is_remote") is not True:
            where = "has no parent at all" if span.get("parent_span_id") is None else "has a parent in its own process"
            return Difference(
                "not-remote",
                f"`{label(span)}` {where}; expected a remote parent, continued from the traceparent header of the incoming request",
                "let the Flask instrumentation start the SERVER span from the incoming headers; never start it inside another span",
            )
        pool = self._reachable(span)
        pairs: list[tuple[SpanSpec, Span]] = []
        for child in spec.children:
            match = next((s for s in pool if _key(s) not in self.matched and _matches(child, s)), None)
            if match is None:
                return self._explain_missing(child, spec, span, pool)
            self.matched.add(_key(match))
            pairs.append((child, match))
        for child, match in pairs:
            found = self._node(child, match)
            if found is not None:
                return found
        return None

    def _identity(self, spec: SpanSpec, span: Span) -> Difference | None:
        if span.get("kind") != spec.kind:
            return Difference(
                "wrong-kind",
                f"`{span.get('name')} [{span.get('service')}]` is {_a(span.get('kind'))} span, expected {spec.kind}",
                KIND_HINTS.get(spec.kind, f"use kind=SpanKind.{spec.kind}"),
            )
        if spec.name is not None and span.get("name") != spec.name:
            return Difference(
                "wrong-name",
                f"`{label(span)}` is named {span.get('name')!r}, expected {spec.name!r}",
                "name a span after the operation (the route template for requests, not the raw path)",
            )
        if span.get("service") != spec.service:
            return Difference(
                "wrong-service",
                f"`{span.get('kind')} {span.get('name')}` belongs to service {span.get('service')!r}, expected {spec.service!r}",
                'give each service its own provider from configure_tracing(name), whose resource sets service.name to that name',
            )
        return None

    def _status(self, spec: SpanSpec, span: Span) -> Difference | None:
        if _status_ok(spec.status, span.get("status")):
            return None
        if spec.status == "ERROR":
            hint = "a span ends ERROR when an exception leaves it or a server answers 5xx; do not catch the failure before it reaches the span"
        else:
            hint = "a 4xx answer is a correct answer, not a server error: leave the status UNSET (do not raise or set ERROR inside the span for it)"
        return Difference("wrong-status", f"`{label(span)}` has status {span.get('status')}, expected {spec.status}", hint)

    def _is_expected_somewhere(self, span: Span) -> bool:
        return any(_matches(spec, span) for spec in self.identities)

    def _reachable(self, span: Span) -> list[Span]:
        """Children of ``span``, plus the children of INTERNAL children that the expected tree does not name."""
        found: list[Span] = []
        queue = list(self.index.children(span))
        while queue:
            child = queue.pop(0)
            found.append(child)
            if child.get("kind") == "INTERNAL" and not self._is_expected_somewhere(child):
                queue.extend(self.index.children(child))
        return found

    def _plays_role(self, spec: SpanSpec, span: Span) -> bool:
        """Same name as ``spec``; for a spec of any name, the expected children hang under ``span`` instead."""
        if spec.name is not None:
            return span.get("name") == spec.name
        children = self.index.children(span)
        return not spec.children or any(_matches(c, child) for c in spec.children for child in children)

    def _explain_missing(self, spec: SpanSpec, parent_spec: SpanSpec, parent: Span, pool: list[Span]) -> Difference:
        free = [s for s in pool if _key(s) not in self.matched]
        direct = [s for s in self.index.children(parent) if _key(s) not in self.matched and not self._is_expected_somewhere(s)]
        wrong_kind = [s for s in direct if s.get("service") == spec.service and self._plays_role(spec, s)]
        wrong_service = [s for s in free if s.get("kind") == spec.kind and s.get("name") == spec.name and s.get("service") != spec.service]
        for candidate in wrong_kind + wrong_service:
            found = self._identity(spec, candidate)
            if found is not None:
                return found
        namesakes = [s for s in self.index.spans if _key(s) not in self.matched and _matches(spec, s)]
        if namesakes:
            return self._misplaced(spec, parent, namesakes[0], free)
        for candidate in direct:  # the right kind and service under another name
            found = self._identity(spec, candidate) if candidate.get("kind") == spec.kind else None
            if found is not None:
                return found
        there = ", ".join(f"`{label(s)}`" for s in self.index.children(parent)) or "no spans"
        return Difference(
            "missing",
            f"missing span: no `{spec.label}` under `{label(parent)}` (it has {there} below it)",
            _missing_hint(spec, parent_spec),
        )

    def _misplaced(self, spec: SpanSpec, parent: Span, namesake: Span, free: list[Span]) -> Difference:
        if namesake.get("trace_id") != parent.get("trace_id"):
            crossing = namesake.get("service") != parent.get("service")
            is_root = self.index.parent(namesake) is None
            where = "is the root of a different trace" if is_root else f"belongs to a different trace (under `{label(self.index.parent(namesake) or {})}`)"
            if crossing:
                return Difference(
                    "propagation",
                    f"{namesake.get('service')} span `{label(namesake)}` {where}: trace context was not propagated; instrument requests or inject the headers",
                    "inside the CLIENT span, write its context into the outgoing headers (TraceContextTextMapPropagator().inject(headers)) "
                    "or instrument requests with this app's tracer provider",
                    traces=(str(namesake.get("trace_id")),),
                )
            return Difference(
                "propagation",
                f"`{label(namesake)}` {where}: it was started outside the context of `{label(parent)}`",
                f"start it while `{label(parent)}` is the current span (inside its with block), without passing another context",
                traces=(str(namesake.get("trace_id")),),
            )
        actual_parent = self.index.parent(namesake)
        if actual_parent is not None and any(_key(actual_parent) == _key(s) for s in free):
            return Difference(
                "extra",
                f"extra span `{label(actual_parent)}` between `{label(parent)}` and `{label(namesake)}`; the expected tree has nothing there",
                "make one span per operation: look for a call traced twice (an instrumentation plus a span of your own around the same call)",
            )
        under = f"`{label(actual_parent)}`" if actual_parent is not None else "a parent that was never exported"
        if namesake.get("service") != parent.get("service"):
            hint = f"inject the trace context into the outgoing headers while `{label(parent)}` is the current span (inside its with block)"
        else:
            hint = f"start `{spec.label}` while `{label(parent)}` is the current span, so it becomes the parent"
        return Difference("wrong-parent", f"wrong parent: `{label(namesake)}` hangs under {under}, expected under `{label(parent)}`", hint)

    def _leftovers(self) -> Difference | None:
        """Spans of the compared trace that match no expected span although the expected tree names their kind."""
        trace_id = self.root.get("trace_id")
        for span in self.index.spans:
            if span.get("trace_id") != trace_id or _key(span) in self.matched:
                continue
            if span.get("kind") == "INTERNAL" and not self._is_expected_somewhere(span):
                continue
            parent = self.index.parent(span)
            if parent is None and _key(span) != _key(self.root) and span.get("parent_span_id") is not None:
                continue  # continued from a caller outside the compared tree
            under = f" under `{label(parent)}`" if parent is not None else " as a second root"
            return Difference(
                "extra",
                f"extra span `{label(span)}`{under}: the expected tree has no such span there",
                "make one span per operation: look for a call traced twice (an instrumentation plus a span of your own around the same call)",
            )
        return None


def _missing_hint(spec: SpanSpec, parent_spec: SpanSpec) -> str:
    if spec.service != parent_spec.service:
        return (
            f"the {spec.service} must receive the call with the trace context and trace it with its own provider "
            "(FlaskInstrumentor().instrument_app(app, tracer_provider=...))"
        )
    if spec.kind == "CLIENT":
        return "wrap the outgoing call in a CLIENT span of this app's tracer (or instrument requests with this app's provider)"
    if spec.kind == "SERVER":
        return "instrument the app with FlaskInstrumentor().instrument_app(app, tracer_provider=...) so each request gets a SERVER span"
    return f"create it with tracer.start_as_current_span({spec.name!r}) while `{parent_spec.label}` is the current span"


def first_difference(spec: SpanSpec, root: Span, spans: Iterable[Span]) -> Difference | None:
    """The first difference between the tree under ``root`` and ``spec``, or None when they agree.

    ``spans`` are all the spans that may take part (both services, this request's time window):
    spans in the wrong place are looked for there, to say where they went instead.
    """
    return _Comparison(spec, root, spans).run()


def expect_tree(spec: SpanSpec, root: Span | None, spans: Sequence[Span], what: str) -> None:
    """Fail with the first difference, the expected tree and the actual one, unless they agree."""
    if root is None:
        hint = NO_SPANS_HINT if not spans else KIND_HINTS.get(spec.kind, KIND_HINTS["SERVER"])
        raise CheckFailure(
            f"{what}: no `{spec.label}` span was exported for it.\nExpected:\n{render_spec(spec)}\nFound:\n{render_tree(spans)}",
            hint,
        )
    difference = first_difference(spec, root, spans)
    if difference is None:
        return
    traces = (str(root.get("trace_id")), *difference.traces)
    raise CheckFailure(
        f"{what}: {difference.message}.\nExpected:\n{render_spec(spec)}\nFound:\n{render_tree(spans, traces)}",
        difference.hint,
    )
