"""promtool as the grader runs it: copies in a fresh folder, bounded runs, grader-built test files, and a missing tool."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from o11y_course.exercises import discover, resolve
from o11y_course.feedback import CheckFailure
from o11y_course.grading import grade
from o11y_course.matchers.promtool import ExprMismatch, Sample, parse_test_output
from o11y_course.real.promtool import check_rules, go_runtime, run_promtool, run_rule_tests
from o11y_course.real.promtool_cases import (
    Case,
    Expect,
    Requests,
    expand,
    expect_cases,
    input_series,
    phase,
    probe,
    rules_test_file,
    sort_failures,
)
from o11y_course.submission import open_submission

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None and not os.environ.get("O11Y_REQUIRE_REAL"), reason="promtool is not installed")
REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "intermediate" / "02-alert-rules"
RULES = (REFERENCE / "alerts.yml").read_text()
SLOW = Case("slow", "every request takes 2 s", (phase(12, Requests(10, 2.0)),), (Expect("HighRequestLatency", 4, False), Expect("HighRequestLatency", 10, True)))
QUIET = Case("quiet", "nothing happens", (phase(12),), (Expect("HighErrorRate", 10, False),))


def scratch_folders() -> set[str]:
    """The promtool working folders that exist right now."""
    roots = {"/dev/shm", tempfile.gettempdir()}
    return {str(p) for root in roots if os.path.isdir(root) for p in Path(root).glob("o11y-promtool-*")}


class TestMissingPromtool:
    @pytest.fixture(autouse=True)
    def no_promtool_on_path(self, monkeypatch, tmp_path):
        """PATH without promtool, and no O11Y_REQUIRE_REAL."""
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.delenv("O11Y_REQUIRE_REAL", raising=False)

    def own_tests_check(self, course, sandbox, **options):
        exercise = resolve(discover(course.exercises_dir), "intermediate/02")
        report = grade(course, open_submission(course.reference_dir), [exercise], sandbox=sandbox, only=frozenset({"test_own_tests_pass"}), **options)
        (check,) = report.exercises[0].checks
        return check

    def test_self_check_skips_with_an_install_hint(self, course, repo_sandbox):
        """A learner's self-check without promtool is skipped and says how to install it."""
        check = self.own_tests_check(course, repo_sandbox, self_check=True)
        assert check.status == "skip" and "sudo apt-get install prometheus" in check.message

    def test_grading_reports_a_misconfigured_grader(self, course, repo_sandbox):
        """Grading without promtool is an error that names the package to install."""
        check = self.own_tests_check(course, repo_sandbox)
        assert (check.status, check.message) == ("error", "grader misconfigured: install prometheus (promtool was not found on PATH)")


class TestRunner:
    def test_file_names_must_be_plain(self):
        """Only plain file names are written, never paths."""
        for name in ("../alerts.yml", "/tmp/alerts.yml", "sub/alerts.yml", ""):
            with pytest.raises(ValueError):
                run_promtool("promtool", ["--version"], {name: "x"})
        with pytest.raises(ValueError):
            run_rule_tests("promtool", {"alerts.yml": RULES}, "alerts_test.yml")

    @needs_promtool
    def test_runs_on_copies_and_cleans_up(self):
        """The test file finds its rule file beside it, and the folder is gone afterwards."""
        before = scratch_folders()
        run = run_rule_tests(PROMTOOL, {"alerts.yml": RULES, "alerts_test.yml": (REFERENCE / "alerts_test.yml").read_text()}, "alerts_test.yml")
        assert run.ok, run.stderr
        assert "SUCCESS" in run.stdout
        assert scratch_folders() == before

    @needs_promtool
    def test_check_rules(self):
        """promtool check rules reports the reference's two rules; a broken expression fails."""
        assert check_rules(PROMTOOL, RULES).stdout.count("SUCCESS: 2 rules found") == 1
        broken = check_rules(PROMTOOL, RULES.replace("> 0.5", "> (0.5"))
        assert not broken.ok and "could not parse expression" in broken.stderr

    @needs_promtool
    def test_time_limit(self):
        """A test that evaluates for years is stopped at the time limit."""
        endless = (
            "rule_files: [alerts.yml]\ntests:\n  - interval: 1m\n    input_series: []\n"
            "    alert_rule_test:\n      - {eval_time: 100000h, alertname: X, exp_alerts: []}\n"
        )
        run = run_rule_tests(PROMTOOL, {"alerts.yml": RULES, "t.yml": endless}, "t.yml", timeout=1)
        assert run.timed_out and not run.ok

    @needs_promtool
    def test_memory_limit(self):
        """A test asking for tens of millions of samples dies at the memory limit, not the machine's."""
        huge = "rule_files: [alerts.yml]\ntests:\n  - interval: 1s\n    input_series:\n      - {series: 'up', values: '0+1x30000000'}\n"
        run = run_promtool(PROMTOOL, ["test", "rules", "t.yml"], {"alerts.yml": RULES, "t.yml": huge}, memory_mb=256)
        assert run.out_of_memory and not run.ok

    def test_garbage_is_collected_only_near_half_the_memory_cap(self):
        """promtool runs single-threaded with Go's collector off until the heap nears half the cap
        (short runs skip collection; one that keeps allocating is collected, then capped)."""
        assert go_runtime(512) == {"GOMAXPROCS": "1", "GOGC": "off", "GOMEMLIMIT": "256MiB"}
        assert go_runtime(8)["GOMEMLIMIT"] == "16MiB"


class TestCases:
    def test_expand(self):
        """Increments become promtool's expanding notation, one segment per run of equal steps."""
        assert expand([10, 10, 10, 0, 0, 5]) == "0+10x3 30+0x1 35+5x0"
        assert expand([0.3 * 94] * 3) == "0+28.2x3"
        assert expand([]) == "0"

    def test_input_series(self):
        """Buckets are cumulative with the client's bounds; the counter, _count and _sum agree."""
        series = {s["series"]: s["values"] for s in input_series([phase(2, Requests(94, 0.3), Requests(6, 0.6, status="500"))])}
        bucket = 'app_request_latency_seconds_bucket{job="app",instance="shop-1:8000",endpoint="/",le="%s"}'
        assert series[bucket % "0.25"] == "0+0x2"
        assert series[bucket % "0.5"] == "0+94x2"
        assert series[bucket % "0.75"] == series[bucket % "+Inf"] == "0+100x2"
        assert series['app_request_latency_seconds_sum{job="app",instance="shop-1:8000",endpoint="/"}'] == "0+31.8x2"
        assert series['app_requests_total{job="app",instance="shop-1:8000",method="GET",endpoint="/",status="500"}'] == "0+6x2"
        assert len(series) == 15 + 2 + 2  # buckets with +Inf, _count and _sum, two counters

    def test_sort_failures(self):
        """A probe failure maps back to its case and expectation; other failures stay apart, once each."""
        failure = ExprMismatch(probe("HighRequestLatency", "slow"), "4m", (Sample({"case": "slow"}, 0.0),), (Sample({"case": "slow"}, 1.0),))
        other = parse_test_output("  FAILED:\nalerts.yml: 5:15: broken\n")[0]
        misses, others = sort_failures([SLOW, QUIET], [failure, other, other])
        assert [m.expect for m in misses] == [SLOW.expect[0]] and others == [other]
        assert misses[0].describe() == "expected HighRequestLatency to stay silent at minute 4, but it fired: every request takes 2 s."

    @needs_promtool
    def test_reference_meets_the_cases(self):
        """The reference rules meet the grader-built expectations under real promtool."""
        expect_cases(PROMTOOL, RULES, [SLOW, QUIET], "unused")
        run = run_rule_tests(PROMTOOL, {"alerts.yml": RULES, "g.yml": rules_test_file([SLOW, QUIET])}, "g.yml")
        assert run.ok, run.stderr

    @needs_promtool
    def test_rules_without_for_miss_the_pending_expectation(self):
        """Rules without for: fire at minute 4 and fail with the case's story and the given hint."""
        rules = RULES.replace("        for: 5m\n", "")
        with pytest.raises(CheckFailure) as caught:
            expect_cases(PROMTOOL, rules, [SLOW, QUIET], "add for: 5m")
        assert caught.value.message == "expected HighRequestLatency to stay silent at minute 4, but it fired: every request takes 2 s."
        assert caught.value.hint == "add for: 5m"

    @needs_promtool
    def test_cases_run_together_are_judged_apart(self, monkeypatch):
        """With run_with, one promtool run serves every check; each fails only on its own cases."""
        from o11y_course.real import promtool_cases

        runs = []
        real_run = promtool_cases.run_rule_tests
        monkeypatch.setattr(promtool_cases, "run_rule_tests", lambda *a, **k: runs.append(a) or real_run(*a, **k))
        promtool_cases._run_cases.cache_clear()
        rules = RULES.replace("        for: 5m\n", "")  # SLOW misses its pending expectation, QUIET holds
        expect_cases(PROMTOOL, rules, [QUIET], "unused", run_with=[SLOW, QUIET])
        with pytest.raises(CheckFailure) as caught:
            expect_cases(PROMTOOL, rules, [SLOW], "add for: 5m", run_with=[SLOW, QUIET])
        assert caught.value.message.startswith("expected HighRequestLatency to stay silent at minute 4")
        assert len(runs) == 1  # the second check reused the first one's run

    @needs_promtool
    def test_rules_that_do_not_load(self):
        """A rule file promtool cannot load fails with its error, not with missed expectations."""
        with pytest.raises(CheckFailure) as caught:
            expect_cases(PROMTOOL, RULES.replace("> 0.5", "> (0.5"), [SLOW], "unused")
        assert "could not parse expression" in caught.value.message and "promtool check rules alerts.yml" in caught.value.hint
