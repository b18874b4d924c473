"""Recognising a submission's layout."""

import pytest

from o11y_course.errors import UsageError
from o11y_course.submission import open_submission


class TestOpenSubmission:
    def test_learner_repository_layout(self, tmp_path):
        """A folder with exercises/ is a learner repository."""
        (tmp_path / "exercises" / "beginner").mkdir(parents=True)
        assert open_submission(tmp_path).exercises_base == tmp_path / "exercises"

    def test_tier_tree_layout(self, tmp_path):
        """A folder with tier folders (like reference/) is accepted too."""
        (tmp_path / "advanced").mkdir()
        assert open_submission(tmp_path).exercises_base == tmp_path

    @pytest.mark.parametrize(
        "make, message",
        [
            (lambda p: p / "missing", "does not exist"),
            (lambda p: (p / "f.txt").write_text("x") and p / "f.txt", "is not a folder"),
            (lambda p: p, "holds no exercises"),
        ],
    )
    def test_bad_paths_are_usage_errors(self, tmp_path, make, message):
        """A missing path, a file, or a folder without exercises gets a clear message."""
        with pytest.raises(UsageError, match=message):
            open_submission(make(tmp_path))
