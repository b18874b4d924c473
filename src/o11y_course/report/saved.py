"""``o11y report FILE --format F``: render a saved JSON report in another format without grading again.

A workflow grades once with ``--format json`` and renders that report twice, e.g. ``classroom`` for
the autograding reporter and ``markdown`` for the job summary, so both always show the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from o11y_course.errors import UsageError
from o11y_course.report.model import SCHEMA, GradeReport

SCHEMA_FILE = Path(__file__).with_name("grade-report.schema.json")


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def schema_problem(data: Any) -> str | None:
    """What makes ``data`` break the report schema (the first problem, with where it is), or None."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is None:
        return None
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    return f"{where.lstrip('.') or 'the report'}: {error.message}"


def load_report(path: Path) -> GradeReport:
    """Read a report written by ``o11y grade --format json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the report {str(path)!r}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{str(path)!r} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise UsageError(f"{str(path)!r} is not a grade report (expected \"schema\": \"{SCHEMA}\")")
    problem = schema_problem(data)
    if problem is not None:
        raise UsageError(f"{str(path)!r} is not a complete grade report: {problem[:300]}")
    return GradeReport.from_dict(data)


def report_command(args: argparse.Namespace) -> int:
    """``o11y report FILE --format F [--reveal LEVEL]``."""
    from o11y_course.report import renderer

    render = renderer(args.format, args.reveal)
    sys.stdout.write(render(load_report(Path(args.report))))
    return 0
