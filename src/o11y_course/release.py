"""``o11y release OUT``: write the learner template, without reference code or hidden checks.

The template holds the exercises (stubs, READMEs, data files), the public check files, the
``o11y_course`` package, the course text, ``pyproject.toml``, a learner ``README.md`` and
``tasks.py``, the autograding workflow and a dev container. Before it returns, the release audits
what it wrote, so a naming mistake fails the release instead of leaking a hidden check.
"""

from __future__ import annotations

import argparse
import ast
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from o11y_course.course import Course, find_course
from o11y_course.errors import GraderError, UsageError
from o11y_course.exercises import Exercise, discover
from o11y_course.publish import check_files, copy_file, copy_tree, files_under, is_withheld, prepare_out

TEMPLATE_PACKAGE = "o11y_course.templates.learner"
INSTRUCTOR_COMMANDS = frozenset({"grade", "release", "bundle", "verify", "report"})
FORBIDDEN_TOP = ("reference", "tests", "benchmarks")
_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(([^)\s]+)\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class Release:
    """What a release wrote."""

    out: Path
    exercises: int = 0
    public_checks: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"wrote the learner template to {self.out}: {self.exercises} exercises, {len(self.public_checks)} public check files; "
            f"withheld {len(self.withheld)} hidden check files and the reference solutions"
        )


def template_text(name: str) -> str:
    """A file of the learner template shipped inside the package."""
    return resources.files(TEMPLATE_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def hidden_references(source: str, filename: str, withheld_names: set[str]) -> list[str]:
    """Why a shipped check file would need hidden material: hidden-marked checks, imports of hidden modules, withheld file names."""
    problems = []
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        return [f"{filename} does not parse ({exc.msg}, line {exc.lineno})"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "hidden" and isinstance(node.value, ast.Attribute) and node.value.attr == "mark":
            problems.append(f"{filename}:{node.lineno} has a check marked hidden: move it to a test_hidden*.py file")
        elif isinstance(node, ast.ImportFrom) and "hidden" in (node.module or "").lower():
            problems.append(f"{filename}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import) and any("hidden" in alias.name.lower() for alias in node.names):
            problems.append(f"{filename}:{node.lineno} imports {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and any(name in node.value for name in withheld_names):
            problems.append(f"{filename}:{node.lineno} names a withheld file in {node.value[:60]!r}")
    return problems


def commands_table() -> str:
    """A Markdown table of the learner's commands, from the command line's own help texts."""
    from o11y_course.cli import _parser

    rows = ["| command | what it does |", "|---|---|"]
    subcommands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for choice in subcommands._choices_actions:  # one per command, in the order the parser lists them
        if choice.dest not in INSTRUCTOR_COMMANDS:
            rows.append(f"| `{_usage(choice.dest, subcommands.choices[choice.dest])}` | {choice.help} |")
    return "\n".join(rows)


def _usage(name: str, parser: argparse.ArgumentParser) -> str:
    """``o11y check [EXERCISE]``: a command with its positional arguments."""
    words = [f"o11y {name}"]
    for action in parser._actions:
        if not action.option_strings and action.dest != "help":
            words.append(f"[{action.dest.upper()}]" if action.nargs == "?" else action.dest.upper())
    return " ".join(words)


def exercises_table(exercises: list[Exercise]) -> str:
    """A Markdown table of the exercises, each linked to its README."""
    rows = ["| | exercise | points |", "|---|---|---:|"]
    for exercise in exercises:
        rows.append(f"| {exercise.marker} | [`{exercise.id}`](exercises/{exercise.id}/README.md): {exercise.title} | {exercise.points} |")
    return "\n".join(rows)


def learner_readme(exercises: list[Exercise]) -> str:
    """The template's README.md, with its command and exercise tables filled in."""
    text = template_text("README.md")
    return text.replace("{{commands}}", commands_table()).replace("{{exercises}}", exercises_table(exercises))


def unlink_missing(text: str, where: Path, root: Path) -> str:
    """Markdown ``text`` of the file ``where`` with links to files missing under ``root`` turned into plain text."""

    def replace(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        file_part = target.split("#", 1)[0]
        if not file_part or _SCHEME.match(target):
            return match.group(0)
        resolved = root / file_part.lstrip("/") if file_part.startswith("/") else where.parent / file_part
        return match.group(0) if resolved.exists() else label

    lines, fenced = [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        lines.append(line if fenced else _LINK.sub(replace, line))
    return "".join(lines)


def audit(out: Path) -> list[str]:
    """What must never be in a learner template and is: reference code, tests, hidden check files."""
    problems = [f"{name}/ is in the template" for name in FORBIDDEN_TOP if (out / name).exists()]
    problems += [f"checks/{rel.as_posix()} is withheld material" for rel in files_under(out / "checks") if is_withheld(rel)]
    return problems


def write_template(course: Course, out: Path, force: bool = False) -> Release:
    """Write the learner template of ``course`` into ``out``."""
    out = prepare_out(out, course, force, "the learner template")
    exercises = discover(course.exercises_dir)
    release = Release(out, exercises=len(exercises))
    withheld = check_files(course, withheld=True)
    release.withheld = [rel.as_posix() for rel in withheld]
    withheld_names = {rel.name for rel in withheld} | {rel.stem for rel in withheld if rel.suffix == ".py"}
    problems = []
    for rel in check_files(course, withheld=False):
        source = course.checks_dir / rel
        if rel.suffix == ".py":
            problems += hidden_references(source.read_text(encoding="utf-8"), f"checks/{rel.as_posix()}", withheld_names)
        copy_file(source, out / "checks" / rel)
        release.public_checks.append(rel.as_posix())
    if problems:
        raise UsageError("the public checks need hidden material, so no template was written: " + "; ".join(problems))
    copy_tree(course.exercises_dir, out / "exercises")
    copy_tree(course.root / "src" / "o11y_course", out / "src" / "o11y_course")
    copy_tree(course.root / "docs", out / "docs")
    copy_file(course.root / "pyproject.toml", out / "pyproject.toml")
    (out / "README.md").write_text(learner_readme(exercises), encoding="utf-8")
    (out / "tasks.py").write_text(template_text("tasks.py"), encoding="utf-8")
    (out / ".gitignore").write_text(template_text("gitignore"), encoding="utf-8")
    (out / ".github" / "workflows").mkdir(parents=True)
    (out / ".github" / "workflows" / "classroom.yml").write_text(template_text("classroom.yml"), encoding="utf-8")
    (out / ".devcontainer").mkdir()
    (out / ".devcontainer" / "devcontainer.json").write_text(template_text("devcontainer.json"), encoding="utf-8")
    for markdown in out.rglob("*.md"):
        text = markdown.read_text(encoding="utf-8")
        fixed = unlink_missing(text, markdown, out)
        if fixed != text:
            markdown.write_text(fixed, encoding="utf-8")
    leaks = audit(out)
    if leaks:
        raise GraderError("the learner template failed its audit: " + "; ".join(leaks))
    return release


def release_command(args: argparse.Namespace) -> int:
    """``o11y release OUT [--force]``."""
    course = find_course()
    if not (course.root / "src" / "o11y_course").is_dir() or not (course.root / "pyproject.toml").is_file():
        raise UsageError(f"{course.root} has no src/o11y_course/ and pyproject.toml to ship: run release in the course's source repository")
    print(write_template(course, Path(args.out), force=args.force).summary())
    return 0
