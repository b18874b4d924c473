"""The ``o11y`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from o11y_course import __version__
from o11y_course.errors import GraderError, UsageError

FORMATS = ("text", "json", "classroom", "classroom50", "gradescope", "junit", "markdown")
REVEAL_LEVELS = ("hidden", "titles", "none")  # o11y_course.report.reveal.REVEAL_LEVELS, kept here so parsing stays import-light


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="o11y", description="Exercises and autograding for metrics, logs and traces.")
    parser.add_argument("--version", action="version", version=f"o11y-course {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade = sub.add_parser("grade", help="grade a submission (a learner repository or a <tier>/<NN-slug>/ tree)")
    grade.add_argument("path", nargs="+", help="the submission's folder; several folders (or --out) grade a class in one batch")
    grade.add_argument("--out", help="batch mode: write gradebook.csv, feedback/, stats.json and heatmap.svg here (default grades/)")
    grade.add_argument("--jobs", "-j", type=int, help="batch mode: submissions graded in parallel (default: the CPU count, at most 4)")
    grade.add_argument("--checks", action="append", default=[], help="also run the checks in this folder, e.g. an `o11y bundle` of hidden checks (repeatable)")
    grade.add_argument("--format", default="text", help=f"report format: {', '.join(FORMATS)} (default text)")
    grade.add_argument("--public-only", action="store_true", help="run only the public checks")
    grade.add_argument("--no-real", action="store_true", help="skip the checks that start a real Prometheus or promtool (they report skip)")
    grade.add_argument(
        "--reveal",
        choices=REVEAL_LEVELS,
        help="how much of the hidden checks the platform formats show: hidden (messages too), titles (default), none",
    )
    grade.add_argument("--exercise", "-e", action="append", default=[], help="grade only this exercise (repeatable)")

    check = sub.add_parser("check", help="run the public checks on this checkout's exercises")
    check.add_argument("exercise", nargs="?", help="one exercise: 02, metrics-endpoint, beginner/02 ...")
    check.add_argument("--no-real", action="store_true", help="skip the slower checks that start a real Prometheus or promtool")

    sub.add_parser("list", help="list the exercises in order")

    watch = sub.add_parser("watch", help="re-check an exercise on every save and move on when it passes")
    watch.add_argument("exercise", nargs="?", help="where to start (default: the first exercise not passing yet)")
    watch.add_argument("--cycles", type=int, default=None, help=argparse.SUPPRESS)  # stop after N checks (tests)

    run = sub.add_parser("run", help="serve an exercise's app on localhost to explore it by hand")
    run.add_argument("exercise", help="the exercise: 02, metrics-endpoint, beginner/02 ...")
    run.add_argument("--port", type=int, default=5000, help="port to serve on (default 5000)")
    run.add_argument("--prometheus", action="store_true", help="also start a local Prometheus scraping the app")

    hint = sub.add_parser("hint", help="reveal the next hint of an exercise")
    hint.add_argument("exercise", help="the exercise: 02, metrics-endpoint, beginner/02 ...")

    verify = sub.add_parser("verify", help="prove reference = full marks, stub = zero, mutants fail as declared")
    verify.add_argument("exercise", nargs="?", help="verify only this exercise")
    verify.add_argument("--no-real", action="store_true", help="skip the checks that need a real Prometheus or promtool")

    release = sub.add_parser("release", help="write the learner template: no reference code, no hidden check")
    release.add_argument("out", help="the folder to write (it must be empty, or use --force)")
    release.add_argument("--force", action="store_true", help="replace what the folder holds (a .git folder in it is kept)")

    bundle = sub.add_parser("bundle", help="write the hidden checks as a folder to keep in a private repository")
    bundle.add_argument("out", help="the folder to write (it must be empty, or use --force)")
    bundle.add_argument("--force", action="store_true", help="replace what the folder holds (a .git folder in it is kept)")

    report = sub.add_parser("report", help="render a saved JSON report (o11y grade --format json) in another format")
    report.add_argument("report", help="the JSON report file")
    report.add_argument("--format", default="text", help=f"report format: {', '.join(FORMATS)} (default text)")
    report.add_argument("--reveal", choices=REVEAL_LEVELS, help="as for grade")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        from o11y_course import commands

        return commands.run(args)
    except UsageError as exc:
        print(f"o11y: error: {exc}", file=sys.stderr)
        return 2
    except GraderError as exc:
        print(f"o11y: grader problem: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("o11y: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
