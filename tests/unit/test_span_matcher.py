"""The span-tree matcher: trees from parent ids, indented text, and the first difference in plain words."""

from __future__ import annotations

import pytest

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.spans import SpanSpec, expect_tree, first_difference, local_root, render_spec, render_tree, spans_between

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CHECKOUT = "GET /checkout/<sku>"
INVENTORY = "GET /inventory/<sku>"


def span(name, kind, service, span_id, parent=None, *, trace=TRACE, status="UNSET", remote=None, start=None):
    """A span as the two-services driver reports it; ids are short numbers made into hex."""
    return {
        "name": name,
        "kind": kind,
        "service": service,
        "trace_id": trace,
        "span_id": f"{span_id:016x}",
        "parent_span_id": None if parent is None else f"{parent:016x}",
        "parent_is_remote": None if parent is None else bool(remote),
        "status": status,
        "start_ns": 1000 + span_id if start is None else start,
    }


def good_trace(status="UNSET"):
    """frontend SERVER -> CLIENT -> backend SERVER (remote parent) -> INTERNAL inventory.lookup."""
    return [
        span(CHECKOUT, "SERVER", "frontend", 1, status=status),
        span("GET", "CLIENT", "frontend", 2, 1, status=status),
        span(INVENTORY, "SERVER", "backend", 3, 2, remote=True, status=status),
        span("inventory.lookup", "INTERNAL", "backend", 4, 3, status=status),
    ]


def expected(status="UNSET"):
    return SpanSpec(
        "SERVER", "frontend", CHECKOUT, status, children=(
            SpanSpec("CLIENT", "frontend", None, None, children=(
                SpanSpec("SERVER", "backend", INVENTORY, status, remote_parent=True, children=(
                    SpanSpec("INTERNAL", "backend", "inventory.lookup", status),
                )),
            )),
        ),
    )


def difference(spans, spec=None):
    root = next(s for s in spans if s["name"] == CHECKOUT)
    return first_difference(spec or expected(), root, spans)


def replaced(spans, span_id, **changes):
    return [{**s, **changes} if s["span_id"] == f"{span_id:016x}" else s for s in spans]


class TestTrees:
    def test_tree_is_built_from_parent_ids_not_export_order(self):
        """Children are exported before their parents; the tree comes out the same either way."""
        spans = good_trace()
        assert render_tree(spans) == render_tree(list(reversed(spans)))
        assert difference(list(reversed(spans))) is None

    def test_renders_kind_name_service_status_indented(self):
        """Each line reads KIND name [service] STATUS, children two spaces deeper, remote parents marked."""
        lines = render_tree(good_trace()).splitlines()
        assert lines[0].strip() == f"trace {TRACE[:8]}..."
        assert lines[1] == "    SERVER GET /checkout/<sku> [frontend] UNSET"
        assert lines[2] == "      CLIENT GET [frontend] UNSET"
        assert lines[3] == "        SERVER GET /inventory/<sku> [backend] UNSET (remote parent)"
        assert lines[4] == "          INTERNAL inventory.lookup [backend] UNSET"

    def test_renders_the_expected_tree_in_the_same_shape(self):
        """The expected tree shows wildcards in words."""
        text = render_spec(expected())
        assert "      CLIENT (any name) [frontend] (any status)" in text.splitlines()
        assert text.splitlines()[2].strip() == "SERVER GET /inventory/<sku> [backend] UNSET (remote parent)"

    def test_render_filters_traces_and_caps_lines(self):
        """Only the asked-for traces are drawn, and a long forest is cut with a count."""
        other = [span("GET /metrics", "SERVER", "frontend", 9, trace=OTHER_TRACE)]
        assert "GET /metrics" not in render_tree(good_trace() + other, [TRACE])
        many = [span(f"op{i}", "INTERNAL", "backend", 100 + i, trace=OTHER_TRACE) for i in range(40)]
        assert render_tree(many, max_lines=10).splitlines()[-1].strip() == "... 70 more lines"

    def test_local_root_and_window(self):
        """The request's root is the service's first span without a parent in its own process."""
        spans = good_trace()
        assert local_root(spans, "frontend", 0, 5000)["span_id"] == f"{1:016x}"
        assert local_root(spans, "backend", 0, 5000)["span_id"] == f"{3:016x}"  # its parent is remote
        assert local_root(spans, "frontend", 2000, 3000) is None
        assert len(spans_between(spans, 1002, 1003)) == 2


class TestAgreement:
    def test_the_expected_tree_agrees(self):
        """A correct trace has no difference."""
        assert difference(good_trace()) is None

    def test_extra_internal_spans_are_allowed_and_skipped_over(self):
        """An INTERNAL span of the app's own, even between a parent and its expected child, is fine."""
        spans = good_trace()
        spans = replaced(spans, 2, parent_span_id=f"{7:016x}")
        spans.append(span("prepare checkout", "INTERNAL", "frontend", 7, 1))
        spans.append(span("render", "INTERNAL", "frontend", 8, 1))
        assert difference(spans) is None

    def test_ok_counts_as_a_success(self):
        """An explicit OK status is accepted where UNSET is expected."""
        assert difference(replaced(good_trace(), 4, status="OK")) is None


class TestDifferences:
    def test_missing_span(self):
        """A span that was never created is named with the parent it should be under."""
        found = difference(good_trace()[:3])
        assert found.kind == "missing"
        assert found.message == (
            "missing span: no `INTERNAL inventory.lookup [backend]` under `SERVER GET /inventory/<sku> [backend]` (it has no spans below it)"
        )
        assert "start_as_current_span('inventory.lookup')" in found.hint

    def test_missing_client_span_among_extras(self):
        """Without a CLIENT span, an unrelated INTERNAL span is not mistaken for it."""
        spans = [s for s in good_trace() if s["kind"] != "CLIENT"]
        spans = replaced(spans, 3, parent_span_id=f"{1:016x}") + [span("render", "INTERNAL", "frontend", 9, 1)]
        found = difference(spans)
        assert found.kind == "missing"
        assert found.message.startswith("missing span: no `CLIENT (any name) [frontend]` under `SERVER GET /checkout/<sku> [frontend]`")
        assert "CLIENT span" in found.hint

    def test_wrong_parent(self):
        """A span in the right trace under the wrong span says where it hangs and where it belongs."""
        found = difference(replaced(good_trace(), 4, parent_span_id=f"{1:016x}"))
        assert found.kind == "wrong-parent"
        assert found.message == (
            "wrong parent: `INTERNAL inventory.lookup [backend]` hangs under `SERVER GET /checkout/<sku> [frontend]`, "
            "expected under `SERVER GET /inventory/<sku> [backend]`"
        )

    def test_wrong_parent_across_the_network(self):
        """Headers injected before the CLIENT span started make the backend a child of the SERVER span."""
        found = difference(replaced(good_trace(), 3, parent_span_id=f"{1:016x}"))
        assert found.kind == "wrong-parent"
        assert found.message == (
            "wrong parent: `SERVER GET /inventory/<sku> [backend]` hangs under `SERVER GET /checkout/<sku> [frontend]`, "
            "expected under `CLIENT GET [frontend]`"
        )
        assert found.hint.startswith("inject the trace context into the outgoing headers while `CLIENT GET [frontend]` is the current span")

    def test_wrong_kind(self):
        """A span of the wrong kind is named with both kinds."""
        found = difference(replaced(good_trace(), 4, kind="SERVER"))
        assert found.kind == "wrong-kind"
        assert found.message == "`inventory.lookup [backend]` is a SERVER span, expected INTERNAL"
        found = difference(replaced(good_trace(), 2, kind="INTERNAL"))
        assert found.message == "`GET [frontend]` is an INTERNAL span, expected CLIENT"
        assert "SpanKind.CLIENT" in found.hint

    def test_broken_propagation(self):
        """A backend span that starts its own trace means the context never crossed the network."""
        spans = good_trace()
        spans = replaced(spans, 3, trace_id=OTHER_TRACE, parent_span_id=None, parent_is_remote=None)
        spans = replaced(spans, 4, trace_id=OTHER_TRACE)
        found = difference(spans)
        assert found.kind == "propagation"
        assert found.message == (
            "backend span `SERVER GET /inventory/<sku> [backend]` is the root of a different trace: "
            "trace context was not propagated; instrument requests or inject the headers"
        )
        assert found.traces == (OTHER_TRACE,)
        assert "inject" in found.hint

    def test_context_lost_inside_one_process(self):
        """An in-process span that starts a new trace is blamed on its start, not on the network."""
        found = difference(replaced(good_trace(), 4, trace_id=OTHER_TRACE, parent_span_id=None, parent_is_remote=None))
        assert found.kind == "propagation"
        assert "was started outside the context of `SERVER GET /inventory/<sku> [backend]`" in found.message

    def test_extra_span_between_parent_and_child(self):
        """A second CLIENT span around the same call (traced twice) is named as extra."""
        spans = replaced(good_trace(), 3, parent_span_id=f"{5:016x}")
        spans.append(span("GET", "CLIENT", "frontend", 5, 2))
        found = difference(spans)
        assert found.kind == "extra"
        assert found.message == (
            "extra span `CLIENT GET [frontend]` between `CLIENT GET [frontend]` and `SERVER GET /inventory/<sku> [backend]`; "
            "the expected tree has nothing there"
        )

    def test_extra_duplicate_span(self):
        """A second backend SERVER span under the CLIENT span is named as extra."""
        spans = good_trace() + [span(INVENTORY, "SERVER", "backend", 6, 2, remote=True)]
        found = difference(spans)
        assert found.kind == "extra"
        assert found.message == (
            "extra span `SERVER GET /inventory/<sku> [backend]` under `CLIENT GET [frontend]`: the expected tree has no such span there"
        )

    def test_wrong_service(self):
        """A span reported under another service.name says which one."""
        spans = replaced(good_trace(), 4, service="unknown_service")
        found = difference(spans)
        assert found.kind == "wrong-service"
        assert found.message == "`INTERNAL inventory.lookup` belongs to service 'unknown_service', expected 'backend'"
        root = replaced(good_trace(), 1, service="unknown_service")
        assert difference(root).kind == "wrong-service"

    def test_wrong_status(self):
        """A failure that left a server span UNSET is named with both statuses."""
        found = difference(good_trace(), expected("ERROR"))
        assert found.kind == "wrong-status"
        assert found.message == "`SERVER GET /checkout/<sku> [frontend]` has status UNSET, expected ERROR"
        found = difference(replaced(good_trace(), 3, status="ERROR"))
        assert found.message == "`SERVER GET /inventory/<sku> [backend]` has status ERROR, expected UNSET"
        assert "4xx" in found.hint

    def test_wrong_name(self):
        """A span with the raw path as its name is named with both names."""
        found = difference(replaced(good_trace(), 3, name="GET /inventory/apple"))
        assert found.kind == "wrong-name"
        assert "is named 'GET /inventory/apple', expected 'GET /inventory/<sku>'" in found.message

    def test_parent_must_be_remote(self):
        """A backend SERVER span whose parent is in its own process did not come over the network."""
        found = difference(replaced(good_trace(), 3, parent_is_remote=False))
        assert found.kind == "not-remote"
        assert "expected a remote parent" in found.message


class TestExpectTree:
    def test_failure_shows_both_trees(self):
        """The failure message holds the difference, then the expected and the found trees."""
        spans = good_trace()[:3]
        with pytest.raises(CheckFailure) as info:
            expect_tree(expected(), spans[0], spans, "GET /checkout/apple")
        message = info.value.message
        assert message.startswith("GET /checkout/apple: missing span: no `INTERNAL inventory.lookup [backend]`")
        expected_part, found_part = message.split("\nExpected:\n")[1].split("\nFound:\n")
        assert "INTERNAL inventory.lookup [backend] UNSET" in expected_part
        assert "inventory.lookup" not in found_part and "SERVER GET /inventory/<sku> [backend] UNSET (remote parent)" in found_part

    def test_no_root_and_no_spans(self):
        """Without any span the hint points at the exporter wiring."""
        with pytest.raises(CheckFailure) as info:
            expect_tree(expected(), None, [], "GET /checkout/apple")
        assert "no `SERVER GET /checkout/<sku> [frontend]` span was exported" in info.value.message
        assert "(no spans)" in info.value.message
        assert "SimpleSpanProcessor" in info.value.hint

    def test_agreeing_tree_passes(self):
        """A matching tree raises nothing."""
        spans = good_trace()
        expect_tree(expected(), spans[0], spans, "GET /checkout/apple")
