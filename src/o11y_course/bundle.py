"""``o11y bundle OUT``: the hidden checks as a folder an instructor keeps in a private repository.

The bundle holds ``checks/<tier>/<NN-slug>/`` with every withheld check file, a ``manifest.json``
(course version and the SHA-256 of each file) and a README. ``o11y grade ... --checks BUNDLE``
lays it over a learner template's public checks and refuses a bundle whose files no longer match
the manifest.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from o11y_course import __version__
from o11y_course.checks_overlay import MANIFEST, file_digest
from o11y_course.course import Course, find_course
from o11y_course.errors import UsageError
from o11y_course.publish import check_files, copy_file, prepare_out

SCHEMA = "o11y-course/hidden-checks/v1"

README = """\
# Hidden checks

The grading-only checks of the o11y course (version {version}), written by `o11y bundle`. Keep this
folder in a **private** repository: learners must never see it.

- `checks/<tier>/<NN-slug>/` holds the hidden check files, in the same layout as the course's
  `checks/` folder.
- `manifest.json` lists each file with its SHA-256. `o11y grade --checks` refuses the bundle when
  a file is missing or changed, so write it again with `o11y bundle` instead of editing it.

Grade a learner repository (its own `checks/` has the public checks) with these on top:

```sh
o11y grade path/to/learner-repo --checks path/to/this-folder
```

The learner template's workflow fetches this repository when the secrets `O11Y_CHECKS_REPO`
(`owner/name` of this repository) and `O11Y_CHECKS_TOKEN` (a token that can read it) are set.
"""


def write_bundle(course: Course, out: Path, force: bool = False) -> list[str]:
    """Write the hidden checks of ``course`` into ``out``; returns the files written (relative to ``out``)."""
    withheld = check_files(course, withheld=True)
    if not withheld:
        raise UsageError(f"{course.checks_dir} holds no hidden check files (test_hidden*.py): nothing to bundle")
    out = prepare_out(out, course, force, "the bundle")
    written = []
    for rel in withheld:
        copy_file(course.checks_dir / rel, out / "checks" / rel)
        written.append(f"checks/{rel.as_posix()}")
    manifest = {"schema": SCHEMA, "course_version": __version__, "files": {name: file_digest(out / name) for name in written}}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(README.format(version=__version__), encoding="utf-8")
    return written


def bundle_command(args: argparse.Namespace) -> int:
    """``o11y bundle OUT [--force]``."""
    course = find_course()
    written = write_bundle(course, Path(args.out), force=args.force)
    print(f"wrote {len(written)} hidden check files to {Path(args.out).resolve()}: commit that folder to a private repository")
    return 0
