"""Submissions that break the contract: a syntax error, no create_app, a create_app that returns None."""

from __future__ import annotations

from tests.integrity.conftest import HONEST, assert_verdict


def test_syntax_error(make_submission, grade_submission):
    """A syntax error scores 0: every check errors with the SyntaxError, its message and the offending line."""
    report = grade_submission(make_submission("def create_app(registry=None)\n    return None\n"))
    result = assert_verdict(report, score=0, status="error", fragment="raised SyntaxError while importing app.py: expected ':'")
    assert "app.py, line 1: def create_app(registry=None)" in result.checks[0].message


def test_missing_create_app(make_submission, grade_submission):
    """An app.py without create_app scores 0: every check errors, saying app.py has no create_app."""
    source = "from flask import Flask\n\n\ndef make_app(registry=None):\n    return Flask(__name__)\n"
    report = grade_submission(make_submission(source, hostile=HONEST))
    assert_verdict(report, score=0, status="error", fragment="app.py has no create_app", hostile=HONEST)


def test_create_app_returns_none(make_submission, grade_submission):
    """A create_app() that returns None scores 0: every check errors, saying it returned NoneType instead of a Flask app."""
    report = grade_submission(make_submission("def create_app(registry=None):\n    return None\n"))
    assert_verdict(report, score=0, status="error", fragment="create_app() returned NoneType, not a Flask app")
