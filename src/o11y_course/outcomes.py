"""Mapping what happened when a check ran to a CheckResult status, message and hint."""

from __future__ import annotations

import pytest

from o11y_course.feedback import CheckFailure, GraderMisconfigured, SubmissionError


def check_title(item: pytest.Item) -> str:
    """The check's learner-facing title: the first line of its docstring, else its name."""
    doc = getattr(getattr(item, "obj", None), "__doc__", None) or ""
    first = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    title = first or item.name.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec is not None else title


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None, skipped: bool) -> tuple[str, str, str]:
    """(status, message, hint) for a finished check."""
    if skipped:
        reason = ""
        if excinfo is not None and excinfo.value.args:
            reason = str(excinfo.value.args[0])
        return "skip", reason.removeprefix("Skipped: "), ""
    if excinfo is None:
        return "pass", "", ""
    exc = excinfo.value
    if isinstance(exc, CheckFailure):
        return "fail", exc.message, exc.hint or ""
    if isinstance(exc, SubmissionError):
        return "error", exc.message, exc.hint or ""
    if isinstance(exc, GraderMisconfigured):
        return "error", str(exc), ""
    if isinstance(exc, AssertionError):
        text = str(exc).split("\nassert ", 1)[0].strip() or "the check's assertion failed"
        return "fail", text, ""
    return "error", f"The check itself failed ({type(exc).__name__}: {str(exc)[:200]}); please report this to the course authors.", ""
