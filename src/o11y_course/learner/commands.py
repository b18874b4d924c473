"""The learner commands: check, list, hint, watch and run."""

from __future__ import annotations

import argparse

from o11y_course.course import find_course
from o11y_course.exercises import Exercise, discover, resolve
from o11y_course.learner.console import make_console
from o11y_course.learner.progress import exercise_passed, load_progress


def _all(course) -> list[Exercise]:
    from o11y_course.commands import _exercises

    return _exercises(course, [])


def cmd_check(args: argparse.Namespace) -> int:
    """Public checks of one or every exercise, explained for a learner; exit 1 while any fails."""
    from o11y_course.commands import _prestart_real, _sandbox
    from o11y_course.learner.selfcheck import run_self_check
    from o11y_course.learner.views import next_step, show_exercise_result

    course = find_course()
    everything = _all(course)
    exercises = [resolve(everything, args.exercise)] if args.exercise else everything
    _prestart_real(exercises, skip=args.no_real)
    with _sandbox(course, exercises) as sandbox:
        report = run_self_check(course, exercises, sandbox, skip_real=args.no_real)
    console = make_console()
    for exercise, result in zip(exercises, report.exercises, strict=True):
        show_exercise_result(console, exercise, result)
        console.print()
    results = {r.id: r for r in report.exercises}
    console.print(next_step(everything, results, load_progress(course.state_dir / "progress.json")))
    return 0 if all(exercise_passed(r) or not r.checks for r in report.exercises) else 1


def cmd_list(args: argparse.Namespace) -> int:
    """Exercises in order, with the points of the last check and a progress bar."""
    from o11y_course.learner.views import show_list

    course = find_course()
    show_list(make_console(), _all(course), load_progress(course.state_dir / "progress.json"))
    return 0


def cmd_hint(args: argparse.Namespace) -> int:
    """Reveal the next hint of an exercise."""
    from o11y_course.hints import reveal_next
    from o11y_course.learner.views import short_id

    course = find_course()
    exercise = resolve(_all(course), args.exercise)
    number, text = reveal_next(exercise, course.state_dir / "hints.json")
    total = len(exercise.hints)
    if text is None:
        print(f"{exercise.id}: all {total} hints are shown already; run `o11y check {short_id(exercise)}` and read its messages.")
    else:
        print(f"Hint {number}/{total} for {exercise.id}: {text}")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """Re-check on every save; move on when the exercise passes."""
    from o11y_course.commands import _prestart_real, _sandbox
    from o11y_course.learner.watch import first_unfinished, watch_exercises

    course = find_course()
    everything = _all(course)
    start = resolve(everything, args.exercise) if args.exercise else first_unfinished(course, everything)
    _prestart_real(everything)
    with _sandbox(course, everything) as sandbox:
        return watch_exercises(course, everything, start, sandbox, make_console(), cycles=args.cycles)


def cmd_run(args: argparse.Namespace) -> int:
    """Serve the learner's app on localhost."""
    from o11y_course.learner.serve import serve

    course = find_course()
    exercise = resolve(discover(course.exercises_dir), args.exercise)
    return serve(exercise, course.exercises_dir / exercise.id, args.port, make_console(), with_prometheus=args.prometheus)
