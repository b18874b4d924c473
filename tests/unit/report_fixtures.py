"""One grade report with every status, public and hidden checks and fractional points, for the reporter tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"

METRICS = "beginner/02-metrics-endpoint"
TRACING = "advanced/01-distributed-tracing"

HIDDEN_MESSAGE = "the endpoint label has 50 values (/items/1, /items/2, ...)"
HIDDEN_HINT = "use the route template so the label stays bounded"
HIDDEN_TITLE = "Fifty item ids share one endpoint label."
HIDDEN_NAME = "test_item_ids_share_one_label"

PIPE_MESSAGE = "found status | 500, expected 200"
MULTILINE_MESSAGE = "the span tree is:\nGET /checkout\n  charge_card"
ROUTE_HINT = "label with /items/<int:item_id> & friends"
ESCAPE_MESSAGE = "the log line was \x1b[31mred\x1b[0m, expected plain JSON"


def sample_report() -> GradeReport:
    """Two exercises: pass, fail, error and skip; public and hidden; points 2, 1.5, 1, 0.5, 2.5."""
    metrics = [
        CheckResult(f"{METRICS}::test_serves_metrics", "GET /metrics answers 200.", 2, "public", "pass"),
        CheckResult(f"{METRICS}::test_counts_status", "Counts each request with its | status.", 1.5, "public", "fail", PIPE_MESSAGE, ROUTE_HINT),
        CheckResult(f"{METRICS}::test_imports", "The app imports.", 1, "public", "error", "Your code raised KeyError: 'registry'.", "pass the registry"),
        CheckResult(
            f"{METRICS}::test_real_scrape", "A real Prometheus scrapes the app.", 0.5, "public", "skip", "prometheus is not installed.", "apt install prometheus"
        ),
        CheckResult(f"{METRICS}::{HIDDEN_NAME}", HIDDEN_TITLE, 2, "hidden", "fail", HIDDEN_MESSAGE, HIDDEN_HINT),
        CheckResult(f"{METRICS}::test_hidden_pass", "Scraping is not counted.", 2.5, "hidden", "pass"),
    ]
    tracing = [
        CheckResult(f"{TRACING}::test_one_trace", "One trace spans both services.", 3, "public", "fail", MULTILINE_MESSAGE, "propagate the context"),
        CheckResult(f"{TRACING}::test_log_json", "Logs are JSON.", 0.5, "public", "fail", ESCAPE_MESSAGE, ""),
        CheckResult(f"{TRACING}::test_hidden_error", "The child span keeps its parent.", 1, "hidden", "error", "Your code timed out after 10 s.", "look for a loop"),
    ]
    return GradeReport("/home/ada/o11y-course", [ExerciseResult(METRICS, "Expose request metrics", metrics), ExerciseResult(TRACING, "Trace a request", tracing)])


EXPECTED_SCORE = 4.5  # 2 + 2.5
EXPECTED_MAX = 14.0  # 2 + 1.5 + 1 + 0.5 + 2 + 2.5 + 3 + 0.5 + 1


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A checked validator for tests/schemas/<name>.schema.json."""
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def hidden_texts() -> tuple[str, ...]:
    """The texts of hidden checks that the default reveal level must not show."""
    return HIDDEN_MESSAGE, HIDDEN_HINT, "Your code timed out", "look for a loop"
