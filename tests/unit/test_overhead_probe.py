"""The logging-overhead driver and the grader's own measurement, run in this process on small n."""

import io
import json
import logging
import math
import os
import sys
import textwrap
from decimal import Decimal

import pytest
import structlog

from o11y_course.drivers import overhead_baseline as baseline
from o11y_course.drivers import overhead_probe
from o11y_course.drivers.overhead_probe import DRIVER, KeptStream, overhead_scenario, plain, prepare, run, stream_summary
from o11y_course.sandbox.context import DriverContext

LEARNER = textwrap.dedent(
    """
    import logging
    import structlog

    def measure(n, stream):
        logger = logging.getLogger("probetest.plain")
        logger.handlers[:] = [logging.StreamHandler(stream)]
        logger.setLevel(logging.INFO)
        logger.propagate = False
        for i in range(n):
            logger.info("line %s", i)
        structlog.configure(processors=[structlog.processors.JSONRenderer()])  # global state the grader ignores
        logging.disable(logging.CRITICAL)                                        # and this switch it undoes
        stream.close()
        return {"plain": {"ns_per_event": 1.5, "when": (1, 2)}, "odd": float("nan")}
    """
)


@pytest.fixture
def context(tmp_path, monkeypatch):
    """A driver context on a folder holding an ``overhead.py`` and a FINDINGS.md, importable by name."""
    (tmp_path / "overhead.py").write_text(LEARNER)
    (tmp_path / "FINDINGS.md").write_text("## Setup\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    read_end, write_end = os.pipe()
    yield DriverContext(str(tmp_path), write_end)
    os.close(read_end)
    os.close(write_end)
    sys.modules.pop("overhead", None)
    structlog.reset_defaults()
    logging.disable(logging.NOTSET)
    logging.getLogger("probetest.plain").handlers.clear()


def test_runs_measure_between_two_baselines(context):
    """The stream's lines, the returned figures as plain data, both baselines and FINDINGS.md come back."""
    values = run(context, {"n": 20, "baseline": True, "findings": True})["values"]
    assert values["n"] == 20
    assert values["stream"]["line_count"] == 20 and values["stream"]["lines"][0] == "line 0"
    assert values["stream"]["closed"] is True
    assert values["returned"] == {"plain": {"ns_per_event": 1.5, "when": [1, 2]}, "odd": {"$type": "float", "$repr": "nan"}}
    timings = values["baseline"]["ns_per_event"]
    assert set(timings) == {"before", "after"} and all(timings[w][m] > 0 for w in timings for m in baseline.MODES)
    assert values["baseline"]["bytes_per_event"]["disabled"] == 0
    assert values["baseline"]["bytes_per_event"]["structured"] > values["baseline"]["bytes_per_event"]["plain"] > 80
    assert values["findings"]["files"]["FINDINGS.md"] == "## Setup\n"
    assert logging.root.manager.disable == logging.NOTSET  # undone before the grader measured again
    json.dumps(values, allow_nan=False)  # plain JSON data, even where the learner returned NaN


def test_a_crash_is_recorded_and_the_rest_still_measured(context, tmp_path):
    """When measure() raises, the crash is data and the grader's measurement and FINDINGS.md still come back."""
    (tmp_path / "overhead.py").write_text("def measure(n, stream):\n    return 1 / 0\n")
    values = run(context, {"n": 10})["values"]
    assert values["crash"]["type"] == "ZeroDivisionError" and values["crash"]["phase"] == "measure"
    assert "returned" not in values and "baseline" in values and "findings" in values
    assert set(values["baseline"]["ns_per_event"]) == {"before"}  # nothing to compare: no second measurement


def test_the_first_measurement_serves_every_later_run(context, monkeypatch):
    """prepare() (the zygote) measures once per n; later runs reuse it and only time the modes again."""
    monkeypatch.setattr(overhead_probe, "_BASELINES", {})
    prepare({"n": 30, "baseline": True})
    kept = overhead_probe._BASELINES[30]
    calls = []
    monkeypatch.setattr(baseline, "memory_modes", lambda n: calls.append(n) or {})
    timings = run(context, {"n": 30})["values"]["baseline"]
    assert calls == []  # no new memory pass
    assert timings["ns_per_event"]["before"] == kept["ns_per_event"] and timings["peak_kib"] == kept["peak_kib"]
    assert set(timings["ns_per_event"]) == {"before", "after"}
    prepare({"n": 30, "baseline": False})
    prepare({"n": 40, "baseline": False})
    assert set(overhead_probe._BASELINES) == {30}


def test_a_missing_measure_is_a_contract_crash(context, tmp_path):
    """A module without measure() is reported as a missing name, without any measurement asked for."""
    (tmp_path / "overhead.py").write_text("x = 1\n")
    values = run(context, {"n": 10, "baseline": False, "findings": False})["values"]
    assert values["crash"]["type"] == "MissingName" and "has no measure" in values["crash"]["message"]
    assert set(values) == {"n", "crash", "stream"}


def test_scenario_params():
    """The scenario names the driver and carries n and the switches as JSON."""
    scenario = overhead_scenario("s", 300, baseline=False, findings=False)
    assert scenario.driver == DRIVER and scenario.params == {"n": 300, "baseline": False, "findings": False}


def test_plain_keeps_types_and_describes_the_rest():
    """JSON types keep their type; tuples become lists; anything else becomes a described placeholder."""
    assert plain({"a": (1, 2.5, True, None, "s")}) == {"a": [1, 2.5, True, None, "s"]}
    assert plain(Decimal("1.5")) == {"$type": "Decimal", "$repr": "Decimal('1.5')"}
    assert plain(math.inf) == {"$type": "float", "$repr": "inf"}
    assert plain({1: "key made a string"}) == {"1": "key made a string"}

    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    assert plain(Hostile()) == {"$type": "Hostile", "$repr": "<repr() failed: RuntimeError>"}


def test_stream_summary_counts_an_unterminated_last_line():
    """A last line without a newline is still a line; bytes are UTF-8 bytes."""
    stream = KeptStream()
    stream.write("a\nbé")
    summary = stream_summary(stream)
    assert summary["lines"] == ["a", "bé"] and summary["line_count"] == 2 and summary["bytes"] == 5


class TestBaseline:
    def test_passes_write_exactly_n_lines(self):
        """Each enabled mode writes one line per event; the disabled one writes nothing."""
        for mode, expected in (("disabled", 0), ("plain", 7), ("structured", 7)):
            sink = io.StringIO()
            baseline.events_pass(mode, 7, sink)()
            assert sink.getvalue().count("\n") == expected

    def test_figures_have_the_contract_units(self):
        """Timings in ns are positive; bytes and KiB follow what the modes write and allocate."""
        measured = baseline.time_modes(50, {"disabled": 1, "plain": 1, "structured": 1})
        assert all(measured["ns_per_event"][m] > 0 for m in baseline.MODES)
        assert measured["bytes_per_event"]["disabled"] == 0
        memory = baseline.memory_modes(200)
        assert memory["disabled"] < memory["plain"] < memory["structured"]

    def test_loggers_ignore_the_learners_configuration(self):
        """structlog.configure and handlers on the learner's logger names do not reach the grader's loggers."""
        learner_sink = io.StringIO()
        logging.getLogger("overhead.plain").addHandler(logging.StreamHandler(learner_sink))
        structlog.configure(processors=[structlog.processors.KeyValueRenderer()])
        try:
            sink = io.StringIO()
            baseline.events_pass("plain", 2, sink)()
            baseline.events_pass("structured", 2, sink)()
        finally:
            logging.getLogger("overhead.plain").handlers.clear()
            structlog.reset_defaults()
        lines = sink.getvalue().splitlines()
        assert learner_sink.getvalue() == ""
        assert json.loads(lines[2])["event"] == "order placed" and lines[0].endswith("order_id=0 item=tea amount_cents=450")

    def test_peak_kib_stops_a_tracing_left_running(self):
        """A tracemalloc session left on is stopped first, and none is left on afterwards."""
        import tracemalloc

        tracemalloc.start()
        assert baseline.peak_kib(lambda: [bytes(4096) for _ in range(10)]) >= 40
        assert not tracemalloc.is_tracing()


def test_learner_code_cannot_rewrite_the_graders_first_measurement(context, tmp_path, monkeypatch):
    """measure() that edits the kept baseline in the driver's module does not change the figures this run reports."""
    monkeypatch.setattr(overhead_probe, "_BASELINES", {})
    (tmp_path / "overhead.py").write_text(
        "import o11y_course.drivers.overhead_probe as probe\n"
        "def measure(n, stream):\n"
        "    probe._BASELINES[n]['ns_per_event']['plain'] = 1.0\n"
        "    return {}\n"
    )
    prepare({"n": 30})
    kept = overhead_probe._BASELINES[30]["ns_per_event"]["plain"]
    reported = run(context, {"n": 30})["values"]["baseline"]["ns_per_event"]["before"]["plain"]
    assert reported == kept != 1.0
