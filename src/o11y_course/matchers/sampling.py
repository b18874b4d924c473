"""Asking a learner's sampler for decisions, and judging its answers (see ``drivers/sampler_probe.py``).

The builders make the JSON parameters of a sampler scenario; the judges turn the driver's plain
answers into one teaching failure that lists the wrong decisions, expected against found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from o11y_course.feedback import CheckFailure, fail
from o11y_course.observation import Observation
from o11y_course.scenario import Scenario

SAMPLER_DRIVER = "o11y_course.drivers.sampler_probe:run"
TRACE_ID_LIMIT = 2**64 - 1
SEARCH_RATIO = 0.1
SEARCH_BOUND = round(SEARCH_RATIO * 2**64)  # TraceIdRatioBased(0.1).bound == 1844674407370955264
SAMPLED = 0x01
SHOWN = 3
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s*%)?")


# --------------------------------------------------------------------------- what the scenario asks


def trace_id(low: int, high: int = 0) -> int:
    """A 128-bit trace id from its high and low 64-bit halves."""
    return (high & TRACE_ID_LIMIT) << 64 | (low & TRACE_ID_LIMIT)


def flask_attributes(route: str, path: str | None = None, method: str = "GET") -> dict[str, Any]:
    """Span attributes like those the Flask instrumentation passes to a sampler at span start."""
    return {"http.method": method, "http.scheme": "http", "http.target": path or route, "http.route": route}


def remote_parent(flags: int) -> dict[str, Any]:
    """A parent span from another service (as extracted from ``traceparent``) with these trace flags."""
    return {"remote": True, "flags": flags}


def local_parent(flags: int) -> dict[str, Any]:
    """A parent span from this process with these trace flags."""
    return {"remote": False, "flags": flags}


def probe(
    label: str,
    trace_id: int,
    name: str,
    attributes: Mapping[str, Any] | None = None,
    *,
    parent: Any = None,
    kind: str = "SERVER",
) -> dict[str, Any]:
    """One ``should_sample`` call: ``parent`` is None, ``"empty"`` or a ``remote_parent``/``local_parent``."""
    return {
        "label": label,
        "trace_id": str(trace_id),
        "name": name,
        "attributes": dict(attributes) if attributes is not None else None,
        "parent": parent,
        "kind": kind,
    }


def route_probe(label: str, trace_id: int, route: str, *, parent: Any = None, path: str | None = None) -> dict[str, Any]:
    """A probe for a server span of ``route`` exactly as the Flask instrumentation starts one."""
    return probe(label, trace_id, f"GET {route}", flask_attributes(route, path), parent=parent)


def limiter_step(at: float, route: str, *, by_name: bool = False) -> dict[str, Any]:
    """One root span of ``route`` at fake time ``at``; ``by_name`` leaves out the attributes."""
    return {"at": at, "name": f"GET {route}", "attributes": None if by_name else flask_attributes(route)}


def limiter_run(label: str, max_per_second: float, steps: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A RateLimitingSampler on a fake clock, asked once per step."""
    return {"label": label, "max_per_second": max_per_second, "steps": list(steps)}


def traceparent(trace_id: int, flags: int, span_id: int = 0x00F067AA0BA902B7) -> str:
    """A W3C ``traceparent`` header value."""
    return f"00-{trace_id:032x}-{span_id:016x}-{flags:02x}"


def flask_request(path: str, *, trace_id: int | None = None, parent_flags: int | None = None) -> dict[str, Any]:
    """A GET to the demo app: a root span with ``trace_id``, or a remote parent with ``parent_flags``."""
    request: dict[str, Any] = {"path": path, "trace_id": str(trace_id) if trace_id is not None else None}
    if parent_flags is not None:
        request["headers"] = {"traceparent": traceparent(trace_id or 1, parent_flags)}
        request["trace_id"] = None
    return request


def sampler_scenario(
    name: str,
    *,
    probes: Sequence[dict[str, Any]] | None = None,
    count: dict[str, Any] | None = None,
    limiters: Sequence[dict[str, Any]] | None = None,
    describe: dict[str, Any] | None = None,
    flask: Sequence[dict[str, Any]] | None = None,
    module: str = "sampling",
    timeout: float | None = None,
) -> Scenario:
    """A scenario for the sampler driver; only the parts given are run."""
    params: dict[str, Any] = {"module": module}
    if probes is not None:
        labels = [p["label"] for p in probes]
        if len(set(labels)) != len(labels):
            raise ValueError("probe labels must be unique")
        params["probes"] = list(probes)
    if count is not None:
        params["count"] = count
    if limiters is not None:
        params["limiters"] = list(limiters)
    if describe is not None:
        params["describe"] = describe
    if flask is not None:
        params["flask"] = {"requests": list(flask)}
    return Scenario(name, SAMPLER_DRIVER, json.dumps(params, sort_keys=True), timeout)


# --------------------------------------------------------------------------- judging the answers


def sampled_bit(flags: int) -> bool:
    """Whether trace flags say "sampled": bit 0, whatever the other bits (``03`` is sampled too)."""
    return bool(flags & SAMPLED)


def found_text(result: Mapping[str, Any]) -> str:
    """What a decision was, in words: its Decision name, or what went wrong."""
    if "raised" in result:
        raised = result["raised"]
        return f"should_sample() raised {raised.get('type')}: {raised.get('message', '')[:120]}"
    if "wrong" in result:
        return str(result["wrong"])
    return str(result.get("decision"))


def _listed(lines: list[str]) -> str:
    shown = "; ".join(lines[:SHOWN])
    return shown + (f"; and {len(lines) - SHOWN} more" if len(lines) > SHOWN else "")


def probe_results(observation: Observation) -> dict[str, dict[str, Any]]:
    """The driver's answers to the scenario's probes, by label."""
    return {r["label"]: r for r in observation.values.get("probes", [])}


def wrong_decisions(results: Mapping[str, Mapping[str, Any]], expected: Mapping[str, bool]) -> list[str]:
    """One line per probe whose answer differs from the expected sampled/not sampled."""
    lines = []
    for label, want in expected.items():
        result = results.get(label)
        if result is None:
            lines.append(f"{label}: no answer")
        elif "sampled" not in result or result["sampled"] is not want:
            lines.append(f"{label}: expected {'sampled' if want else 'not sampled'}, found {found_text(result)}")
    return lines


def expect_decisions(observation: Observation, expected: Mapping[str, bool], what: str, hint: str) -> None:
    """Fail, listing the wrong ones, unless every probe in ``expected`` was decided as expected."""
    results = probe_results(observation)
    crashed = [f"{label}: {found_text(results[label])}" for label in expected if label in results and "sampled" not in results[label]]
    if crashed:
        fail(f"Your sampler did not answer with a SamplingResult for {what}: {_listed(crashed)}.",
             "return a SamplingResult (delegating to a built-in sampler gives you one) and handle attributes=None")
    wrong = wrong_decisions(results, expected)
    if wrong:
        fail(f"{len(wrong)} of {len(expected)} decisions for {what} are wrong: {_listed(wrong)}.", hint)


def limiter_result(observation: Observation, label: str) -> dict[str, Any]:
    """The driver's run of the limiter called ``label``; a failure when its construction raised."""
    for run in observation.values.get("limiters", []):
        if run.get("label") == label:
            if "raised" in run:
                raised = run["raised"]
                raise CheckFailure(
                    f"RateLimitingSampler could not be used ({label}): it raised {raised.get('type')}: {raised.get('message', '')[:160]}.",
                    "keep the signature RateLimitingSampler(max_per_second, clock=time.monotonic) and store both",
                )
            return run
    raise CheckFailure(f"The grader found no result for the limiter run {label!r}.")


def timeline(steps: Sequence[Mapping[str, Any]]) -> str:
    """A compact picture of limiter decisions: ``t=0 /a:S /a:S /a:- | t=0.5 ...`` (S sampled, - dropped)."""
    groups: list[tuple[float, list[str]]] = []
    for step in steps:
        mark = "S" if step.get("sampled") else ("!" if "sampled" not in step else "-")
        route = step.get("route") or step.get("name", "").partition(" ")[2] or step.get("name", "")
        entry = f"{route}:{mark}"
        if groups and groups[-1][0] == step["at"]:
            groups[-1][1].append(entry)
        else:
            groups.append((step["at"], [entry]))
    return " | ".join(f"t={at:g}s {' '.join(entries)}" for at, entries in groups)


def expect_limiter(observation: Observation, label: str, expected: Sequence[bool], hint: str) -> None:
    """Fail unless the limiter run ``label`` sampled exactly as ``expected`` (one bool per step)."""
    run = limiter_result(observation, label)
    steps = run["steps"]
    for step in steps:
        if "sampled" not in step:
            fail(f"In {label}, the limiter's should_sample() at t={step['at']:g} s for {step['name']!r} failed: {found_text(step)}.",
                 "return a SamplingResult from should_sample(), e.g. by delegating to ALWAYS_ON or ALWAYS_OFF")
    found = [bool(s["sampled"]) for s in steps]
    if found == list(expected):
        return
    first = next(i for i, (f, e) in enumerate(zip(found, expected, strict=False)) if f != e)
    step = steps[first]
    wanted = expected[first]
    expected_steps = [{**s, "sampled": e} for s, e in zip(steps, expected, strict=False)]
    fail(
        f"In {label}, the span {step['name']!r} at t={step['at']:g} s should be {'sampled' if wanted else 'dropped'}, "
        f"but was {'sampled' if not wanted else 'dropped'}. Expected {timeline(expected_steps)}; found {timeline(steps)}.",
        hint,
    )


def numbers_in(text: str) -> list[float]:
    """The numbers written in ``text``; a percentage such as ``10%`` counts as 0.1."""
    numbers = []
    for digits, percent in _NUMBER.findall(text):
        value = float(digits)
        numbers.append(value / 100 if percent else value)
    return numbers


def mentions_number(text: str, value: float) -> bool:
    """True when ``text`` writes ``value`` (as 2.5, 2.50 or, for a ratio, 10%)."""
    return any(abs(n - value) < 1e-9 for n in numbers_in(text))


def flask_results(observation: Observation) -> list[dict[str, Any]]:
    """Per request of the Flask run: path, status, exported spans, and what the sampler was asked."""
    return list(observation.values.get("flask", []))


def describe_request(result: Mapping[str, Any], what: str) -> str:
    """One request of the Flask run in words: what the sampler answered and what was exported."""
    answers = ", ".join(found_text(c) for c in result.get("calls", [])) or "the sampler was not called"
    spans = ", ".join(f"{s['name']} (flags {s['trace_flags']:02x})" for s in result.get("spans", [])) or "no span"
    status = "" if result.get("status") == 200 else f" the app answered {result.get('status')},"
    return f"{what}:{status} the sampler said {answers}, exported {spans}"


def expect_exported(observation: Observation, expected: Sequence[tuple[str, bool]], hint: str) -> None:
    """Fail unless request i of the Flask run exported one sampled server span exactly when ``expected[i]`` says so.

    ``expected`` holds, per request in order, a description of it and whether its span must be exported.
    """
    results = flask_results(observation)
    if len(results) != len(expected):
        fail(f"The Flask run answered {len(results)} of {len(expected)} requests.")
    wrong = []
    for result, (what, wanted) in zip(results, expected, strict=True):
        spans = result.get("spans", [])
        raised = [c for c in result.get("calls", []) if "raised" in c or "wrong" in c]
        if raised or result.get("status") != 200:
            wrong.append(describe_request(result, what))
        elif wanted and not (len(spans) == 1 and sampled_bit(spans[0]["trace_flags"])):
            wrong.append(f"expected its span exported: {describe_request(result, what)}")
        elif not wanted and spans:
            wrong.append(f"expected no span: {describe_request(result, what)}")
    if wrong:
        fail(f"Inside a real TracerProvider with the Flask instrumentation, {len(wrong)} of {len(expected)} requests went wrong: {_listed(wrong)}.", hint)
