"""``o11y watch``: check the current exercise on every save, and move on when it passes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from o11y_course.course import Course
from o11y_course.exercises import Exercise
from o11y_course.learner.progress import exercise_passed, load_progress
from o11y_course.learner.selfcheck import run_self_check
from o11y_course.learner.views import short_id, show_exercise_result
from o11y_course.sandbox.client import Sandbox

WAITING = "Watching for changes (Ctrl-C to stop) ..."


def first_unfinished(course: Course, exercises: list[Exercise]) -> Exercise:
    """The first exercise whose last check did not pass (the first one when none was checked)."""
    progress = load_progress(course.state_dir / "progress.json")
    return next((e for e in exercises if not (progress.get(e.id) and progress[e.id].passed)), exercises[0])


def wait_for_change(folder: Path) -> Iterator[set]:
    """Each batch of file changes under ``folder`` (``__pycache__`` and editor droppings ignored)."""
    from watchfiles import DefaultFilter, watch

    yield from watch(folder, watch_filter=DefaultFilter(), debounce=200, raise_interrupt=False)


def watch_exercises(
    course: Course, exercises: list[Exercise], start: Exercise, sandbox: Sandbox, console: Console, *, cycles: int | None = None
) -> int:
    """Re-check ``start`` on every change; when it passes, go on with the next exercise in ``exercises``."""
    current = start
    checks_run = 0
    changes = None
    while True:
        report = run_self_check(course, [current], sandbox)
        checks_run += 1
        result = report.exercises[0]
        if console.is_terminal:
            console.clear()
        show_exercise_result(console, current, result)
        later = exercises[exercises.index(current) + 1:]
        if exercise_passed(result):
            if not later:
                console.print("\nEvery exercise you are watching passes its public checks. Well done!")
                return 0
            console.print(f"\n[green]Passed![/] Moving on to {short_id(later[0])}: {later[0].title}")
            current = later[0]
            changes = None
            if cycles is not None and checks_run >= cycles:
                return 0
            continue
        if cycles is not None and checks_run >= cycles:
            return 1
        console.print(f"\nEdit exercises/{current.id}/ and save; stuck? `o11y hint {short_id(current)}`.")
        console.print(WAITING)
        changes = changes or wait_for_change(course.exercises_dir / current.id)
        if next(changes, None) is None:
            return 130
