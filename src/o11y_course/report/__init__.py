"""The grade report model and the reporters that render it for people and platforms."""

from __future__ import annotations

from collections.abc import Callable

from o11y_course.errors import UsageError
from o11y_course.report import classroom, classroom50, gradescope, json_report, junit, markdown, text

REPORTERS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_report.render,
    "classroom": classroom.render,
    "classroom50": classroom50.render,
    "gradescope": gradescope.render,
    "junit": junit.render,
    "markdown": markdown.render,
}
"""Format name -> ``render(report: GradeReport, **options) -> str``."""

REVEAL_FORMATS = frozenset({"classroom", "classroom50", "gradescope", "junit", "markdown"})
"""The formats whose ``render`` also takes ``reveal=`` (``--reveal hidden|titles|none``)."""


def renderer(fmt: str, reveal: str | None = None) -> Callable[..., str]:
    """The reporter for ``fmt`` with its ``--reveal`` option bound; bad combinations are usage errors."""
    if fmt not in REPORTERS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(REPORTERS)}")
    if reveal is None:
        return REPORTERS[fmt]
    if fmt not in REVEAL_FORMATS:
        raise UsageError(f"--reveal applies to the formats {', '.join(sorted(REVEAL_FORMATS))}, not {fmt!r}")
    return lambda report: REPORTERS[fmt](report, reveal=reveal)
