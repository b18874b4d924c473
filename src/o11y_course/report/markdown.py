"""The ``markdown`` format: a summary for ``$GITHUB_STEP_SUMMARY`` and per-learner feedback files.

A total, then per exercise a table of its checks and, under it, the checks to fix with their
messages and hints. Text from checks is escaped so that ``|`` and newlines cannot break a table
and ``<...>`` (e.g. a route template ``/items/<int:item_id>``) is not swallowed as an HTML tag.
Multi-line messages (span trees, exposition excerpts) are shown as code blocks.
See docs/formats/markdown.md.
"""

from __future__ import annotations

import re

from o11y_course.exercises import TIER_MARKERS
from o11y_course.report.labels import check_label
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.report.points import points_text
from o11y_course.report.reveal import DEFAULT_REVEAL, apply_reveal

STATUS_LABELS = {"pass": "✅ pass", "fail": "❌ fail", "error": "💥 error", "skip": "⏭️ skip"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def escape(text: str) -> str:
    """``text`` as literal inline Markdown: specials backslash-escaped, ``& < >`` as entities."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def cell(text: str) -> str:
    """``text`` for a table cell: escaped, line breaks as ``<br>``."""
    return "<br>".join(escape(line) for line in text.strip().splitlines())


def code_block(text: str) -> list[str]:
    """``text`` in a fenced block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *text.rstrip("\n").splitlines(), fence]


def _heading(exercise: ExerciseResult) -> str:
    marker = TIER_MARKERS.get(exercise.id.split("/", 1)[0])
    prefix = f"{marker} " if marker else ""
    score = f"{points_text(exercise.score)}/{points_text(exercise.max_score)}"
    return f"### {prefix}{escape(exercise.id)}: {escape(exercise.title)} ({score})"


def _table(exercise: ExerciseResult) -> list[str]:
    lines = ["| Status | Check | Points | Visibility |", "|---|---|---:|---|"]
    for check in exercise.checks:
        points = f"{points_text(check.earned)}/{points_text(check.points)}"
        lines.append(f"| {STATUS_LABELS[check.status]} | {cell(check_label(check))} | {points} | {check.visibility} |")
    return lines


def _problem(check: CheckResult) -> list[str]:
    lines = [f"- **{escape(check_label(check))}** ({STATUS_LABELS[check.status]}, {points_text(check.earned)}/{points_text(check.points)})"]
    message = check.message.strip()
    if "\n" in message:
        lines += ["", *("  " + line if line else "" for line in code_block(message)), ""]
    elif message:
        lines.append(f"  - {escape(message)}")
    if check.hint:
        lines.append(f"  - *Hint:* {escape(check.hint.strip())}")
    return lines


def render_exercise(exercise: ExerciseResult) -> list[str]:
    """The heading, table and checks to fix of one exercise."""
    lines = [_heading(exercise), "", *_table(exercise), ""]
    problems = [c for c in exercise.checks if c.status != "pass"]
    if problems:
        lines += ["**What to fix**", ""]
        for check in problems:
            lines += _problem(check)
        lines.append("")
    return lines


def render(report: GradeReport, *, reveal: str = DEFAULT_REVEAL) -> str:
    """The whole report as GitHub-flavoured Markdown."""
    shown = apply_reveal(report, reveal)
    lines = [f"## Grade: {points_text(shown.score)}/{points_text(shown.max_score)}", ""]
    for exercise in shown.exercises:
        lines += render_exercise(exercise)
    return "\n".join(lines).rstrip("\n") + "\n"
