"""The run's folder: a copy of the learner's exercise folder, plus the course's provided files it lacks."""

import os

import pytest

from o11y_course.sandbox.child import prepare_workdir


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
