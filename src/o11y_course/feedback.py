"""Failures that checks raise: a teaching message (expected, found) and a hint (what to try)."""

from __future__ import annotations

from typing import NoReturn


class CheckFailure(AssertionError):
    """The learner's work does not meet the check: status ``fail``."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class SubmissionError(Exception):
    """The learner's code could not be judged (crash, hang, exit, missing file): status ``error``."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class GraderMisconfigured(Exception):
    """A real component the check needs (Prometheus, promtool) is missing while grading: status ``error``."""


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Fail the current check with a message and an optional hint."""
    raise CheckFailure(message, hint)


def expect(condition: bool, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailure(message, hint)
