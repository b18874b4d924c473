"""Progress of a batch on stderr: a live bar on a terminal, one plain line per submission elsewhere."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from o11y_course.batch.gradebook import Graded
from o11y_course.report.points import points_text


def outcome_line(graded: Graded) -> str:
    """What became of one submission, in a few words."""
    if graded.report is None:
        return f"{graded.id}: not graded: {graded.error}"
    return f"{graded.id}: {points_text(graded.report.score)}/{points_text(graded.report.max_score)} ({graded.seconds:.1f} s)"


class BatchProgress:
    """``with BatchProgress(total) as progress: progress.done(graded)``."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.total = total
        self.stream = stream or sys.stderr
        self.finished = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> BatchProgress:
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TextColumn("{task.description}"),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("", total=self.total)
        return self

    def done(self, graded: Graded) -> None:
        """One submission finished."""
        self.finished += 1
        if self._bar is not None:
            if graded.report is None:
                from rich.text import Text

                self._bar.console.print(Text(outcome_line(graded), style="red"))
            self._bar.update(self._task, advance=1, description=graded.id)
        else:
            print(f"[{self.finished}/{self.total}] {outcome_line(graded)}", file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
