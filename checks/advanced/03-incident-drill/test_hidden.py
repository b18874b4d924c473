"""Hidden checks for advanced/03-incident-drill: 20 drills the learner never sees, scored by accuracy.

The seeds are derived from BASE when the checks load, and every truth is worked out from its seed
by the course's simulator: no answer is stored here. Change BASE to give a class new drills.
"""

import pytest

from o11y_course.drivers.drill_runner import drill_scenario
from o11y_course.matchers.drills import hidden_seeds, judge_all, require

BASE = "advanced/03-incident-drill: hidden drills, first edition"
SEEDS = hidden_seeds(BASE, 20)
RUN = drill_scenario("diagnose() on 20 hidden drills", SEEDS)
LOCATE_HINT = (
    "for errors, the root cause is the deepest span with an error status (its callers fail only because of it); "
    "for latency, compare each operation's self time (duration minus its children's) with its own time before the change"
)


def located(observe):
    """The verdicts of the 20 drills and the notes of the ones whose fault was not located."""
    verdicts = judge_all(observe(RUN).values)
    return sum(v.located for v in verdicts), [v.location_note for v in verdicts if not v.located]


@pytest.mark.hidden
@pytest.mark.points(3)
def test_most_hidden_drills_are_located(observe):
    """In at least 12 of the 20 hidden drills, diagnose() names the faulty service and operation."""
    passed, misses = located(observe)
    require(passed, len(SEEDS), 12, "The faulty service and operation were named", misses, LOCATE_HINT)


@pytest.mark.hidden
@pytest.mark.points(3)
def test_nearly_all_hidden_drills_are_located(observe):
    """In at least 16 of the 20 hidden drills, diagnose() names the faulty service and operation."""
    passed, misses = located(observe)
    require(passed, len(SEEDS), 16, "The faulty service and operation were named", misses, LOCATE_HINT)


@pytest.mark.hidden
@pytest.mark.points(2)
def test_every_hidden_drill_is_located(observe):
    """In all 20 hidden drills, diagnose() names the faulty service and operation."""
    passed, misses = located(observe)
    require(
        passed,
        len(SEEDS),
        len(SEEDS),
        "The faulty service and operation were named",
        misses,
        "look at every operation, including those whose callers hide their failures (a page served without stock "
        "figures) or retry them; " + LOCATE_HINT,
    )


@pytest.mark.hidden
@pytest.mark.points(3)
def test_hidden_drills_get_the_right_kind(observe):
    """In at least 18 of the 20 hidden drills, diagnose() says whether the fault is "latency" or "errors"."""
    verdicts = judge_all(observe(RUN).values)
    require(
        sum(v.kind_right for v in verdicts),
        len(SEEDS),
        18,
        "The kind of fault was right",
        [v.kind_note for v in verdicts if not v.kind_right],
        "an 'errors' fault makes calls fail (status ERROR, 5xx answers) more often than before; a 'latency' fault "
        "makes them slower while they still succeed",
    )


@pytest.mark.hidden
@pytest.mark.points(3)
def test_hidden_example_traces_show_the_fault(observe):
    """In at least 16 of the 20 hidden drills, example_trace_id is a trace in which the fault hit."""
    verdicts = judge_all(observe(RUN).values)
    require(
        sum(v.shows_fault for v in verdicts),
        len(SEEDS),
        16,
        "example_trace_id showed the fault",
        [v.trace_note for v in verdicts if not v.shows_fault],
        "take the trace_id of a span of the faulty operation that failed, or was far slower than usual, after the change",
    )
