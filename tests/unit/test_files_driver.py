"""The files driver: reads only regular UTF-8 files inside the exercise folder, within a size cap."""

import os

import pytest

from o11y_course.drivers.files import run
from o11y_course.scenario import FILES_DRIVER, file_scenario


class FakeContext:
    """The part of DriverContext the files driver uses: a work_dir and phase reports."""

    def __init__(self, work_dir: str):
        self.work_dir = work_dir
        self.phases: list[str] = []

    def phase(self, name: str) -> None:
        self.phases.append(name)


@pytest.fixture
def folder(tmp_path):
    """An exercise folder inside tmp_path, next to a file that lies outside it."""
    work = tmp_path / "exercise"
    work.mkdir()
    (tmp_path / "secret.txt").write_text("outside\n")
    return work


def read(folder, *names, max_bytes=1024):
    ctx = FakeContext(str(folder))
    values = run(ctx, {"files": list(names), "max_bytes": max_bytes})["values"]
    return values, ctx


def test_reads_a_regular_file(folder):
    """A regular UTF-8 file comes back as text, and the phase names it."""
    (folder / "answers.toml").write_text("x = 'é'\n", encoding="utf-8")
    values, ctx = read(folder, "answers.toml")
    assert values == {"files": {"answers.toml": "x = 'é'\n"}, "missing": [], "refused": {}}
    assert ctx.phases == ["read answers.toml"]


def test_missing_file_is_listed(folder):
    """A file that does not exist is null and listed as missing."""
    values, _ = read(folder, "answers.toml")
    assert values == {"files": {"answers.toml": None}, "missing": ["answers.toml"], "refused": {}}


def test_link_out_of_the_folder_is_refused(folder):
    """A symlink leading outside the exercise folder is never followed."""
    os.symlink(folder.parent / "secret.txt", folder / "answers.toml")
    values, _ = read(folder, "answers.toml")
    assert values["files"] == {"answers.toml": None}
    assert "link to a file outside the exercise folder" in values["refused"]["answers.toml"]


def test_link_inside_the_folder_is_read(folder):
    """A symlink to another file in the folder is fine."""
    (folder / "real.toml").write_text("a = 1\n")
    os.symlink("real.toml", folder / "answers.toml")
    values, _ = read(folder, "answers.toml")
    assert values["files"] == {"answers.toml": "a = 1\n"}


def test_names_that_climb_out_are_refused(folder):
    """A name with .. or an absolute path is not read."""
    values, _ = read(folder, "../secret.txt", str(folder.parent / "secret.txt"))
    assert set(values["refused"]) == {"../secret.txt", str(folder.parent / "secret.txt")}
    assert all(text is None for text in values["files"].values())


def test_directory_is_refused(folder):
    """A folder with the file's name is not a regular file."""
    (folder / "answers.toml").mkdir()
    values, _ = read(folder, "answers.toml")
    assert values["refused"] == {"answers.toml": "it is not a regular file"}


def test_large_file_is_refused(folder):
    """A file above max_bytes is refused with the limit."""
    (folder / "answers.toml").write_text("#" * 2049)
    values, _ = read(folder, "answers.toml", max_bytes=2048)
    assert values["refused"] == {"answers.toml": "it is larger than 2 KiB, the most the grader reads"}


def test_file_at_the_limit_is_read(folder):
    """A file of exactly max_bytes is read whole."""
    (folder / "answers.toml").write_text("#" * 2048)
    values, _ = read(folder, "answers.toml", max_bytes=2048)
    assert values["files"]["answers.toml"] == "#" * 2048


def test_non_utf8_is_refused(folder):
    """Bytes that are not UTF-8 are refused with the offending position."""
    (folder / "answers.toml").write_bytes(b"why = \"caf\xe9\"\n")
    values, _ = read(folder, "answers.toml")
    assert values["refused"]["answers.toml"].startswith("it is not UTF-8 text (byte 10")


def test_file_scenario_names_the_driver():
    """file_scenario builds a Scenario for this driver with the files and the cap."""
    scenario = file_scenario("read answers", ["answers.toml"], max_bytes=100)
    assert scenario.driver == FILES_DRIVER
    assert scenario.params == {"files": ["answers.toml"], "max_bytes": 100}
