"""The folders a sandbox child may read but never change."""

from __future__ import annotations

import os
import sys

import o11y_course
from o11y_course.sandbox.guards import read_only_candidates, read_only_dirs


def test_the_grader_python_and_the_course_are_read_only(tmp_path):
    course = tmp_path / "course"
    (course / "checks").mkdir(parents=True)
    work = tmp_path / "run" / "exercise"
    work.mkdir(parents=True)
    found = read_only_dirs([str(course / "checks")], str(work))
    package_parent = os.path.realpath(os.path.dirname(os.path.dirname(o11y_course.__file__)))
    assert package_parent in found and os.path.realpath(sys.prefix) in found and str(course.resolve()) in found
    assert "/" not in found


def test_the_learners_copy_and_folders_holding_it_never_are(tmp_path, monkeypatch):
    """A sys.path folder that holds the run's copy stays writable, whether or not its candidates were worked out before."""
    work = tmp_path / "run" / "exercise"
    work.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    found = read_only_dirs([], str(work))
    assert str(tmp_path.resolve()) not in found and str(work.resolve()) not in found
    assert str(tmp_path.resolve()) in read_only_candidates((), tuple(sys.path))  # a candidate, dropped for this run only
    other = tmp_path.parent / "elsewhere"
    other.mkdir(exist_ok=True)
    assert str(tmp_path.resolve()) in read_only_dirs([], str(other))
