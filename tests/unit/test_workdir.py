"""The run's folder: a copy of the learner's exercise folder, plus the course's provided files it lacks."""

import os

import pytest

from o11y_course.sandbox.learner_errors import COPY_PHASE, LearnerCrash
from o11y_course.sandbox.workdir import prepare_workdir


@pytest.fixture(autouse=True)
def stay_here():
    """prepare_workdir moves into the copy; come back afterwards."""
    here = os.getcwd()
    yield
    os.chdir(here)


def test_provided_files_fill_in_only_what_is_missing(tmp_path):
    learner, course, base = tmp_path / "learner", tmp_path / "course", tmp_path / "base"
    for folder in (learner, course, base):
        folder.mkdir()
    (learner / "diagnose.py").write_text("learner")
    (learner / "types.py").write_text("the learner's own types")
    (course / "types.py").write_text("course types")
    (course / "incident.py").write_text("course incident")
    provided = {"types.py": str(course / "types.py"), "incident.py": str(course / "incident.py")}
    work = prepare_workdir(str(learner), str(base), (), provided)
    assert sorted(os.listdir(work)) == ["diagnose.py", "incident.py", "types.py"]
    assert open(os.path.join(work, "types.py")).read() == "the learner's own types"
    assert open(os.path.join(work, "incident.py")).read() == "course incident"
    assert not (learner / "incident.py").exists()  # the submission itself is never changed


def _learner(tmp_path):
    learner, base = tmp_path / "learner", tmp_path / "base"
    learner.mkdir()
    base.mkdir()
    (learner / "app.py").write_text("x = 1\n")
    return learner, base


def _refusal(learner, base, protected=()) -> str:
    with pytest.raises(LearnerCrash) as caught:
        prepare_workdir(str(learner), str(base), protected)
    assert caught.value.phase == COPY_PHASE
    return caught.value.info["message"]


def test_the_copy_skips_caches_and_keeps_subfolders(tmp_path):
    learner, base = _learner(tmp_path)
    (learner / "__pycache__").mkdir()
    (learner / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (learner / ".git").mkdir()
    (learner / "stale.pyc").write_bytes(b"\0")
    (learner / "pkg").mkdir()
    (learner / "pkg" / "mod.py").write_text("y = 2\n")
    work = prepare_workdir(str(learner), str(base))
    assert sorted(os.listdir(work)) == ["app.py", "pkg"] and open(os.path.join(work, "pkg", "mod.py")).read() == "y = 2\n"
    assert os.getcwd() == work


def test_a_link_to_a_device_is_refused_not_copied_forever(tmp_path):
    """A link to /dev/zero would fill the disk: it is refused, naming it, before anything is read."""
    learner, base = _learner(tmp_path)
    os.symlink("/dev/zero", learner / "data.bin")
    assert _refusal(learner, base) == "data.bin is not a regular file or folder (a pipe, a device or a broken link): remove it"


def test_a_pipe_is_refused(tmp_path):
    learner, base = _learner(tmp_path)
    os.mkfifo(learner / "events")
    assert "events is not a regular file or folder" in _refusal(learner, base)


def test_a_huge_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("o11y_course.sandbox.workdir.MAX_BYTES", 1000)
    learner, base = _learner(tmp_path)
    (learner / "big.csv").write_bytes(b"x" * 2000)
    assert _refusal(learner, base) == "it holds more than 0 MB (at big.csv); keep only the exercise's own files in it"


def test_too_many_files_are_refused(tmp_path, monkeypatch):
    """A virtual environment inside the exercise folder is refused with a message instead of copied for every run."""
    monkeypatch.setattr("o11y_course.sandbox.workdir.MAX_ENTRIES", 5)
    learner, base = _learner(tmp_path)
    for index in range(6):
        (learner / f"m{index}.py").write_text("")
    assert "more than 5 files and folders" in _refusal(learner, base)


def test_a_link_loop_is_refused(tmp_path):
    learner, base = _learner(tmp_path)
    os.symlink(learner, learner / "again")
    assert "nest deeper than" in _refusal(learner, base)


def test_protected_folders_reached_through_a_linked_folder_are_refused(tmp_path):
    """A link to a folder above the hidden checks: the real folders below it are checked too."""
    course, learner, base = tmp_path / "course", tmp_path / "learner", tmp_path / "base"
    (course / "checks").mkdir(parents=True)
    (course / "checks" / "test_hidden.py").write_text("SECRET = 1\n")
    learner.mkdir()
    base.mkdir()
    os.symlink(course, learner / "up")
    message = _refusal(learner, base, (str(course / "checks"),))
    assert message == "up/checks is a link into the grader's checks or solutions, which is not allowed"
