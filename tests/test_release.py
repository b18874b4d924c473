"""``o11y release`` and ``o11y bundle``: the learner template holds no hidden check and no reference
code, its own public checks run inside it, and the hidden checks come back through a bundle."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from o11y_course.docs_check import check_links
from o11y_course.release import hidden_references, unlink_missing
from tests.conftest import REPO

TEXT_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".json", ".txt", ".cfg", ".ini", ""}


def o11y(*args: str, cwd: Path = REPO, template: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m o11y_course`` without O11Y_COURSE_ROOT; with ``template``, its own copy of the package."""
    env = {k: v for k, v in os.environ.items() if k != "O11Y_COURSE_ROOT"}
    if template is not None:
        env["PYTHONPATH"] = str(template / "src")
    return subprocess.run([sys.executable, "-m", "o11y_course", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The learner template, released into an empty folder."""
    out = tmp_path_factory.mktemp("release") / "template"
    result = o11y("release", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote the learner template" in result.stdout and "withheld" in result.stdout
    return out


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The hidden checks, bundled into an empty folder."""
    out = tmp_path_factory.mktemp("bundle") / "hidden-checks"
    result = o11y("bundle", str(out))
    assert result.returncode == 0, result.stderr
    return out


def template_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def hidden_check_files() -> list[Path]:
    return sorted((REPO / "checks").rglob("test_hidden*.py"))


def public_text() -> str:
    """Everything the course means to publish: exercises, docs, the package and the public checks."""
    texts = [
        p.read_text(encoding="utf-8", errors="replace")
        for folder in ("exercises", "docs", "src")
        for p in (REPO / folder).rglob("*")
        if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
    ]
    return "\n".join(texts + [p.read_text() for p in (REPO / "checks").rglob("test_public.py")])


def hidden_material() -> tuple[set[str], set[str]]:
    """Names of hidden checks and their long string constants (answer keys, expected values) that nothing public holds."""
    public = public_text()
    names, strings = set(), set()
    for path in hidden_check_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and node.name not in public:
                names.add(node.name)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 40 and node.value not in public:
                strings.add(node.value)
    return names, strings


class TestTemplateHoldsNoSecret:
    def test_no_hidden_check_reference_tests_or_mutants(self, template):
        """No test_hidden file, no reference/, tests/ or benchmarks/, no mutant anywhere in the template."""
        names = [p.relative_to(template).as_posix() for p in template_files(template)]
        assert not [n for n in names if "hidden" in Path(n).name.lower()]
        assert not [n for n in names if n.split("/", 1)[0] in ("reference", "tests", "benchmarks")]
        assert not [n for n in names if n.endswith("mutant.toml") or "/mutants/" in n]
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        assert (template / "checks").is_dir() and not list((template / "checks").rglob("*hidden*"))

    def test_no_hidden_check_name_or_answer_key_in_any_file(self, template):
        """No file of the template names a hidden check or holds a hidden check's long strings (answer keys, reasons)."""
        names, strings = hidden_material()
        assert len(names) >= 10 and len(strings) >= 5  # the probe itself must have something to look for
        for path in template_files(template):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [n for n in names if n in text], path
            assert not [s for s in strings if s in text], path

    def test_no_reference_solution_in_any_file(self, template):
        """No template file has the content of a reference solution file that differs from its stub."""
        contents = {p.read_bytes() for p in template_files(template)}
        solutions = []
        for solution in (REPO / "reference").rglob("*"):
            if not solution.is_file() or "__pycache__" in solution.parts:
                continue
            stub = REPO / "exercises" / solution.relative_to(REPO / "reference")
            if not stub.is_file() or stub.read_bytes() != solution.read_bytes():
                solutions.append(solution)
        assert solutions
        assert not [s.relative_to(REPO).as_posix() for s in solutions if s.read_bytes() in contents]

    def test_public_checks_and_exercises_are_all_there(self, template):
        """Every exercise folder and every public check file of the course is in the template, unchanged."""
        for source in (REPO / "exercises").rglob("*"):
            if source.is_file() and "__pycache__" not in source.parts and ".o11y" not in source.parts:
                copy = template / source.relative_to(REPO)
                assert copy.is_file(), copy
                if source.suffix != ".md":
                    assert copy.read_bytes() == source.read_bytes(), copy
        for check in (REPO / "checks").rglob("test_public.py"):
            assert (template / check.relative_to(REPO)).read_bytes() == check.read_bytes()


class TestTemplateWorks:
    def test_learner_files(self, template):
        """README (tables filled in), tasks.py, pyproject, .gitignore, the workflow and the dev container are there."""
        readme = (template / "README.md").read_text(encoding="utf-8")
        assert "{{" not in readme and "| `o11y check [EXERCISE]` |" in readme and "| `o11y grade" not in readme
        assert "beginner/02-metrics-endpoint" in readme
        assert (template / "pyproject.toml").read_bytes() == (REPO / "pyproject.toml").read_bytes()
        assert "python3 tasks.py check 02" in (template / "tasks.py").read_text()
        assert ".venv/" in (template / ".gitignore").read_text()
        workflow = (template / ".github/workflows/classroom.yml").read_text()
        assert workflow == (REPO / "src/o11y_course/templates/learner/classroom.yml").read_text()
        container = json.loads((template / ".devcontainer/devcontainer.json").read_text())
        assert "prometheus" in container["postCreateCommand"] and "pip install --quiet -e ." in container["postCreateCommand"]

    def test_every_relative_link_resolves(self, template):
        """Links in the template's Markdown files point to files it has (links to withheld files become text)."""
        problems = [str(p) for path in sorted(template.rglob("*.md")) for p in check_links(path, template)]
        assert not problems, "\n".join(problems)

    def test_o11y_check_runs_the_public_checks_inside_the_template(self, template):
        """Inside the template, with its own package and no O11Y_COURSE_ROOT, `o11y check 01` runs the public checks on the stub."""
        where = o11y("--version", template=template)
        assert where.returncode == 0
        probe = subprocess.run(
            [sys.executable, "-c", "import o11y_course; print(o11y_course.__file__)"],
            cwd=template, env={**os.environ, "PYTHONPATH": str(template / "src")}, capture_output=True, text=True,
        )
        assert Path(probe.stdout.strip()).is_relative_to(template)
        result = o11y("check", "01", "--no-real", cwd=template, template=template)
        assert result.returncode == 1, result.stderr  # the stub fails its checks
        assert "answers.toml parses and every scenario of the README has at least one pillar." in result.stdout
        assert "(hidden)" not in result.stdout and "Traceback" not in result.stderr

    def test_grading_inside_the_template_has_only_public_checks(self, template):
        """Without a bundle, grading in the template runs the public checks only."""
        result = o11y("grade", str(REPO / "reference"), "-e", "01", "--format", "json", cwd=template, template=template)
        report = json.loads(result.stdout)
        assert {c["visibility"] for e in report["exercises"] for c in e["checks"]} == {"public"}
        assert report["score"] == report["max_score"] == 3


class TestReleaseFolder:
    def test_refuses_a_non_empty_folder_without_force(self, tmp_path):
        """A non-empty output folder is refused with one line and exit 2; its files stay."""
        (tmp_path / "notes.txt").write_text("mine")
        result = o11y("release", str(tmp_path))
        assert result.returncode == 2 and result.stderr.count("\n") == 1
        assert "is not empty: add --force" in result.stderr and (tmp_path / "notes.txt").read_text() == "mine"

    def test_force_replaces_everything_but_git(self, tmp_path):
        """--force replaces the folder's contents and keeps its .git folder."""
        (tmp_path / ".git").mkdir()
        (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
        (tmp_path / "stale.txt").write_text("old")
        result = o11y("bundle", str(tmp_path), "--force")
        assert result.returncode == 0, result.stderr
        assert not (tmp_path / "stale.txt").exists() and (tmp_path / ".git" / "HEAD").is_file()
        assert (tmp_path / "manifest.json").is_file()

    @pytest.mark.parametrize("command", ["release", "bundle"])
    @pytest.mark.parametrize("target", [".", "docs/out", "src", "template-in-repo"])
    def test_refuses_to_write_over_the_course(self, command, target):
        """Neither the course nor any folder inside it (its .git and workflows included) is an output folder, even with --force."""
        result = o11y(command, target, "--force")
        assert result.returncode == 2 and ("overwrite the course itself" in result.stderr or "cannot be written inside the course" in result.stderr), result.stderr
        assert not (REPO / "template-in-repo").exists()

    @pytest.mark.parametrize("inside", [".git", ".github", "build/template"])
    def test_forcing_a_folder_inside_the_course_deletes_nothing(self, tmp_path, inside):
        """On a course of its own (so nothing real is at stake): --force on a folder inside it is refused before anything is removed."""
        from o11y_course.course import Course
        from o11y_course.errors import UsageError
        from o11y_course.publish import prepare_out

        for folder in ("exercises", "checks", ".git", ".github/workflows", "build/template"):
            (tmp_path / folder).mkdir(parents=True)
        for keep in (".git/HEAD", ".github/workflows/ci.yml", "build/template/old.txt"):
            (tmp_path / keep).write_text("kept")
        with pytest.raises(UsageError, match="cannot be written inside the course"):
            prepare_out(tmp_path / inside, Course(tmp_path), force=True, what="the learner template")
        assert all((tmp_path / keep).read_text() == "kept" for keep in (".git/HEAD", ".github/workflows/ci.yml", "build/template/old.txt"))


class TestPublicCheckScan:
    def test_hidden_marker_in_a_public_file_is_found(self):
        """A check marked hidden in a file that ships would leak: the scan names its line."""
        source = "import pytest\n\n@pytest.mark.points(1)\n@pytest.mark.hidden\ndef test_x(observe):\n    pass\n"
        assert hidden_references(source, "checks/b/test_public.py", {"test_hidden"}) == [
            "checks/b/test_public.py:4 has a check marked hidden: move it to a test_hidden*.py file"
        ]

    def test_import_of_hidden_material_is_found(self):
        """Importing a hidden module, or naming a withheld file, is found."""
        source = "from .test_hidden import KEY\nimport hidden_keys\nDATA = 'test_hidden.py'\n"
        found = hidden_references(source, "t.py", {"test_hidden.py", "test_hidden"})
        assert [p.split(" ", 1)[0] for p in found] == ["t.py:1", "t.py:2", "t.py:3"]

    def test_clean_public_file_passes(self):
        """A public check that uses only the package passes the scan."""
        source = "from o11y_course.feedback import expect\n\ndef test_ok(observe):\n    '''Hidden gems are fine in prose.'''\n"
        assert hidden_references(source, "t.py", {"test_hidden"}) == []

    def test_links_to_missing_files_become_text(self, tmp_path):
        """A link to a file the template lacks keeps its text; others, anchors and web links stay."""
        (tmp_path / "docs").mkdir()
        (tmp_path / "docs" / "b.md").write_text("# B\n")
        text = "[schema](../tests/s.json), [b](b.md#b), [web](https://example.org), [top](#x)\n```\n[code](nope.md)\n```\n"
        fixed = unlink_missing(text, tmp_path / "docs" / "a.md", tmp_path)
        assert fixed == "schema, [b](b.md#b), [web](https://example.org), [top](#x)\n```\n[code](nope.md)\n```\n"


class TestBundle:
    def test_bundle_holds_exactly_the_hidden_checks(self, bundle):
        """The bundle has every hidden check file of the course, a manifest with their hashes and a README."""
        manifest = json.loads((bundle / "manifest.json").read_text())
        expected = {f"checks/{p.relative_to(REPO / 'checks').as_posix()}" for p in hidden_check_files()}
        assert set(manifest["files"]) == expected and manifest["schema"] == "o11y-course/hidden-checks/v1"
        files = {p.relative_to(bundle).as_posix() for p in template_files(bundle)}
        assert files == expected | {"manifest.json", "README.md"}

    def test_round_trip_grades_the_hidden_checks_again(self, template, bundle):
        """Grading the reference in the template with --checks BUNDLE runs public and hidden checks: full marks."""
        result = o11y("grade", str(REPO / "reference"), "-e", "01", "--checks", str(bundle), "--format", "json", cwd=template, template=template)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        direct = json.loads(o11y("grade", "reference", "-e", "01", "--format", "json").stdout)
        assert {c["visibility"] for e in report["exercises"] for c in e["checks"]} == {"public", "hidden"}
        assert [c["id"] for c in report["exercises"][0]["checks"]] == [c["id"] for c in direct["exercises"][0]["checks"]]
        assert report["score"] == report["max_score"] == direct["max_score"]

    def test_a_changed_bundle_is_refused(self, bundle, tmp_path):
        """A bundle file that no longer matches the manifest is refused with one line."""
        import shutil

        copy = tmp_path / "bundle"
        shutil.copytree(bundle, copy)
        target = next(copy.rglob("test_hidden.py"))
        target.write_text(target.read_text() + "\n# edited\n")
        result = o11y("grade", "reference", "-e", "01", "--checks", str(copy))
        assert result.returncode == 2 and "differs from its manifest" in result.stderr

    def test_a_check_file_added_to_a_bundle_is_refused(self, bundle, tmp_path):
        """A check file the manifest does not list (added by hand) is refused with one line, not run."""
        import shutil

        copy = tmp_path / "bundle"
        shutil.copytree(bundle, copy)
        added = next(copy.rglob("test_hidden.py")).with_name("test_hidden_extra.py")
        added.write_text("import pytest\n\n@pytest.mark.points(5)\ndef test_extra():\n    \"\"\"Added by hand.\"\"\"\n")
        result = o11y("grade", "reference", "-e", "01", "--checks", str(copy))
        assert result.returncode == 2 and "test_hidden_extra.py in the bundle" in result.stderr and "is not in its manifest" in result.stderr, result.stderr

    def test_a_folder_without_checks_is_refused(self, tmp_path):
        """--checks with a folder that holds no <tier>/<NN-slug>/ is a usage error."""
        result = o11y("grade", "reference", "-e", "01", "--checks", str(tmp_path))
        assert result.returncode == 2 and "holds no checks" in result.stderr
