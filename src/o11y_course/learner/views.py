"""How check results and the exercise list look to a learner."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from o11y_course.exercises import Exercise
from o11y_course.learner.progress import Progress, exercise_passed
from o11y_course.report.model import CheckResult, ExerciseResult
from o11y_course.report.visible import visible

MARKS = {"pass": ("[green]✔[/]", "✔"), "fail": ("[red]✘[/]", "✘"), "error": ("[red]![/]", "!"), "skip": ("[yellow]–[/]", "–")}


def short_id(exercise: Exercise) -> str:
    """The shortest unambiguous way to name an exercise on the command line: ``beginner/02``."""
    return f"{exercise.tier}/{exercise.folder[:2]}"


def _shown(text: str) -> str:
    """``text`` as rich prints it literally: no markup, no terminal escapes."""
    return escape(visible(text))


def _check_lines(check: CheckResult) -> list[str]:
    mark = MARKS[check.status][0]
    lines = [f"  {mark} {_shown(check.title)} [dim]({check.earned:g}/{check.points:g})[/]"]
    if check.status != "pass":
        for text in check.message.splitlines():
            lines.append(f"      {_shown(text)}")
        if check.hint:
            lines.append(f"      [cyan]Try:[/] {_shown(check.hint)}")
    return lines


def show_exercise_result(console: Console, exercise: Exercise, result: ExerciseResult) -> None:
    """One exercise's checks: what passed, what failed with its message and hint."""
    console.print(f"[bold]{exercise.marker} {escape(exercise.id)}[/] · {escape(exercise.title)}")
    for check in result.checks:
        for line in _check_lines(check):
            console.print(line)
    passed = sum(c.status == "pass" for c in result.checks)
    console.print(f"  {passed}/{len(result.checks)} checks pass · {result.score:g}/{result.max_score:g} points")


def next_step(exercises: list[Exercise], results: dict[str, ExerciseResult], progress: dict[str, Progress]) -> str:
    """What the learner should do now, in one sentence."""
    for exercise in exercises:
        result = results.get(exercise.id)
        if result is not None and not exercise_passed(result):
            name = short_id(exercise)
            return (f"Next: fix the first failing check of {name}, then run `o11y check {name}` again "
                    f"(or `o11y watch {name}` to re-check on every save). Stuck? `o11y hint {name}`.")
    for exercise in exercises:
        known = progress.get(exercise.id)
        if exercise.id not in results and (known is None or not known.passed):
            return f"Next: read exercises/{exercise.id}/README.md, then run `o11y check {short_id(exercise)}`."
    return "Every exercise passes its public checks. Your instructor's hidden checks test the same contracts more deeply."


def bar(fraction: float, width: int = 20) -> str:
    """A text progress bar: ``[#######.............]``."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def show_list(console: Console, exercises: list[Exercise], progress: dict[str, Progress]) -> None:
    """Exercises in course order with their marker, last-check points and an overall progress bar."""
    for exercise in exercises:
        known = progress.get(exercise.id)
        if known is None:
            earned = "  not checked yet"
        else:
            mark = MARKS["pass"][0] if known.passed else MARKS["fail"][0]
            earned = f"{mark} {known.score:g}/{known.max_score:g} public pts"
        console.print(f"{exercise.marker} {escape(short_id(exercise)):<16} {escape(exercise.title):<44} {earned}")
    done = sum(1 for e in exercises if progress.get(e.id) and progress[e.id].passed)
    console.print(f"\nProgress {escape(bar(done / len(exercises) if exercises else 0))} {done}/{len(exercises)} exercises pass their public checks")
