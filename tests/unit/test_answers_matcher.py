"""The answers.toml matcher: TOML text in, structured answers or teaching messages out."""

import pytest

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.answers import (
    Answer,
    KeyEntry,
    expect_all_answered,
    expect_explained,
    expect_first_pillar,
    expect_known_pillars,
    expect_sets_match,
    parse_answers,
    pillar_problems,
)
from o11y_course.matchers.files import file_text
from o11y_course.observation import Observation

IDS = ("disk-full", "one-user", "slow-hop")
GOOD = """
[scenarios.disk-full]
pillars = ["metrics"]
why = "A trend over days."

[scenarios.one-user]
pillars = ["logs", "traces"]
why = "Search by user id."

[scenarios.slow-hop]
pillars = ["traces", "logs"]
why = "Where the time goes."
"""
KEY = {
    "disk-full": KeyEntry(("metrics",), "Disk use is a trend.", "nothing else is needed"),
    "one-user": KeyEntry(("logs", "traces"), "One user is found by id in logs.", "the trace shows the request"),
    "slow-hop": KeyEntry(("traces", "logs"), "Where the time goes is a trace.", "the slow service's logs say why"),
}


def answers_of(text: str) -> dict[str, Answer]:
    return parse_answers(text)


def with_table(scenario: str, body: str) -> str:
    """GOOD with one scenario's table replaced by ``body``."""
    tables = {}
    for chunk in GOOD.strip().split("\n\n"):
        header, rest = chunk.split("\n", 1)
        tables[header.removeprefix("[scenarios.").removesuffix("]")] = rest
    tables[scenario] = body
    return "\n\n".join(f"[scenarios.{s}]\n{b}" for s, b in tables.items()) + "\n"


class TestParse:
    def test_reads_every_table_in_order(self):
        """Each [scenarios.<id>] table becomes an Answer with its pillars in the file's order."""
        parsed = answers_of(GOOD)
        assert list(parsed) == list(IDS)
        assert parsed["one-user"] == Answer("one-user", ("logs", "traces"), "Search by user id.")

    def test_syntax_error_names_the_line(self):
        """A TOML syntax error gives the line number and that line's text."""
        text = GOOD.replace('pillars = ["logs", "traces"]', "pillars = [logs, traces]")
        with pytest.raises(CheckFailure, match=r"not valid TOML: Invalid value \(at line 7, column 12\); line 7 reads: pillars = \[logs, traces\]"):
            answers_of(text)

    def test_unclosed_list_at_the_end_names_the_last_line(self):
        """An error found only at the end of the file still says which line that is."""
        with pytest.raises(CheckFailure, match=r"Unclosed array.*line 2, the last line"):
            answers_of('[scenarios.disk-full]\npillars = ["metrics"\n')

    def test_duplicate_table_names_the_line(self):
        """Declaring one scenario twice is a syntax error with its line."""
        with pytest.raises(CheckFailure, match=r"line 4"):
            answers_of('[scenarios.a]\npillars = ["logs"]\n\n[scenarios.a]\n')

    def test_table_outside_scenarios_is_named(self):
        """[disk-full] without the scenarios. prefix is named, with the fix."""
        with pytest.raises(CheckFailure, match=r"has disk-full outside \[scenarios\]") as failure:
            answers_of('[disk-full]\npillars = ["metrics"]\n')
        assert failure.value.hint == "write [scenarios.disk-full] instead of [disk-full]"

    def test_empty_file_has_no_answers(self):
        """An empty file parses to no answers (the answered check then lists every scenario)."""
        assert answers_of("# nothing yet\n") == {}

    def test_scenarios_must_be_tables(self):
        """scenarios = 3 is not a group of tables."""
        with pytest.raises(CheckFailure, match="scenarios is the number 3, not a group"):
            answers_of("scenarios = 3\n")

    @pytest.mark.parametrize(
        ("body", "problem"),
        [
            ('pillars = "logs"\nwhy = "x"', 'pillars must be a list of strings in square brackets, found the string "logs"'),
            ('pillars = ["logs", 2]\nwhy = "x"', "found a list holding something other than strings"),
            ('pillars = ["logs"]\nwhy = 3', "why must be a string in double quotes, found the number 3"),
            ('pillar = ["logs"]\nwhy = "x"', "has the key pillar (did you mean pillars?)"),
        ],
    )
    def test_wrong_shape_stays_with_its_scenario(self, body, problem):
        """A table of the wrong shape records its problem; the other scenarios still parse."""
        parsed = answers_of(with_table("one-user", body))
        assert problem in (parsed["one-user"].problem or "")
        assert parsed["slow-hop"].pillars == ("traces", "logs") and parsed["slow-hop"].problem is None


class TestAllAnswered:
    def test_complete_answers_pass(self):
        """Every id with a pillar passes."""
        expect_all_answered(answers_of(GOOD), IDS)

    def test_empty_and_missing_scenarios_are_listed(self):
        """Scenarios with an empty list or no table are named, with the count."""
        parsed = answers_of(with_table("one-user", 'pillars = []\nwhy = ""'))
        del parsed["slow-hop"]
        with pytest.raises(CheckFailure, match="2 of 3 scenarios have no pillar yet: one-user, slow-hop"):
            expect_all_answered(parsed, IDS)

    def test_unknown_id_is_named_with_a_suggestion(self):
        """A misspelled id is named, with the closest real id."""
        parsed = answers_of(GOOD.replace("[scenarios.slow-hop]", "[scenarios.slow-hopp]"))
        with pytest.raises(CheckFailure, match=r"does not list: \[scenarios.slow-hopp\] \(did you mean slow-hop\?\)\. 1 of 3 scenarios have no pillar yet: slow-hop"):
            expect_all_answered(parsed, IDS)

    def test_shape_problems_come_first(self):
        """A table of the wrong shape is reported with what is wrong."""
        with pytest.raises(CheckFailure, match=r"\[scenarios.disk-full\] in answers.toml: pillars must be a list"):
            expect_all_answered(answers_of(with_table("disk-full", 'pillars = "metrics"\nwhy = "x"')), IDS)


class TestKnownPillars:
    def test_valid_names_pass(self):
        """metrics, logs and traces, once each, pass."""
        expect_known_pillars(answers_of(GOOD))

    def test_unknown_names_are_named(self):
        """A singular or capitalised name is named with the right spelling."""
        parsed = answers_of(GOOD.replace('["traces", "logs"]', '["trace", "Logs"]'))
        assert pillar_problems(parsed) == [
            'unknown pillar "trace" in slow-hop (did you mean traces?)',
            'unknown pillar "Logs" in slow-hop (did you mean logs?)',
        ]
        with pytest.raises(CheckFailure, match='unknown pillar "trace" in slow-hop'):
            expect_known_pillars(parsed)

    def test_a_name_with_no_likeness_gets_no_suggestion(self):
        """A name far from every pillar is named without a guess."""
        assert pillar_problems(answers_of(with_table("disk-full", 'pillars = ["dashboards"]'))) == ['unknown pillar "dashboards" in disk-full']

    def test_repeats_are_named(self):
        """A pillar listed twice in one scenario is named with its count."""
        with pytest.raises(CheckFailure, match="logs listed 2 times in one-user"):
            expect_known_pillars(answers_of(with_table("one-user", 'pillars = ["logs", "traces", "logs"]\nwhy = "x"')))

    def test_no_pillars_at_all_fails(self):
        """With no pillar anywhere (the stub) there is nothing valid to pass."""
        with pytest.raises(CheckFailure, match="lists no pillar for any scenario yet"):
            expect_known_pillars(answers_of('[scenarios.disk-full]\npillars = []\nwhy = ""\n'))


class TestExplained:
    def test_every_why_filled_passes(self):
        """Non-blank reasons for every id pass."""
        expect_explained(answers_of(GOOD), IDS)

    def test_blank_and_missing_reasons_are_listed(self):
        """A blank why and a missing table are both named."""
        parsed = answers_of(with_table("disk-full", 'pillars = ["metrics"]\nwhy = "   "'))
        del parsed["slow-hop"]
        with pytest.raises(CheckFailure, match="2 of 3 scenarios in answers.toml have no why yet: disk-full, slow-hop"):
            expect_explained(parsed, IDS)


class TestFirstPillar:
    def test_matching_first_pillar_passes(self):
        """The key's first pillar first passes, whatever follows."""
        expect_first_pillar(answers_of(GOOD), "one-user", KEY["one-user"])

    def test_wrong_first_pillar_explains_the_key(self):
        """A different first pillar fails with what was found, what is expected and why."""
        parsed = answers_of(with_table("slow-hop", 'pillars = ["logs", "traces"]\nwhy = "x"'))
        with pytest.raises(CheckFailure, match="slow-hop: you start with logs; start with traces. Where the time goes is a trace."):
            expect_first_pillar(parsed, "slow-hop", KEY["slow-hop"])

    def test_missing_answer_fails(self):
        """No table or no pillar says so."""
        with pytest.raises(CheckFailure, match="disk-full: you list no pillar; start with metrics"):
            expect_first_pillar({}, "disk-full", KEY["disk-full"])

    def test_misspelled_first_pillar_is_not_a_pillar(self):
        """A first pillar that is not a pillar name is called out as such."""
        parsed = answers_of(with_table("slow-hop", 'pillars = ["trace"]\nwhy = "x"'))
        with pytest.raises(CheckFailure, match='you start with "trace", which is not a pillar name'):
            expect_first_pillar(parsed, "slow-hop", KEY["slow-hop"])

    def test_broken_table_names_its_problem(self):
        """A table of the wrong shape fails its scenario with the format problem."""
        parsed = answers_of(with_table("disk-full", 'pillars = "metrics"\nwhy = "x"'))
        with pytest.raises(CheckFailure, match="pillars must be a list .* so it counts as no pillar; start with metrics"):
            expect_first_pillar(parsed, "disk-full", KEY["disk-full"])


class TestSetsMatch:
    def test_order_does_not_matter(self):
        """The same pillars in another order count as a match."""
        parsed = answers_of(with_table("one-user", 'pillars = ["traces", "logs"]\nwhy = "x"'))
        expect_sets_match(parsed, KEY, needed=3)

    def test_too_few_matches_lists_the_differences(self):
        """Below the threshold, the message counts matches and explains each difference."""
        parsed = answers_of(with_table("disk-full", 'pillars = ["metrics", "logs"]\nwhy = "x"'))
        expect_sets_match(parsed, KEY, needed=2)
        with pytest.raises(CheckFailure, match=r"2 of 3 answers .*; 3 are needed\. disk-full \[key: metrics; yours: metrics, logs\]: nothing else is needed"):
            expect_sets_match(parsed, KEY, needed=3)

    def test_long_lists_are_capped(self):
        """With many differences only the first few are spelled out."""
        key = {f"s{i}": KeyEntry(("logs",), "r", "t") for i in range(8)}
        with pytest.raises(CheckFailure, match=r"0 of 8 .*s4 \[key: logs; yours: none\]: t \| and 3 more$"):
            expect_sets_match({}, key, needed=6)


class TestFileText:
    def test_text_is_returned(self):
        """A file the driver read comes back as its text."""
        observation = Observation("s", values={"files": {"answers.toml": "x = 1\n"}, "missing": [], "refused": {}})
        assert file_text(observation, "answers.toml") == "x = 1\n"

    def test_refused_file_says_why(self):
        """A file the driver refused fails with the driver's reason."""
        observation = Observation("s", values={"files": {"answers.toml": None}, "missing": [], "refused": {"answers.toml": "it is not UTF-8 text"}})
        with pytest.raises(CheckFailure, match="answers.toml could not be read: it is not UTF-8 text"):
            file_text(observation, "answers.toml")

    def test_missing_file_fails(self):
        """A file that is not there fails with a restore hint."""
        with pytest.raises(CheckFailure, match="answers.toml is missing"):
            file_text(Observation("s", values={"files": {"answers.toml": None}, "missing": ["answers.toml"]}), "answers.toml")


def test_parsed_answers_are_the_callers_own():
    """Answers are parsed once per text, but each caller gets a dict of its own."""
    text = '[scenarios.memory-leak]\npillars = ["metrics"]\nwhy = "it grows"\n'
    first = parse_answers(text)
    first.clear()
    assert parse_answers(text)["memory-leak"].pillars == ("metrics",)
