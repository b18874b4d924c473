"""Batch grading: ``o11y grade DIR... --jobs N --out OUT`` grades a class and every output agrees."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import statistics
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from o11y_course.batch.gradebook import Graded
from o11y_course.batch.inputs import entries, expand
from o11y_course.batch.pool import run_jobs
from o11y_course.batch.stats import class_stats, histogram
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from tests.conftest import REPO

EXERCISE = "beginner/01-identify-the-pillar"
ANSWERS = f"{EXERCISE}/answers.toml"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of five graded with ``--jobs 2``: two full solutions, one partly wrong, the stubs, and a folder with no exercises."""
    base = tmp_path_factory.mktemp("class")
    submissions = base / "submissions"
    shutil.copytree(REPO / "reference", submissions / "alice")  # a <tier>/<NN-slug>/ tree
    shutil.copytree(REPO / "reference", submissions / "bob" / "exercises")  # a learner repository
    shutil.copytree(REPO / "reference", submissions / "erin")
    answers = submissions / "erin" / ANSWERS
    answers.write_text(answers.read_text(encoding="utf-8").replace('pillars = ["metrics"]', 'pillars = ["logs"]', 1), encoding="utf-8")
    shutil.copytree(REPO / "exercises", submissions / "carol" / "exercises")
    (submissions / "dave").mkdir()
    (submissions / "dave" / "notes.txt").write_text("I could not find the exercises folder\n")
    out = base / "grades"
    env = {k: v for k, v in os.environ.items() if k != "O11Y_COURSE_ROOT"}
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "o11y_course", "grade", str(submissions), "--jobs", "2", "--out", str(out), "-e", "01"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, out


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def _reports(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "feedback").glob("*.json"))}


class TestBatchRun:
    def test_completes_and_reports_every_submission(self, graded_class):
        """The batch exits 0 and says how many submissions it graded, broken one included."""
        result, out = graded_class
        assert result.returncode == 0, result.stderr
        assert "graded 5 submissions (1 not graded)" in result.stdout
        progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
        assert len(progress) == 5 and progress[-1].startswith("[5/5]")  # one plain line each: stderr is not a terminal here
        for name in ("gradebook.csv", "stats.json", "heatmap.svg", "summary.md"):
            assert (out / name).is_file(), name

    def test_gradebook_rows(self, graded_class):
        """One row per submission: id, points per exercise, total, max, status and error."""
        _, out = graded_class
        book = _gradebook(out)
        assert sorted(book) == ["alice", "bob", "carol", "dave", "erin"]
        assert list(book["alice"]) == ["id", EXERCISE, "total", "max", "status", "error"]
        assert book["alice"][EXERCISE] == book["alice"]["total"] == "10" and book["alice"]["max"] == "10"
        assert book["bob"]["total"] == "10" and book["bob"]["status"] == "ok"
        assert book["carol"]["total"] == "0" and book["carol"]["status"] == "ok"
        assert float(book["erin"]["total"]) < 10

    def test_broken_submission_gets_an_error_row_with_zero(self, graded_class):
        """A folder without exercises is reported with its problem and zero points, never dropped."""
        _, out = graded_class
        dave = _gradebook(out)["dave"]
        assert dave["status"] == "error" and dave["total"] == "0" and dave[EXERCISE] == "0" and dave["max"] == "10"
        assert "holds no exercises" in dave["error"] and "Error:" not in dave["error"]
        assert "holds no exercises" in (out / "feedback" / "dave.md").read_text(encoding="utf-8")
        assert not (out / "feedback" / "dave.json").exists()

    def test_gradebook_agrees_with_the_json_reports(self, graded_class):
        """Every graded row's points are those of its JSON report."""
        _, out = graded_class
        book, reports = _gradebook(out), _reports(out)
        assert sorted(reports) == ["alice", "bob", "carol", "erin"]
        for name, report in reports.items():
            assert report["schema"] == "o11y-course/grade-report/v1"
            assert float(book[name]["total"]) == report["score"] and float(book[name]["max"]) == report["max_score"]
            assert float(book[name][EXERCISE]) == report["exercises"][0]["score"]

    def test_markdown_feedback_withholds_hidden_messages(self, graded_class):
        """Each learner's Markdown feedback has the grade and hidden checks' titles, not their messages."""
        _, out = graded_class
        text = (out / "feedback" / "erin.md").read_text(encoding="utf-8")
        assert text.startswith("## Grade: ")
        assert "This is a hidden check: its feedback is withheld." in text
        full = json.dumps(_reports(out)["erin"])
        failing = [c for e in _reports(out)["erin"]["exercises"] for c in e["checks"] if c["status"] == "fail" and c["visibility"] == "hidden"]
        assert failing and all(c["message"] and c["message"] not in text for c in failing) and failing[0]["message"] in full

    def test_pass_rates_are_computed_from_the_reports(self, graded_class):
        """stats.json gives each check's pass rate over the submissions in which it ran."""
        _, out = graded_class
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        reports = _reports(out)
        assert stats["schema"] == "o11y-course/class-stats/v1" and stats["submissions"] == 5 and stats["graded"] == 4
        assert [e["id"] for e in stats["errors"]] == ["dave"]
        expected: dict[str, list[bool]] = {}
        for report in reports.values():
            for exercise in report["exercises"]:
                for check in exercise["checks"]:
                    expected.setdefault(check["id"], []).append(check["status"] == "pass")
        assert {c["id"] for c in stats["checks"]} == set(expected)
        for check in stats["checks"]:
            runs = expected[check["id"]]
            assert check["ran"] == len(runs) == 4
            assert check["pass_rate"] == pytest.approx(sum(runs) / len(runs))
        memory_leak = next(c for c in stats["checks"] if c["id"].endswith("test_first_pillar[memory-leak]"))
        assert memory_leak["counts"] == {"pass": 2, "fail": 2, "error": 0, "skip": 0}  # erin and carol missed it

    def test_score_distribution_matches_the_gradebook(self, graded_class):
        """Per exercise, mean, median, min, max and histogram cover every gradebook row."""
        _, out = graded_class
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        totals = [float(r[EXERCISE]) for r in _gradebook(out).values()]
        (exercise,) = stats["exercises"]
        assert exercise["id"] == EXERCISE and exercise["count"] == 5 and exercise["max_score"] == 10
        assert exercise["mean"] == pytest.approx(statistics.fmean(totals)) and exercise["median"] == pytest.approx(statistics.median(totals))
        assert (exercise["min"], exercise["max"]) == (min(totals), max(totals))
        assert sum(b["count"] for b in exercise["histogram"]) == 5 and exercise["histogram"][-1]["to"] == 10
        assert stats["total"]["mean"] == exercise["mean"]

    def test_heatmap_and_summary(self, graded_class):
        """The picture is an SVG whose labels are text (each check with its pass rate, each submission);
        the summary names the submission that could not be graded."""
        _, out = graded_class
        svg = ElementTree.parse(out / "heatmap.svg").getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        texts = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
        assert any("test_first_pillar" in t and t.endswith("%)") for t in texts), texts[:20]
        assert {"alice", "bob", "carol", "dave", "erin"} <= set(texts)
        summary = (out / "summary.md").read_text(encoding="utf-8")
        assert "## Class results" in summary and "### Not graded" in summary and "**dave**" in summary
        assert "| alice | 10/10 | ok |" in summary


class TestBatchOptions:
    def test_format_is_refused_in_batch_mode(self, run_o11y, tmp_path):
        """Batch mode writes its own files; asking for another format is a one-line usage error."""
        result = run_o11y("grade", "reference", "exercises", "--format", "json", "--out", str(tmp_path / "g"))
        assert result.returncode == 2 and "batch grading writes its own files" in result.stderr

    def test_expand_a_class_folder_and_skip_the_output(self, tmp_path):
        """A folder of submissions stands for its subfolders; the output folder inside it is left out."""
        (tmp_path / "a" / "beginner" / "01-x").mkdir(parents=True)
        (tmp_path / "b").mkdir()
        (tmp_path / "grades").mkdir()
        (tmp_path / ".git").mkdir()
        assert expand([tmp_path], tmp_path / "grades") == [tmp_path / "a", tmp_path / "b"]
        assert expand([tmp_path / "a", tmp_path / "b"]) == [tmp_path / "a", tmp_path / "b"]

    def test_a_learner_named_like_a_tier_does_not_make_the_class_one_submission(self, tmp_path):
        """A class with a learner folder called advanced/ is still a class of three."""
        for name in ("alice", "advanced", "bob"):
            (tmp_path / name / "exercises" / "beginner" / "01-x").mkdir(parents=True)
        assert expand([tmp_path]) == [tmp_path / "advanced", tmp_path / "alice", tmp_path / "bob"]

    def test_a_repository_without_exercises_is_one_broken_submission(self, tmp_path):
        """A learner's repository that lost its exercises/ is one submission, not its checks/, docs/ and src/."""
        alice = tmp_path / "alice"
        (alice / "checks" / "beginner" / "01-x").mkdir(parents=True)
        (alice / "src").mkdir()
        (alice / "pyproject.toml").write_text("")
        assert expand([alice]) == [alice]

    def test_earlier_outputs_and_repeats_are_left_out(self, tmp_path):
        """An earlier batch's output folder (and its feedback/ when it was the class folder) is no
        learner, and a folder named twice is graded once."""
        for name in ("alice", "bob"):
            (tmp_path / name / "exercises").mkdir(parents=True)
        (tmp_path / "old-grades" / "feedback").mkdir(parents=True)
        (tmp_path / "old-grades" / "gradebook.csv").write_text("id\n")
        (tmp_path / "feedback").mkdir()
        (tmp_path / "gradebook.csv").write_text("id\n")
        assert expand([tmp_path]) == [tmp_path / "alice", tmp_path / "bob"]
        assert expand([tmp_path / "alice", tmp_path / "alice" / ".", tmp_path / "bob"]) == [tmp_path / "alice", tmp_path / "bob"]

    def test_an_output_folder_that_cannot_be_written_stops_before_grading(self, run_o11y, tmp_path):
        """--out under a file, or with a folder where a result file goes, is a one-line error, and nothing is graded."""
        (tmp_path / "afile").write_text("")
        blocked = tmp_path / "out"
        (blocked / "feedback" / "reference.md").mkdir(parents=True)
        for out, message in ((tmp_path / "afile" / "sub", "Not a directory"), (blocked, "is in the way and is not a file")):
            result = run_o11y("grade", "reference", "-e", "01", "--out", str(out))
            assert result.returncode == 2 and "cannot write the results to --out" in result.stderr and message in result.stderr, result.stderr
            assert result.stderr.count("\n") == 1 and "[1/1]" not in result.stderr

    def test_an_exercise_named_twice_is_graded_once(self, run_o11y, tmp_path):
        """-e 01 -e beginner/01 is one exercise: one column, the right maximum."""
        result = run_o11y("grade", "reference", "-e", "01", "-e", "beginner/01", "--out", str(tmp_path / "g"))
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "g" / "gradebook.csv").read_text().splitlines()[:2] == ["id,beginner/01-identify-the-pillar,total,max,status,error", "reference,10,10,10,ok,"]

    def test_ids_are_folder_names_made_unique(self, tmp_path):
        """Two folders with one name get distinct ids; odd characters become underscores."""
        got = [e.id for e in entries([tmp_path / "x" / "alice", tmp_path / "y" / "alice", tmp_path / "z" / "Alice", tmp_path / "ann smith"])]
        assert got == ["alice", "alice-2", "Alice-3", "ann_smith"]

    def test_ids_keep_a_links_name_and_lose_accents(self, tmp_path, monkeypatch):
        """A link to a folder is named as the instructor named it, not after its target; names in any script stay."""
        (tmp_path / "clones" / "repo-7f3a").mkdir(parents=True)
        (tmp_path / "bob").symlink_to(tmp_path / "clones" / "repo-7f3a")
        monkeypatch.chdir(tmp_path / "clones")
        got = [e.id for e in entries([tmp_path / "bob", tmp_path / "José Núñez", tmp_path / "李雷", tmp_path / "Мария", tmp_path / "a/./b?*", Path(".")])]
        assert got == ["bob", "José_Núñez", "李雷", "Мария", "b", "clones"]

    def test_histogram_buckets(self):
        """Scores fall into five equal buckets over [0, max]; full marks go in the last one."""
        counts = [b["count"] for b in histogram([0, 1.9, 2, 9.99, 10, 10], 10)]
        assert counts == [2, 1, 0, 0, 3]

    def test_stats_of_a_class_with_only_errors(self):
        """With nothing graded there are no pass rates, and every score is zero."""
        from o11y_course.exercises import Exercise

        exercise = Exercise("beginner/01-x", "X", "beginner", 1, ("a",), 10)
        stats = class_stats([Graded("a", "a", None, error="broken")], [exercise])
        assert stats["checks"] == [] and stats["exercises"][0]["mean"] == 0 and stats["exercises"][0]["max_score"] == 10

    def test_stats_count_skips_as_not_passed(self):
        """A skipped check ran but did not pass."""
        from o11y_course.exercises import Exercise

        exercise = Exercise("beginner/01-x", "X", "beginner", 1, ("a",), 2)

        def report(status: str) -> GradeReport:
            return GradeReport("s", [ExerciseResult("beginner/01-x", "X", [CheckResult("beginner/01-x::t", "T", 2, "public", status)])])

        stats = class_stats([Graded("a", "a", report("pass")), Graded("b", "b", report("skip"))], [exercise])
        assert stats["checks"][0]["pass_rate"] == 0.5 and stats["checks"][0]["counts"]["skip"] == 1


# --------------------------------------------------------------------------- the worker pool

def init_nothing() -> dict:
    """A worker state for the pool tests."""
    return {"pid": os.getpid()}


def misbehave(state: dict, payload: str) -> dict:
    """A job that answers, raises, dies or hangs, as its payload says."""
    if payload == "die":
        os._exit(7)
    if payload == "hang":
        time.sleep(60)
    if payload == "raise":
        raise RuntimeError("bad input")
    if payload == "answer-then-die":  # the answer goes out, then the idle worker is gone
        signal.setitimer(signal.ITIMER_REAL, 0.05)  # SIGALRM's default action ends the process
    return {"payload": payload, "pid": state["pid"]}


def die_at_start() -> dict:
    """A worker state that is never made: the worker ends at once."""
    os._exit(5)


class TestPool:
    def test_a_crash_or_hang_costs_only_its_own_job(self):
        """A worker that dies or hangs fails its job with a clear message; a new worker grades the rest."""
        seen = []
        payloads = ["a", "die", "b", "hang", "raise", "c"]
        results = run_jobs(payloads, jobs=2, init="tests.test_batch:init_nothing", init_args=(), work="tests.test_batch:misbehave", timeout=3, on_result=seen.append)
        assert [r.index for r in results] == list(range(6)) and len(seen) == 6
        by_payload = dict(zip(payloads, results, strict=True))
        for name in ("a", "b", "c"):
            assert by_payload[name].ok and by_payload[name].value["payload"] == name
        assert not by_payload["die"].ok and "worker died (exit code 7)" in by_payload["die"].value
        assert not by_payload["hang"].ok and "longer than 3 s" in by_payload["hang"].value
        assert not by_payload["raise"].ok and by_payload["raise"].value == "RuntimeError: bad input"
        assert len({r.value["pid"] for r in results if r.ok}) >= 2  # the dead and the hung worker were replaced

    def test_a_worker_found_dead_when_handed_a_job_passes_it_on(self):
        """A worker that died while idle never got the next job: a new worker grades it; no traceback."""
        payloads = ["answer-then-die", "b", "c"]
        results = run_jobs(payloads, jobs=1, init="tests.test_batch:init_nothing", init_args=(), work="tests.test_batch:misbehave", on_result=lambda _: time.sleep(0.5))
        assert [r.ok for r in results] == [True, True, True], results
        assert results[0].value["pid"] != results[1].value["pid"] == results[2].value["pid"]

    def test_workers_that_die_before_taking_a_job_fail_it_after_a_few_tries(self):
        """When every worker dies at start, each job ends with a message instead of the batch looping or crashing."""
        results = run_jobs(["a", "b"], jobs=1, init="tests.test_batch:die_at_start", init_args=(), work="tests.test_batch:misbehave", timeout=10)
        assert all(not r.ok and "the grading worker died (exit code 5)" in r.value for r in results), results

    def test_a_worker_that_cannot_start_fails_each_job(self):
        """When a worker's init fails, every job says why instead of hanging."""
        results = run_jobs(["a", "b"], jobs=1, init="tests.test_batch:no_such_function", init_args=(), work="tests.test_batch:misbehave")
        assert all(not r.ok and "the grading worker could not start" in r.value for r in results)


def affinity(state: dict, payload: str) -> list[int]:
    """A job that answers with the CPUs its worker may run on."""
    return sorted(os.sched_getaffinity(0))


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
class TestPinning:
    def run(self, jobs: int, count: int = 6) -> list[list[int]]:
        results = run_jobs([str(i) for i in range(count)], jobs=jobs, init="tests.test_batch:init_nothing", init_args=(), work="tests.test_batch:affinity")
        assert all(r.ok for r in results), results
        return [r.value for r in results]

    def test_as_many_workers_as_cpus_each_keep_one(self):
        cpus = sorted(os.sched_getaffinity(0))
        seen = self.run(len(cpus), count=4 * len(cpus))
        assert all(len(cpu) == 1 for cpu in seen) and {c for (c,) in seen} == set(cpus)

    def test_fewer_workers_share_out_every_cpu(self):
        """One worker keeps every CPU: nothing is taken from it."""
        assert self.run(1, count=2) == [sorted(os.sched_getaffinity(0))] * 2

    def test_more_workers_than_cpus_are_not_pinned(self):
        cpus = sorted(os.sched_getaffinity(0))
        assert set(map(tuple, self.run(len(cpus) + 1))) == {tuple(cpus)}

    def test_pinning_can_be_turned_off(self, monkeypatch):
        monkeypatch.setenv("O11Y_PIN_WORKERS", "0")
        cpus = sorted(os.sched_getaffinity(0))
        assert set(map(tuple, self.run(len(cpus)))) == {tuple(cpus)}

    def test_a_replaced_worker_takes_the_dead_ones_cpu(self):
        """A worker that dies is replaced on the same CPU, so no two workers end up sharing one."""
        payloads = ["slow", "die", "slow", "slow", "slow", "slow"]
        results = run_jobs(payloads, jobs=2, init="tests.test_batch:init_nothing", init_args=(), work="tests.test_batch:pinned_or_die")
        cpu_of = {r.value["pid"]: tuple(r.value["cpus"]) for r in results if r.ok}
        assert sum(r.ok for r in results) == 5 and len(cpu_of) == 2, cpu_of  # the survivor and the replacement
        assert all(len(c) == 1 for c in cpu_of.values()) and len(set(cpu_of.values())) == 2, cpu_of


def pinned_or_die(state: dict, payload: str) -> dict:
    """Dies on ``die``, else answers (slowly, so both workers get jobs) with its pid and CPUs."""
    if payload == "die":
        os._exit(3)
    time.sleep(0.3)
    return {"pid": os.getpid(), "cpus": sorted(os.sched_getaffinity(0))}


DRILLS = "advanced/03-incident-drill"


def _drill_class(tmp_path: Path) -> list:
    """Two copies of the reference, graded on the incident drill only."""
    from o11y_course.batch.inputs import entries, expand

    for name in ("ann", "ben"):
        shutil.copytree(REPO / "reference" / DRILLS, tmp_path / "class" / name / DRILLS)
    return entries(expand([str(tmp_path / "class")], tmp_path / "out"))


@pytest.fixture
def in_process_batch():
    """For batches graded in this process: afterwards, stop the fork server and resource tracker that
    multiprocessing keeps for the process, so that no test after these finds them running."""
    yield
    import multiprocessing.forkserver
    import multiprocessing.resource_tracker

    multiprocessing.forkserver._forkserver._stop()
    multiprocessing.resource_tracker._resource_tracker._stop()


@pytest.mark.usefixtures("in_process_batch")
class TestSharedWork:
    def test_the_workers_build_each_drill_once_between_them_and_leave_nothing(self, course, tmp_path, monkeypatch):
        """Two workers grade the drills with full marks, each drill built once in all (one claim and one
        evidence file per seed), and the batch's folder is gone afterwards."""
        import o11y_course.batch as batch
        from o11y_course.exercises import discover

        seen: dict = {}
        make = batch._shared_folder

        def spying(stack):
            folder = make(stack)
            seen["folder"] = folder
            stack.callback(lambda: seen.setdefault("files", sorted(os.listdir(folder))))  # runs before the folder is removed
            return folder

        monkeypatch.setattr(batch, "_shared_folder", spying)
        exercises = [e for e in discover(course.exercises_dir) if e.id == DRILLS]
        results = batch.grade_all(course, _drill_class(tmp_path), exercises, jobs=2)
        assert [r.total() for r in results] == [20, 20]
        claims = [f for f in seen["files"] if f.endswith(".claim")]
        evidence = [f for f in seen["files"] if f.endswith(".evidence")]
        assert len(claims) == len(evidence) == 22 and len(seen["files"]) == 44  # nothing half-written left
        assert not os.path.exists(os.path.dirname(seen["folder"]))

    def test_without_a_folder_to_share_each_worker_builds_its_own(self, course, tmp_path, monkeypatch):
        """When no private folder can be made, the batch still grades: each worker builds the drills itself."""
        import tempfile

        import o11y_course.batch as batch
        from o11y_course.exercises import discover

        def no_folder(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(tempfile, "TemporaryDirectory", no_folder)
        exercises = [e for e in discover(course.exercises_dir) if e.id == DRILLS]
        results = batch.grade_all(course, _drill_class(tmp_path), exercises, jobs=2)
        assert [r.total() for r in results] == [20, 20]
