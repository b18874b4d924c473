"""The junit format: JUnit XML with one testcase per check, parsed back with ElementTree."""

import xml.etree.ElementTree as ET

import pytest

from o11y_course.report import REPORTERS, junit
from o11y_course.report.reveal import WITHHELD
from tests.unit.report_fixtures import (
    EXPECTED_MAX,
    EXPECTED_SCORE,
    HIDDEN_MESSAGE,
    HIDDEN_NAME,
    METRICS,
    PIPE_MESSAGE,
    ROUTE_HINT,
    TRACING,
    hidden_texts,
    sample_report,
)


@pytest.fixture
def root() -> ET.Element:
    """The parsed JUnit document of the sample report, default reveal."""
    return ET.fromstring(junit.render(sample_report()).encode("utf-8"))


def properties(element: ET.Element) -> dict[str, str]:
    """The name -> value of an element's properties."""
    return {p.get("name"): p.get("value") for p in element.findall("properties/property")}


def test_registered():
    """The format is registered under its name."""
    assert REPORTERS["junit"] is junit.render


def test_parses_with_a_declaration(root):
    """The document is well-formed XML with a testsuites root."""
    assert junit.render(sample_report()).startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert root.tag == "testsuites"


def test_one_suite_per_exercise_one_testcase_per_check(root):
    """Each exercise is a testsuite; each check a testcase whose classname is the exercise id."""
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [METRICS, TRACING]
    for suite, exercise in zip(suites, sample_report().exercises, strict=True):
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [c.name for c in exercise.checks]
        assert {c.get("classname") for c in cases} == {exercise.id}


def test_outcome_elements_and_counts(root):
    """fail, error and skip become failure, error and skipped; the counts agree at every level."""
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["test_serves_metrics"].find("*[@type]") is None
    assert cases["test_counts_status"].find("failure").get("message") == PIPE_MESSAGE
    assert cases["test_imports"].find("error") is not None
    assert cases["test_real_scrape"].find("skipped") is not None
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("9", "4", "2", "1")
    for suite in root.findall("testsuite"):
        outcomes = [c.find("*[@type]") for c in suite.findall("testcase")]
        assert int(suite.get("failures")) == sum(o is not None and o.tag == "failure" for o in outcomes)


def test_points_properties_agree_with_the_report(root):
    """Testcase properties carry points and earned points; they and the suites' scores sum to the report's totals."""
    cases = list(root.iter("testcase"))
    assert sum(float(properties(c)["points"]) for c in cases) == EXPECTED_MAX
    assert sum(float(properties(c)["earned"]) for c in cases) == EXPECTED_SCORE
    suites = root.findall("testsuite")
    assert sum(float(properties(s)["score"]) for s in suites) == EXPECTED_SCORE
    assert sum(float(properties(s)["max_score"]) for s in suites) == EXPECTED_MAX


def test_failure_body_has_message_and_hint(root):
    """A failure's text is its message then its hint."""
    failure = next(c for c in root.iter("testcase") if c.get("name") == "test_counts_status").find("failure")
    assert failure.text == f"{PIPE_MESSAGE}\nhint: {ROUTE_HINT}"


def test_characters_xml_cannot_hold_are_dropped(root):
    """A terminal escape code in a message is dropped, so the document still parses."""
    failure = next(c for c in root.iter("testcase") if c.get("name") == "test_log_json").find("failure")
    assert "\x1b" not in failure.get("message") and "[31mred" in failure.get("message")


def test_default_withholds_hidden_messages(root):
    """By default hidden testcases keep name and points; message and hint are withheld."""
    text = ET.tostring(root, encoding="unicode")
    assert not any(secret in text for secret in hidden_texts())
    hidden = next(c for c in root.iter("testcase") if c.get("name") == HIDDEN_NAME)
    assert hidden.find("failure").get("message") == WITHHELD and properties(hidden)["visibility"] == "hidden"


def test_reveal_hidden_and_none():
    """--reveal hidden shows hidden messages; --reveal none also renames hidden testcases."""
    shown = ET.fromstring(junit.render(sample_report(), reveal="hidden"))
    assert any(HIDDEN_MESSAGE in (f.get("message") or "") for f in shown.iter("failure"))
    anonymous = ET.fromstring(junit.render(sample_report(), reveal="none"))
    names = [c.get("name") for c in anonymous.iter("testcase")]
    assert HIDDEN_NAME not in names and "hidden_1" in names
