"""The JSON log matchers: parsing lines, validating them against the exercise's schema, grouping by request."""

import io
import json
import logging
import uuid

import pytest
import structlog

from o11y_course.feedback import CheckFailure
from o11y_course.matchers.json_logs import (
    LogLine,
    by_request,
    course_exercise_file,
    exception_summary,
    expect_schema_valid,
    find_text,
    is_uuid4,
    load_schema,
    logged_lines,
    parse_lines,
    render,
    request_pair,
    response_header,
    schema_problem,
    with_event,
)
from o11y_course.observation import Observation
from o11y_course.scenario import HttpExchange
from tests.conftest import REPO

SCHEMA = REPO / "exercises" / "intermediate" / "01-structured-logging" / "log-event.schema.json"
STAMP = "2026-03-02T10:15:04.120512Z"


def line(**fields) -> LogLine:
    """A valid log line of request ``r1``, with ``fields`` changed (None removes a field)."""
    base = {"timestamp": STAMP, "level": "info", "event": "request started", "request_id": "r1", "method": "GET", "endpoint": "/"}
    base.update(fields)
    return LogLine(0, 1, {k: v for k, v in base.items() if v is not None})


@pytest.fixture(scope="module")
def validator():
    """A validator for the exercise's log-event.schema.json."""
    return load_schema(SCHEMA)


def structlog_lines(log_calls) -> list[str]:
    """The lines a real structlog JSON logger writes for ``log_calls(log)``."""
    stream = io.StringIO()
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]
    log = structlog.make_filtering_bound_logger(logging.INFO)(structlog.WriteLogger(stream), processors, {})
    log_calls(log)
    return stream.getvalue().splitlines()


class TestParseLines:
    def test_parses_objects_and_numbers_lines(self):
        """Each line becomes a LogLine numbered from 1."""
        parsed = parse_lines(['{"event": "a"}', '{"event": "b"}'])
        assert [(p.number, p.event) for p in parsed] == [(1, "a"), (2, "b")]

    def test_names_the_bad_line(self):
        """A line that is not JSON fails with its number and an excerpt."""
        with pytest.raises(CheckFailure) as info:
            parse_lines(['{"event": "a"}', "INFO request started"])
        assert "line 2" in info.value.message and "INFO request started" in info.value.message
        assert "JSONRenderer" in info.value.hint

    def test_rejects_json_that_is_not_an_object(self):
        """A JSON string or list on a line is not a log event."""
        with pytest.raises(CheckFailure, match="not an object: it is a list"):
            parse_lines(["[1, 2]"])

    def test_rejects_an_empty_line(self):
        """A blank line between events is reported as such."""
        with pytest.raises(CheckFailure, match="it is empty"):
            parse_lines(['{"event": "a"}', ""])

    def test_splits_the_app_prefix(self):
        """With several apps, ``<index>|`` tells which app wrote the line, and numbers count per app."""
        parsed = parse_lines(['0|{"event": "a"}', '1|{"event": "b"}', '0|{"event": "c"}'], several_apps=True)
        assert [(p.app, p.number, p.event) for p in parsed] == [(0, 1, "a"), (1, 1, "b"), (0, 2, "c")]

    def test_logged_lines_fails_on_an_empty_stream(self):
        """A scenario whose app wrote nothing fails with a message about the stream."""
        with pytest.raises(CheckFailure, match="wrote no line"):
            logged_lines(Observation("s", logs=()))


class TestSchema:
    def test_real_structlog_lines_validate(self, validator):
        """Lines from a structlog JSON logger with the documented processors pass the schema."""
        def calls(log):
            log = log.bind(request_id="abc", method="GET", endpoint="/items/<int:item_id>")
            log.info("request started")
            try:
                raise RuntimeError("boom")
            except RuntimeError as exc:
                log.error("request failed", exc_info=exc)
            log.info("request completed", status_code=500, duration_ms=1.5)

        lines = parse_lines(structlog_lines(calls))
        expect_schema_valid(lines, validator, "the schema")
        assert exception_summary(lines[1].get("exception")) == "RuntimeError: boom"

    @pytest.mark.parametrize(
        ("fields", "where"),
        [
            ({"level": "INFO"}, "$.level"),
            ({"timestamp": "2026-03-02 10:15:04"}, "$.timestamp"),
            ({"timestamp": "2026-03-02T10:15:04.120512"}, "$.timestamp"),  # no zone: not UTC for sure
            ({"request_id": "has space"}, "$.request_id"),
            ({"request_id": "x" * 65}, "$.request_id"),
            ({"endpoint": "items"}, "$.endpoint"),
            ({"event": "request completed", "status_code": "200", "duration_ms": 1}, "$.status_code"),
            ({"event": "request completed", "status_code": 200, "duration_ms": -1}, "$.duration_ms"),
            ({"event": "request completed", "status_code": 200, "duration_ms": True}, "$.duration_ms"),
        ],
    )
    def test_field_rules(self, validator, fields, where):
        """A field that breaks its rule is reported with its JSON path."""
        problem = schema_problem(line(**fields), validator)
        assert problem is not None and problem.startswith(f"at {where}:")

    def test_timestamp_with_offset_zero_is_utc(self, validator):
        """An explicit +00:00 offset is UTC too."""
        assert schema_problem(line(timestamp="2026-03-02T10:15:04+00:00"), validator) is None

    def test_completed_needs_status_and_duration(self, validator):
        """"request completed" without status_code is a top-level error naming the field."""
        problem = schema_problem(line(event="request completed", duration_ms=1.0), validator)
        assert problem == "at the top level: 'status_code' is a required property"

    def test_failed_needs_error_level_and_exception(self, validator):
        """"request failed" must be at error level and carry an exception."""
        assert "'exception' is a required property" in schema_problem(line(event="request failed", level="error"), validator)
        assert schema_problem(line(event="request failed", level="warning", exception="Traceback..."), validator).startswith("at $.level")

    def test_message_names_line_and_shows_it(self, validator):
        """expect_schema_valid names the first bad line and renders it."""
        bad = LogLine(0, 7, dict(line(level="INFO").fields))
        with pytest.raises(CheckFailure) as info:
            expect_schema_valid([line(), bad], validator, "log-event.schema.json", "a hint")
        assert info.value.message.startswith("log line 7 does not match log-event.schema.json at $.level")
        assert "the schema says: The level name in lower case." in info.value.message
        assert '"level": "INFO"' in info.value.message and info.value.hint == "a hint"


class TestRequests:
    def test_groups_by_request_id(self):
        """Lines are grouped by request_id in log order; lines without one go under None."""
        lines = [line(request_id="a"), line(request_id="b"), line(request_id="a", event="request completed"), line(request_id=None)]
        groups = by_request(lines)
        assert [entry.event for entry in groups["a"]] == ["request started", "request completed"]
        assert set(groups) == {"a", "b", None}

    def test_request_pair(self):
        """The pair of one request comes back; a missing line is counted in the message."""
        lines = [line(), line(event="request completed", status_code=200, duration_ms=1), line(request_id="other")]
        started, completed = request_pair(lines, "r1", "GET /")
        assert (started.event, completed.event) == ("request started", "request completed")
        with pytest.raises(CheckFailure, match="found 1 and 0"):
            request_pair(lines, "other", "GET /x")

    def test_request_pair_spots_a_shared_id(self):
        """Two requests under one id are called out as such."""
        lines = [line(), line(event="request completed")] * 2
        with pytest.raises(CheckFailure, match="several requests logged under this one id"):
            request_pair(lines, "r1", "GET /")

    def test_with_event(self):
        """with_event selects by the event field."""
        assert len(with_event([line(), line(event="request completed")], "request completed")) == 1


class TestValues:
    def test_exception_summary_shapes(self):
        """Both format_exc_info text and dict_tracebacks lists give ``Type: message``."""
        text = "Traceback (most recent call last):\n  File \"app.py\", line 3, in view\nRuntimeError: boom\n"
        assert exception_summary(text) == "RuntimeError: boom"
        assert exception_summary([{"exc_type": "KeyError", "exc_value": "'x'", "frames": []}]) == "KeyError: 'x'"
        assert exception_summary(None) is None and exception_summary({"a": 1}) is None

    def test_find_text_searches_parsed_values_and_keys(self):
        """Hostile text is found in nested values and in field names, after JSON decoding."""
        lines = parse_lines([json.dumps({"event": "x", "extra": {"header": "ok\x00nul"}}), json.dumps({"evil\x1b": 1})])
        found, where = find_text(lines, "ok\x00nul")
        assert (found.number, where) == (1, "extra.header")
        assert find_text(lines, "\x1b")[0].number == 2
        assert find_text(lines, "absent") is None

    def test_is_uuid4(self):
        """UUID4 in canonical or hex form passes; other versions and non-UUIDs do not."""
        assert is_uuid4(str(uuid.uuid4())) and is_uuid4(uuid.uuid4().hex)
        assert not is_uuid4(str(uuid.uuid1())) and not is_uuid4("req-1") and not is_uuid4(None)

    def test_response_header_ignores_case(self):
        """Header names are looked up case-insensitively."""
        exchange = HttpExchange("GET", "/", 200, "text/plain", "text/plain", "", headers={"x-request-id": "abc"})
        assert response_header(exchange) == "abc"
        assert response_header(exchange, "Content-Type") is None

    def test_render_escapes_and_counts(self):
        """Rendered lines keep one line per event, escape control characters and count those left out."""
        text = render([line(request_id="a\nb")] * 5, limit=2)
        assert text.count("\n") == 2 and "\\n" in text and "... 3 more lines" in text
        assert render([]) == "    (no lines)"


class TestCourseExerciseFile:
    def test_beside_the_checks(self):
        """A check file under <course>/checks/<tier>/<NN-slug>/ finds <course>/exercises/<tier>/<NN-slug>/<name>."""
        check = REPO / "checks" / "intermediate" / "01-structured-logging" / "test_public.py"
        assert course_exercise_file(check, "log-event.schema.json") == SCHEMA

    def test_merged_checks_fall_back_to_the_course(self, tmp_path, monkeypatch):
        """Checks copied into a temporary tree (o11y grade --checks) still read the course's copy."""
        check = tmp_path / "checks" / "intermediate" / "01-structured-logging" / "test_public.py"
        check.parent.mkdir(parents=True)
        check.write_text("")
        monkeypatch.setenv("O11Y_COURSE_ROOT", str(REPO))
        assert course_exercise_file(check, "log-event.schema.json") == SCHEMA


def test_a_schema_is_read_again_when_its_file_changes(tmp_path):
    """The validator is kept per file version: an edited schema is loaded afresh."""
    path = tmp_path / "event.schema.json"
    path.write_text(json.dumps({"type": "object", "required": ["event"]}))
    assert load_schema(path) is load_schema(path)
    assert not load_schema(path).is_valid({})
    path.write_text(json.dumps({"type": "object", "required": ["event", "level"]}))
    assert not load_schema(path).is_valid({"event": "x"})
