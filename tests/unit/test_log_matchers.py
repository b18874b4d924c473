"""The log matchers: records captured from real logging calls in, selections and teaching messages out."""

import logging
from itertools import count

import pytest

from o11y_course.drivers.log_records import RecordCapture
from o11y_course.feedback import CheckFailure
from o11y_course.matchers.logs import (
    Record,
    above,
    article,
    at_least,
    at_level,
    below,
    describe_result,
    expect_no_leaks,
    expect_record,
    filtering_errors,
    in_step,
    leaks,
    levels_kept,
    mentioning,
    mentions,
    records,
    render,
    step_result,
)
from o11y_course.observation import Observation

_names = count()


def captured(*calls, step="step") -> list[Record]:
    """Records from real logging calls: each call gets a fresh DEBUG logger with a capture handler."""
    logger = logging.getLogger(f"test_log_matchers.{next(_names)}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    capture = RecordCapture()
    capture.step = step
    logger.addHandler(capture)
    for make in calls:
        make(logger)
    return records(Observation("test", logs=tuple(capture.records)))


def one_per_level(logger):
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL):
        logger.log(level, "probe at %s", logging.getLevelName(level))


class TestRecord:
    def test_line_reads_like_a_log_line(self):
        """A record renders as ``LEVEL logger: message``."""
        (record,) = captured(lambda log: log.warning("item %s not found", 42))
        assert record.line().endswith(": item 42 not found")
        assert record.line().startswith("WARNING test_log_matchers.")

    def test_line_shows_the_attached_exception(self):
        """An attached exception is named after the message."""

        def failing(log):
            try:
                raise KeyError("x")
            except KeyError:
                log.exception("payment failed")

        (record,) = captured(failing)
        assert record.exc_info and record.exc_type == "KeyError"
        assert record.line().endswith("payment failed [exc_info: KeyError]")

    def test_error_outside_except_has_no_exception(self):
        """``exc_info=True`` with no exception being handled attaches nothing."""
        (record,) = captured(lambda log: log.error("no exception here", exc_info=True))
        assert not record.exc_info and record.exc_type is None

    def test_long_lines_are_cut(self):
        """A long message is cut so one record stays one short line."""
        (record,) = captured(lambda log: log.info("x" * 500))
        assert len(record.line()) <= 120 and record.line().endswith("...")

    def test_template_arguments_and_extra_are_kept_apart(self):
        """The template, each argument and each extra field are available separately."""
        (record,) = captured(lambda log: log.info("order %s paid", "o-1", extra={"payment": {"card": "1234"}}))
        assert record.msg == "order %s paid" and record.args == ("'o-1'",)
        assert record.extra == {"payment": "{'card': '1234'}"}
        assert ("extra field 'payment'", "{'card': '1234'}") in record.texts()


class TestSelection:
    def test_levels(self):
        """Records are selected by exact level, above, below and at-least."""
        found = captured(one_per_level)
        assert [r.level for r in at_level(found, "WARNING")] == ["WARNING"]
        assert [r.level for r in above(found, "WARNING")] == ["ERROR", "CRITICAL"]
        assert [r.level for r in below(found, "WARNING")] == ["DEBUG", "INFO"]
        assert [r.level for r in at_least(found, "WARNING")] == ["WARNING", "ERROR", "CRITICAL"]

    def test_in_step(self):
        """Records are told apart by the step that was running."""
        found = captured(lambda log: log.info("a"), step="one") + captured(lambda log: log.info("b"), step="two")
        assert [r.message for r in in_step(found, "two")] == ["b"]

    def test_mentions_whole_tokens_only(self):
        """An id counts only as a whole token: 42 is not in 420, A-100 is not in A-1000."""
        found = captured(lambda log: log.warning("item %s not found", "A-1000"), lambda log: log.debug("cache hit for item 420"))
        assert not mentioning(found, "A-100") and not mentioning(found, "42")
        assert mentioning(found, "A-1000") and mentions(found[1], "420")

    def test_mentions_ids_with_punctuation(self):
        """Ids with dots or dashes are found where the message names them."""
        (record,) = captured(lambda log: log.debug("cache miss for item pen.blue, loading it"))
        assert mentions(record, "pen.blue")


class TestFiltering:
    def test_levels_kept_in_order(self):
        """The levels present are listed from DEBUG to CRITICAL."""
        found = captured(lambda log: log.critical("c"), lambda log: log.info("i"))
        assert levels_kept(found) == ["INFO", "CRITICAL"]

    def test_exact_filtering_has_no_errors(self):
        """Exactly the records at the level and above give no errors."""
        found = [r for r in captured(one_per_level) if r.levelno >= logging.INFO]
        assert filtering_errors(found, "INFO") == ([], [])

    def test_too_low_and_dropped_levels_are_named(self):
        """Records below the level and levels missing above it are both reported."""
        found = [r for r in captured(one_per_level) if r.level in ("DEBUG", "ERROR")]
        assert filtering_errors(found, "INFO") == (["DEBUG"], ["INFO", "WARNING", "CRITICAL"])


class TestLeaks:
    def test_secret_in_an_argument(self):
        """A secret passed as an argument shows in the message and the argument; the first place is reported."""
        found = captured(lambda log: log.debug("charging card %s", "4111111111111111"))
        assert [(name, where) for _, name, where in leaks(found, {"card": "4111111111111111"})] == [("card", "message")]

    def test_secret_in_the_template(self):
        """A secret baked into an f-string sits in the template too."""
        found = captured(lambda log: log.info(f"password {'hunter2'} used"))
        assert leaks(found, {"password": "hunter2"})

    def test_secret_only_in_extra(self):
        """A secret in an extra field is found although the message is clean."""
        found = captured(lambda log: log.error("payment failed", extra={"payment": {"password": "hunter2"}}))
        with pytest.raises(CheckFailure) as info:
            expect_no_leaks(found, {"password": "hunter2"}, "passed to checkout", "hint")
        assert "1 log record carries a secret passed to checkout" in info.value.message
        assert "password in the extra field 'payment'" in info.value.message

    def test_clean_records_pass(self):
        """Masked or absent secrets, and empty secrets, are not leaks."""
        found = captured(lambda log: log.info("card ending %s", "1111"))
        assert leaks(found, {"card": "4111111111111111", "empty": ""}) == []
        expect_no_leaks(found, {"card": "4111111111111111"}, "passed to checkout")


class TestMessages:
    def test_expect_record_returns_matches(self):
        """The records at the wanted level are returned."""
        found = captured(lambda log: log.info("a"), lambda log: log.warning("b"))
        assert [r.message for r in expect_record(found, "WARNING", "x")] == ["b"]

    def test_expect_record_lists_what_was_logged(self):
        """A missing level fails with the records that were logged instead."""
        found = captured(lambda log: log.info("item %s not found", "kettle"))
        with pytest.raises(CheckFailure, match=r"A missing item should log a WARNING record, but .*\n    INFO .*: item kettle not found"):
            expect_record(found, "WARNING", "A missing item", "use warning")

    def test_render(self):
        """Renders one line per record, says when there are none, and counts what it leaves out."""
        assert render([]) == "    (no records)"
        text = render(captured(one_per_level), limit=2)
        assert text.count("\n") == 2 and text.endswith("... 3 more records")

    def test_article(self):
        """``an INFO``, ``an ERROR``, ``a WARNING``."""
        assert [article(level) for level in ("INFO", "ERROR", "WARNING", "DEBUG")] == ["an", "an", "a", "a"]

    def test_step_results(self):
        """Step results are read back and described; an unknown step is a clear failure."""
        observation = Observation("s", values={"configure": {"raised": {"type": "ValueError", "message": "bad"}}, "other": {"returned": None}})
        assert describe_result(step_result(observation, "configure")) == "raised ValueError('bad')"
        assert describe_result(step_result(observation, "other")) == "returned None"
        with pytest.raises(CheckFailure, match="no step 'missing'"):
            step_result(observation, "missing")
