"""The o11y command line, run as a learner or instructor would run it."""

import json

import pytest

from tests.conftest import real_components_off


class TestBadInput:
    @pytest.mark.parametrize(
        "args, message",
        [
            (["grade", "/no/such/folder"], "submission '/no/such/folder' does not exist"),
            (["grade", "reference", "--format", "xml"], "unknown format 'xml'"),
            (["grade", "reference", "-e", "99"], "unknown exercise '99'"),
            (["check", "nope"], "unknown exercise 'nope'"),
            (["hint", "nope"], "unknown exercise 'nope'"),
        ],
    )
    def test_one_line_error_and_exit_2(self, run_o11y, args, message):
        """Bad input gets one line on stderr, exit code 2, and never a traceback."""
        result = run_o11y(*args)
        assert result.returncode == 2
        assert result.stderr.strip() == f"o11y: error: {result.stderr.strip().removeprefix('o11y: error: ')}"
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1

    def test_outside_a_course(self, run_o11y, tmp_path):
        """Outside a course checkout the command says where to run it."""
        result = run_o11y("list", cwd=tmp_path)
        assert result.returncode == 2 and "no course found" in result.stderr


class TestCommands:
    def test_list(self, run_o11y):
        """list shows each exercise with its tier marker and title."""
        result = run_o11y("list")
        assert result.returncode == 0
        assert "🔍 beginner/02" in result.stdout and "Expose request metrics on /metrics" in result.stdout

    def test_grade_reference_json_has_full_marks(self, run_o11y):
        """grade reference --format json reports full marks (real-component checks error where the tools are missing)."""
        result = run_o11y("grade", "reference", "--format", "json", "-e", "02")
        report = json.loads(result.stdout)
        assert result.returncode == 0 and report["max_score"] == 20
        statuses = {c["status"] for e in report["exercises"] for c in e["checks"] if c["status"] != "pass"}
        if real_components_off():
            assert statuses == {"error"} and "grader misconfigured: install prometheus" in result.stdout
        else:
            assert report["score"] == report["max_score"] and not statuses

    def test_grade_public_only_runs_no_hidden_check(self, run_o11y):
        """--public-only leaves every hidden check out of the report."""
        report = json.loads(run_o11y("grade", "reference", "--format", "json", "--public-only").stdout)
        visibilities = {c["visibility"] for e in report["exercises"] for c in e["checks"]}
        assert visibilities == {"public"}

    def test_check_fails_on_the_stubs(self, run_o11y):
        """check runs the public checks on the checkout's exercises and exits 1 while they fail."""
        result = run_o11y("check", "02", "--no-real")
        assert result.returncode == 1
        assert "0/6 checks pass · 0/10 points" in result.stdout and "Fifty different item ids" not in result.stdout
        assert "– A real Prometheus server" in result.stdout and "checks with a real prometheus are off (--no-real)" in result.stdout

    def test_hint_reveals_one_at_a_time(self, run_o11y, tmp_path, course):
        """Each hint call reveals the next hint; the state lives in .o11y/ of the checkout."""
        import shutil

        for name in ("exercises", "checks"):
            shutil.copytree(course.root / name, tmp_path / name)
        first = run_o11y("hint", "02", cwd=tmp_path).stdout
        second = run_o11y("hint", "02", cwd=tmp_path).stdout
        assert first.startswith("Hint 1/5") and second.startswith("Hint 2/5")
        for _ in range(3):
            run_o11y("hint", "02", cwd=tmp_path)
        assert "all 5 hints are shown already" in run_o11y("hint", "02", cwd=tmp_path).stdout
