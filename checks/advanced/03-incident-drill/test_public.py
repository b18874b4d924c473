"""Public checks for advanced/03-incident-drill: shipped to learners for self-checks."""

import pytest

from o11y_course.drivers.drill_runner import drill_scenario
from o11y_course.feedback import SubmissionError, expect
from o11y_course.matchers.drills import Verdict, drill_entries, first_problem, judge, planned
from o11y_course.matchers.postmortem import SECTIONS, names_fault, postmortem_text, section_problems

LATENCY_DRILL = 101  # incident.PUBLIC_DRILLS["latency spike after a deploy"]
ERRORS_DRILL = 133  # incident.PUBLIC_DRILLS["intermittent errors between two services"]
RUN = drill_scenario("diagnose() on the two public drills, and POSTMORTEM.md", [LATENCY_DRILL, ERRORS_DRILL], postmortem=True)
HINT = (
    "detect with the metrics (which operation's error share or latency changed), locate with the traces "
    "(the deepest failing span, or the span whose own time grew), confirm with the logs of that span; "
    "run `python diagnose.py` to see your answers for both drills"
)


def public_verdict(observe, seed: int) -> Verdict:
    """The verdict on the learner's diagnosis of public drill ``seed``; a crash makes the check an error."""
    entry = next(e for e in drill_entries(observe(RUN).values) if e["seed"] == seed)
    verdict = judge(f"drill {seed}", entry)
    if verdict.crash is not None:
        raise SubmissionError(verdict.location_note)
    return verdict


@pytest.mark.points(2)
def test_latency_drill_is_diagnosed(observe):
    """Drill 101 (a latency spike after a deploy): the slowed operation, kind "latency", and a trace that shows it."""
    verdict = public_verdict(observe, LATENCY_DRILL)
    expect(not first_problem(verdict), f"{first_problem(verdict)}.", HINT)


@pytest.mark.points(2)
def test_errors_drill_is_diagnosed(observe):
    """Drill 133 (intermittent errors between two services): the failing operation, kind "errors", and a trace that shows it."""
    verdict = public_verdict(observe, ERRORS_DRILL)
    expect(not first_problem(verdict), f"{first_problem(verdict)}.", HINT)


@pytest.mark.points(1)
def test_postmortem_has_the_six_sections(observe):
    """POSTMORTEM.md has Summary, Impact, Detection, Root cause, Resolution and Action items, each filled in."""
    problems = section_problems(postmortem_text(observe(RUN).values))
    expect(
        not problems,
        f"POSTMORTEM.md is not complete yet: {'; '.join(problems[:3])}.",
        f"keep the template's headings ({', '.join(SECTIONS)}) as '## ' headings, replace every TODO with your own sentences, "
        "and list the action items one per line",
    )


@pytest.mark.points(1)
def test_postmortem_names_the_root_cause(observe):
    """The Root cause section of POSTMORTEM.md names the faulty service and operation of one public drill."""
    text = postmortem_text(observe(RUN).values)
    faults = [planned(seed).fault for seed in (LATENCY_DRILL, ERRORS_DRILL)]
    expect(
        any(names_fault(text, fault.service, fault.operation) for fault in faults),
        "The Root cause section should name the service and the operation where the fault of your drill was "
        f"({' or '.join(f'{f.service} and {f.operation}' for f in faults)}), but it names neither pair.",
        "write the postmortem of one of the two public drills, and say in Root cause which operation of which service "
        "was slow or failing, and why",
    )
