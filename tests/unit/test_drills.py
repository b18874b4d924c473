"""The incident-drill simulator, its driver and its judge: deterministic drills whose truth is real."""

import importlib.util
import json
import re
import sys
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from o11y_course.drills import KINDS, OPERATIONS, fault_of, make_drill, plan_drill
from o11y_course.drills.faults import REQUESTS
from o11y_course.drills.shop import FAILURES, FAULT_TARGETS, PAUSE_MS
from o11y_course.drivers import drill_runner
from o11y_course.drivers.drill_runner import diagnosis_data, evidence_of, prepare, run
from o11y_course.exercises import discover
from o11y_course.matchers.drills import hidden_seeds, judge
from o11y_course.matchers.postmortem import names_fault, section_problems
from tests.conftest import REPO

EXERCISE = REPO / "exercises/advanced/03-incident-drill"
REFERENCE = REPO / "reference/advanced/03-incident-drill"
LATENCY_SEED, ERRORS_SEED = 101, 133


@pytest.fixture(scope="module")
def latency_drill():
    """Public drill 101: added latency in payments.charge."""
    return make_drill(LATENCY_SEED)


@pytest.fixture(scope="module")
def errors_drill():
    """Public drill 133: errors in inventory.reserve."""
    return make_drill(ERRORS_SEED)


def self_times(spans):
    own = {s["span_id"]: s["duration_ms"] for s in spans}
    for span in spans:
        if span["parent_span_id"] in own:
            own[span["parent_span_id"]] -= span["duration_ms"]
    return own


class TestDeterminism:
    def test_same_seed_gives_the_same_drill(self, latency_drill):
        """Building a drill twice gives identical spans, exposition, log lines and truth."""
        again = make_drill(LATENCY_SEED)
        assert again.spans == latency_drill.spans
        assert again.metrics == latency_drill.metrics
        assert again.logs == latency_drill.logs
        assert again.truth == latency_drill.truth

    def test_different_seeds_give_different_drills(self, latency_drill, errors_drill):
        """Two seeds differ in their fault and in every pillar of their evidence."""
        assert latency_drill.truth.fault != errors_drill.truth.fault
        assert latency_drill.spans != errors_drill.spans
        assert latency_drill.metrics != errors_drill.metrics
        assert latency_drill.logs != errors_drill.logs

    def test_faults_vary_over_seeds(self):
        """Over 200 seeds every operation behind the frontend is hit, with both kinds."""
        seen = Counter((fault_of(seed).target, fault_of(seed).kind) for seed in range(200))
        assert set(seen) == {(target, kind) for target in FAULT_TARGETS for kind in KINDS}

    def test_global_configuration_does_not_leak_in(self, latency_drill, monkeypatch):
        """A sampler chosen by environment variable and a filtering structlog config change nothing."""
        import structlog

        monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=intruder")
        saved = structlog.get_config()
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(50), processors=[structlog.processors.KeyValueRenderer()])
        try:
            again = make_drill(LATENCY_SEED)
        finally:
            structlog.configure(**saved)
        assert (again.spans, again.logs) == (latency_drill.spans, latency_drill.logs)

    @pytest.mark.parametrize("seed", [-1, True, 1.5, "7"])
    def test_bad_seeds_are_refused(self, seed):
        """A drill seed is a non-negative int."""
        with pytest.raises(ValueError, match="non-negative int"):
            fault_of(seed)


class TestEvidence:
    def test_spans_are_plain_data_forming_trees(self, errors_drill):
        """Spans are JSON data in start order; ids are hex; every parent is a span of the same trace."""
        spans = errors_drill.spans
        json.dumps(spans)
        assert [s["start_time_unix_nano"] for s in spans] == sorted(s["start_time_unix_nano"] for s in spans)
        by_id = {s["span_id"]: s for s in spans}
        assert len(by_id) == len(spans)
        roots = [s for s in spans if s["parent_span_id"] is None]
        assert len(roots) == len({s["trace_id"] for s in spans}) == REQUESTS
        for span in spans:
            assert re.fullmatch(r"[0-9a-f]{32}", span["trace_id"]) and re.fullmatch(r"[0-9a-f]{16}", span["span_id"])
            assert f"{span['service']}.{span['name']}" in OPERATIONS
            if span["parent_span_id"] is not None:
                parent = by_id[span["parent_span_id"]]
                assert parent["trace_id"] == span["trace_id"]
                assert parent["start_time_unix_nano"] < span["start_time_unix_nano"] < span["end_time_unix_nano"] < parent["end_time_unix_nano"]

    def test_failed_spans_answer_5xx_and_others_do_not(self, errors_drill):
        """A span has status ERROR exactly when it answered 5xx; a 409 is not an error."""
        statuses = Counter((s["status"], s["attributes"]["http.response.status_code"] >= 500) for s in errors_drill.spans)
        assert set(statuses) == {("ERROR", True), ("UNSET", False)}

    def test_metrics_agree_with_the_spans(self, errors_drill):
        """shop_requests_total counts every span once by service, operation and answer."""
        counts = Counter()
        for family in text_string_to_metric_families(errors_drill.metrics):
            for sample in family.samples:
                if sample.name == "shop_requests_total":
                    counts[(sample.labels["service"], sample.labels["operation"], sample.labels["status"])] += sample.value
        expected = Counter((s["service"], s["name"], str(s["attributes"]["http.response.status_code"])) for s in errors_drill.spans)
        assert counts == expected

    def test_log_lines_are_json_with_the_ids_of_their_span(self, errors_drill):
        """Every line is JSON in time order; a line with a span_id names a real span of its trace."""
        records = [json.loads(line) for line in errors_drill.logs]
        assert [r["timestamp"] for r in records] == sorted(r["timestamp"] for r in records)
        spans = {s["span_id"]: s for s in errors_drill.spans}
        in_spans = [r for r in records if "span_id" in r]
        assert len(in_spans) == len(records) - 1  # all but the deploy line
        assert all(spans[r["span_id"]]["trace_id"] == r["trace_id"] and spans[r["span_id"]]["service"] == r["service"] for r in in_spans)
        assert [r["event"] for r in records if "span_id" not in r] == ["deploy finished"]

    def test_plan_and_evidence_share_their_ids(self, latency_drill):
        """The plan alone (what a grader uses) has exactly the trace and span ids of the evidence."""
        plan = plan_drill(LATENCY_SEED)
        assert {(s.trace_id, s.span_id) for s in plan.spans()} == {(s["trace_id"], s["span_id"]) for s in latency_drill.spans}


class TestTruth:
    def test_latency_truth_traces_hold_a_slowed_span(self, latency_drill):
        """Every truth trace has a span of the faulty operation slowed far beyond its normal self time; no other trace has one."""
        truth = latency_drill.truth
        op = OPERATIONS[truth.key]
        own = self_times(latency_drill.spans)
        usual_max = op.self_ms[1] + PAUSE_MS[1] + 5  # network time between calls counts as self time
        slowed = {s["trace_id"] for s in latency_drill.spans if (s["service"], s["name"]) == (truth.service, truth.operation) and own[s["span_id"]] > usual_max}
        assert truth.kind == "latency" and len(truth.trace_ids) >= 6
        assert slowed == truth.trace_ids
        assert all(s["start_time_unix_nano"] > truth.onset_unix_nano for s in latency_drill.spans if s["trace_id"] in truth.trace_ids)

    def test_errors_truth_traces_hold_the_failing_span(self, errors_drill):
        """Every truth trace has a span of the faulty operation failing with the fault's exception; no other trace has one."""
        truth = errors_drill.truth
        exc_type, message = FAILURES[truth.key]
        failing = {
            s["trace_id"]
            for s in errors_drill.spans
            if (s["service"], s["name"]) == (truth.service, truth.operation)
            and s["status"] == "ERROR"
            and any(e["attributes"] == {"exception.type": exc_type, "exception.message": message} for e in s["events"])
        }
        assert truth.kind == "errors" and len(truth.trace_ids) >= 6
        assert failing == truth.trace_ids


class TestHiddenSeeds:
    def test_hidden_seeds_are_reproducible_and_cover_every_fault(self):
        """The same base gives the same 20 seeds: alternating kinds, every operation with both kinds."""
        seeds = hidden_seeds("a base", 20)
        assert seeds == hidden_seeds("a base", 20) and len(set(seeds)) == 20
        faults = [fault_of(seed) for seed in seeds]
        assert [f.kind for f in faults] == list(KINDS) * 10
        assert {(f.target, f.kind) for f in faults} == {(t, k) for t in FAULT_TARGETS for k in KINDS}
        assert hidden_seeds("another base", 20) != seeds


class TestJudge:
    def entry(self, seed, **fields):
        plan = plan_drill(seed)
        good = {"service": plan.fault.service, "operation": plan.fault.operation, "kind": plan.fault.kind,
                "example_trace_id": sorted(plan.fault_traces())[0]}
        return {"seed": seed, "diagnosis": {**good, **fields}}

    def test_right_diagnosis_passes(self):
        """The truth itself is judged right on every count."""
        verdict = judge("drill 1", self.entry(ERRORS_SEED))
        assert (verdict.located, verdict.kind_right, verdict.shows_fault) == (True, True, True)

    def test_a_caller_is_explained_as_a_symptom(self):
        """Naming a caller of the failing operation says that it only failed because of its call."""
        verdict = judge("drill 1", self.entry(ERRORS_SEED, service="checkout", operation="place_order"))
        assert not verdict.located
        assert "only failed because its call to inventory.reserve failed" in verdict.location_note

    def test_the_always_slow_operation_is_explained(self):
        """Naming catalog.search in a drill where it is healthy points at comparing with its own past."""
        verdict = judge("drill 1", self.entry(LATENCY_SEED, service="catalog", operation="search"))
        assert "slowest operation in every drill" in verdict.location_note

    def test_unknown_names_and_foreign_traces_are_explained(self):
        """An unknown service and a trace id from another drill each get their own explanation."""
        other = sorted(plan_drill(ERRORS_SEED).fault_traces())[0]
        verdict = judge("drill 1", self.entry(LATENCY_SEED, service="payment", example_trace_id=other))
        assert "'payment', which is not in the shop" in verdict.location_note
        assert "is not a trace of this drill" in verdict.trace_note

    def test_driver_reports_wrong_types(self):
        """A diagnosis with a non-string field, or no diagnosis at all, comes back as a problem."""

        class Almost:
            service, operation, kind, example_trace_id = "payments", "charge", "latency", 42

        assert "example_trace_id is int 42, not a str" in diagnosis_data(Almost())["problem"]
        assert "no attribute 'service'" in diagnosis_data({"service": "payments"})["problem"]


class FakeContext:
    """The part of DriverContext the drill driver uses, importing from an exercise folder."""

    def __init__(self, work_dir):
        self.work_dir = str(work_dir)

    def phase(self, name):
        pass

    def import_module(self, name):
        spec = importlib.util.spec_from_file_location(name, f"{self.work_dir}/{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    def attribute(self, module, name):
        return getattr(module, name)

    def call(self, phase, fn, *args, **kwargs):
        return fn(*args, **kwargs)


@pytest.fixture
def learner_modules():
    """Forgets the exercise modules the driver imports once the test is over."""
    yield
    for name in ("incident", "diagnose"):
        sys.modules.pop(name, None)


def test_driver_runs_the_stub_and_reads_the_template(learner_modules):
    """The stub's placeholder answer and the POSTMORTEM template come back as plain data, and are judged wrong."""
    values = run(FakeContext(EXERCISE), {"seeds": [LATENCY_SEED], "postmortem": True})["values"]
    assert values["drills"] == [{"seed": LATENCY_SEED, "diagnosis": {"service": "TODO", "operation": "TODO", "kind": "latency", "example_trace_id": "TODO"}}]
    verdict = judge("drill 101", values["drills"][0])
    assert not (verdict.located or verdict.shows_fault)
    template = values["postmortem"]["files"]["POSTMORTEM.md"]
    assert len(section_problems(template)) == 6


def test_prepared_evidence_is_built_once_and_equals_a_fresh_build(monkeypatch):
    """prepare() (the zygote) builds each drill once; children reuse it, and it is the drill's own evidence."""
    monkeypatch.setattr(drill_runner, "_EVIDENCE", {})
    prepare({"seeds": [LATENCY_SEED, 7]})
    assert set(drill_runner._EVIDENCE) == {LATENCY_SEED, 7}
    kept = evidence_of(LATENCY_SEED)
    assert kept is drill_runner._EVIDENCE[LATENCY_SEED]
    assert kept == make_drill(LATENCY_SEED).evidence_fields()
    monkeypatch.setattr(drill_runner, "MAX_KEPT_DRILLS", 2)
    evidence_of(8)
    assert set(drill_runner._EVIDENCE) == {7, 8}  # the oldest makes room: a zygote's memory stays bounded


def test_reference_postmortem_is_complete():
    """The reference postmortem has the six sections and names the latency drill's fault."""
    text = (REFERENCE / "POSTMORTEM.md").read_text(encoding="utf-8")
    assert section_problems(text) == []
    assert names_fault(text, "payments", "charge") and not names_fault(text, "inventory", "reserve")


def test_reference_keeps_the_provided_types():
    """The reference uses the exercise's incident.py unchanged: it has no copy, and the course provides it."""
    assert not (REFERENCE / "incident.py").exists()
    (exercise,) = [e for e in discover(REPO / "exercises") if e.id == "advanced/03-incident-drill"]
    assert exercise.provided == ("incident.py",) and (EXERCISE / "incident.py").is_file()
