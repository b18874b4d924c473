"""Exercise discovery from exercise.toml files, and short exercise ids."""

from pathlib import Path

import pytest

from o11y_course.errors import UsageError
from o11y_course.exercises import discover, resolve


def write_exercise(root: Path, exercise_id: str, body: str) -> None:
    folder = root / exercise_id
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(body)


GOOD = 'title = "T"\nfiles = ["app.py"]\npoints = 5\nhints = ["one", "two"]\n'


class TestDiscover:
    def test_finds_exercises_in_course_order(self, tmp_path):
        """Exercises are ordered by tier, then by their number."""
        write_exercise(tmp_path, "advanced/01-a", GOOD)
        write_exercise(tmp_path, "beginner/02-b", GOOD)
        write_exercise(tmp_path, "beginner/01-c", GOOD)
        assert [e.id for e in discover(tmp_path)] == ["beginner/01-c", "beginner/02-b", "advanced/01-a"]

    def test_reads_metadata(self, tmp_path):
        """Title, files, points and hints come from the file; tier and order from the folder."""
        write_exercise(tmp_path, "intermediate/03-x-y", GOOD)
        (exercise,) = discover(tmp_path)
        assert (exercise.tier, exercise.order, exercise.slug) == ("intermediate", 3, "x-y")
        assert exercise.files == ("app.py",) and exercise.points == 5 and exercise.hints == ("one", "two")
        assert exercise.marker == "🧩"

    def test_syntax_error_names_the_file_and_line(self, tmp_path):
        """A broken exercise.toml is reported with its path and the parser's line number."""
        write_exercise(tmp_path, "beginner/01-a", 'title = "T\n')
        with pytest.raises(UsageError, match=r"exercises/beginner/01-a/exercise.toml: .*line 1"):
            discover(tmp_path)

    def test_missing_field_is_named(self, tmp_path):
        """A missing required field is named."""
        write_exercise(tmp_path, "beginner/01-a", 'title = "T"\nfiles = ["a.py"]\n')
        with pytest.raises(UsageError, match="'points' must be a int"):
            discover(tmp_path)

    @pytest.mark.parametrize("provided", ['"types.py"', '["../types.py"]', '["sub/types.py"]', '[""]'])
    def test_provided_must_be_file_names(self, tmp_path, provided):
        """``provided`` lists plain file names of the exercise folder, nothing else."""
        write_exercise(tmp_path, "beginner/01-a", GOOD + f"provided = {provided}\n")
        with pytest.raises(UsageError, match="'provided' must be a list of file names"):
            discover(tmp_path)

    def test_id_must_match_folder(self, tmp_path):
        """An id that contradicts the folder is refused."""
        write_exercise(tmp_path, "beginner/01-a", 'id = "beginner/09-z"\n' + GOOD)
        with pytest.raises(UsageError, match="does not match its folder"):
            discover(tmp_path)

    def test_unknown_tier_is_refused(self, tmp_path):
        """Only the three tiers are accepted."""
        write_exercise(tmp_path, "expert/01-a", GOOD)
        with pytest.raises(UsageError, match="tier one of beginner, intermediate, advanced"):
            discover(tmp_path)


class TestResolve:
    @pytest.fixture
    def exercises(self, tmp_path):
        write_exercise(tmp_path, "beginner/01-identify-the-pillar", GOOD)
        write_exercise(tmp_path, "beginner/02-metrics-endpoint", GOOD)
        write_exercise(tmp_path, "intermediate/01-structured-logging", GOOD)
        return discover(tmp_path)

    @pytest.mark.parametrize("ident", ["beginner/02-metrics-endpoint", "02", "metrics-endpoint", "beginner/02", "02-metrics-endpoint", "beginner/metrics-endpoint"])
    def test_short_forms(self, exercises, ident):
        """Full ids, numbers, slugs and tier/number all name the same exercise."""
        assert resolve(exercises, ident).id == "beginner/02-metrics-endpoint"

    def test_shared_number_names_the_earliest_tier(self, exercises):
        """A number shared by two tiers names the earliest tier's exercise; tier/number names the other."""
        assert resolve(exercises, "01").id == "beginner/01-identify-the-pillar"
        assert resolve(exercises, "intermediate/01").id == "intermediate/01-structured-logging"

    def test_ambiguous_slug_asks_for_the_tier(self, tmp_path):
        """A slug shared by two tiers is ambiguous and the message says how to disambiguate."""
        write_exercise(tmp_path, "beginner/01-same", GOOD)
        write_exercise(tmp_path, "advanced/01-same", GOOD)
        with pytest.raises(UsageError, match="matches several exercises .* add the tier"):
            resolve(discover(tmp_path), "same")

    def test_unknown_lists_known(self, exercises):
        """An unknown id lists the known exercises."""
        with pytest.raises(UsageError, match="unknown exercise 'nope'; known exercises: beginner/01"):
            resolve(exercises, "nope")
