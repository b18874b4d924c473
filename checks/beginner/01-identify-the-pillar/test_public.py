"""Public checks for beginner/01-identify-the-pillar: shipped to learners for self-checks."""

import pytest

from o11y_course.matchers.answers import Answer, expect_all_answered, expect_explained, expect_known_pillars, parse_answers
from o11y_course.matchers.files import file_text
from o11y_course.scenario import file_scenario

ANSWERS_FILE = "answers.toml"
READ_ANSWERS = file_scenario("read answers.toml", [ANSWERS_FILE])
# The scenario ids, in the README's order.
SCENARIO_IDS = (
    "memory-leak",
    "frequent-404s",
    "slow-checkout",
    "unexpected-restart",
    "errors-after-deploy",
    "failed-payment",
    "intermittent-502",
    "lunchtime-latency",
    "admin-audit",
    "slow-product-page",
    "late-emails",
    "empty-recommendations",
)


def answers(observe) -> dict[str, Answer]:
    """The learner's answers, parsed (a syntax error fails the check with its line number)."""
    return parse_answers(file_text(observe(READ_ANSWERS), ANSWERS_FILE))


@pytest.mark.points(1)
def test_every_scenario_answered(observe):
    """answers.toml parses and every scenario of the README has at least one pillar."""
    expect_all_answered(answers(observe), SCENARIO_IDS)


@pytest.mark.points(1)
def test_pillar_names_known(observe):
    """Every pillar named is metrics, logs or traces, at most once per scenario."""
    expect_known_pillars(answers(observe))


@pytest.mark.points(1)
def test_every_answer_explained(observe):
    """Every scenario has a why that explains the choice."""
    expect_explained(answers(observe), SCENARIO_IDS)
