"""The course text: Mermaid diagrams follow the module's rules and render, and relative links resolve."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from o11y_course.docs_check import (
    anchors,
    check_block,
    check_diagram,
    check_links,
    github_slug,
    markdown_files,
    mermaid_blocks,
)
from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
MMDC_CANDIDATES = (REPO / "node_modules/.bin/mmdc", REPO / ".ci/node/node_modules/.bin/mmdc")
PUPPETEER_CONFIG = {
    "executablePath": str(CHROMIUM),
    "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
}


def repo_blocks():
    """Every Mermaid block in the repository's Markdown files."""
    return [block for path in markdown_files(REPO) for block in mermaid_blocks(path, REPO)]


# --------------------------------------------------------------------------- the repository's own text


def test_docs_hold_the_fourteen_diagrams():
    """docs/ has at least the 14 diagrams of the course, each a ```mermaid block."""
    blocks = [b for b in repo_blocks() if b.path.startswith("docs/")]
    assert len(blocks) >= 14, f"docs/ has {len(blocks)} Mermaid blocks: {[f'{b.path}:{b.line}' for b in blocks]}"


def test_every_mermaid_block_follows_the_rules():
    """Every Mermaid block in the repository's Markdown files passes the rule check."""
    problems = [str(p) for block in repo_blocks() for p in check_block(block)]
    assert not problems, "\n".join(problems)


def test_every_relative_link_resolves():
    """Every relative link in the repository's Markdown files names an existing file and heading."""
    files = markdown_files(REPO)
    assert REPO / "docs/README.md" in files
    problems = [str(p) for path in files for p in check_links(path, REPO)]
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- the rule checker itself

GOOD_FLOWCHART = """flowchart LR
    subgraph "Service"
        A["Flask app<br/>request hooks"] -->|"inc and observe"| B[("Registry")]
        C(["stadium"]) & D{"decision?"} --> E{{"hexagon"}}
    end
    subgraph store["Storage"]
        direction TB
        F>"flag"] -.->|"dotted"| G[/"slanted"/]
        H(("circle")) ==> A
    end
    A:::hot --- F
    classDef hot fill:#f96,stroke:#333
"""

GOOD_SEQUENCE = """sequenceDiagram
    participant C as Client
    participant F as Flask app
    C->>+F: GET /items/7
    F-->>-C: 200 OK<br/>with a body
    Note over C,F: the traceparent header carries the context
    loop every scrape interval
        C->>F: GET /metrics
    end
"""


@pytest.mark.parametrize("diagram", [GOOD_FLOWCHART, GOOD_SEQUENCE], ids=["flowchart", "sequence"])
def test_a_diagram_that_follows_the_rules_has_no_problems(diagram):
    """Quoted labels, quoted titles, <br/> breaks and plain sequence messages pass."""
    assert check_diagram(diagram, "x.md", 1) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A[Flask App] --> B", "node label not quoted: A[Flask App]"),
        ('A["ok"] --> B(unquoted)', "node label not quoted: B(unquoted)"),
        ('A["one\\ntwo"]', 'line break written as \\n (use <br/>): A["one\\ntwo"]'),
        ('A["one<br>two"]', 'line break written as <br> (use <br/>): A["one<br>two"]'),
        ("subgraph Collection and storage", "subgraph title not quoted: subgraph Collection and storage"),
        ('A["a"] -->|scrape| B["b"]', "edge label not quoted: |scrape|"),
        ('A["a"] -- scrape --> B["b"]', 'edge label not written as -->|"label"|: A["a"] -- scrape --> B["b"]'),
        ('A["a"] --> B["b"]; B --> C', 'special character \';\' outside quotes: A["a"] --> B["b"]; B --> C'),
        ('A["a"] --> "stray"', 'quoted text outside a node or edge label: A["a"] --> "stray"'),
        ('A["a"] --> end', "node id 'end' is a keyword (rename the node): A[\"a\"] --> end"),
    ],
)
def test_the_checker_catches_a_broken_flowchart_line(line, expected):
    """Each known-bad flowchart line is reported with its file line and the broken excerpt."""
    problems = check_diagram(f'flowchart LR\n    X["fine"]\n    {line}\n', "docs/x.md", 40)
    assert [str(p) for p in problems] == [f"docs/x.md:42: {expected}"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("C->>F: GET /metrics (scrape)", "special character '(' in message"),
        ("C->>F: first; second", "special character ';' in message"),
        ("Note over C: see #42", "special character '#' in note"),
        ("participant F as Flask (app)", "special character '(' in participant name"),
        ("C->>F: one\\ntwo", "line break written as \\n (use <br/>)"),
        ("C calls F", "not a sequence diagram statement the rules know"),
    ],
)
def test_the_checker_catches_a_broken_sequence_line(line, expected):
    """Each known-bad sequence diagram line is reported with its file line."""
    problems = check_diagram(f"sequenceDiagram\n    participant C as Client\n    participant F as Flask app\n    {line}\n", "docs/y.md", 10)
    assert [str(p) for p in problems] == [f"docs/y.md:13: {expected}: {line}"]


def test_the_checker_rejects_diagram_types_it_has_no_rules_for():
    """A pie chart is reported, because the rules only cover flowcharts and sequence diagrams."""
    problems = check_diagram('pie title "Share"\n    "metrics" : 3\n', "z.md", 5)
    assert [p.line for p in problems] == [5]
    assert "diagram type not covered by the rules" in problems[0].message


def test_blocks_are_found_with_their_file_line(tmp_path):
    """Mermaid blocks are extracted with the file line of their first line; other fences are ignored."""
    page = tmp_path / "page.md"
    page.write_text('# Title\n\n```python\nA[Not mermaid]\n```\n\n```mermaid\nflowchart LR\n    A[Flask App]\n```\n~~~mermaid\nflowchart TD\n~~~\n')
    blocks = mermaid_blocks(page, tmp_path)
    assert [(b.path, b.line) for b in blocks] == [("page.md", 8), ("page.md", 12)]
    assert [str(p) for p in check_block(blocks[0])] == ["page.md:9: node label not quoted: A[Flask App]"]


# --------------------------------------------------------------------------- links and anchors


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Counters, gauges and histograms", "counters-gauges-and-histograms"),
        ("🔍 Beginner 02 · Expose request metrics on /metrics", "-beginner-02--expose-request-metrics-on-metrics"),
        ("The `app_requests_total` counter", "the-app_requests_total-counter"),
        ("Scenario 2: intermittent errors", "scenario-2-intermittent-errors"),
        ("What is [OTLP](https://opentelemetry.io)?", "what-is-otlp"),
    ],
)
def test_github_slugs(heading, slug):
    """Heading anchors follow GitHub's rules: lowercase, punctuation and emoji dropped, spaces to hyphens."""
    assert github_slug(heading) == slug


def test_duplicate_headings_get_numbered_anchors(tmp_path):
    """A repeated heading gets -1, -2 ... as on GitHub; headings inside code fences do not count."""
    page = tmp_path / "p.md"
    page.write_text("# Notes\n## Notes\n```\n# Notes\n```\n## Notes\n<a id=\"custom\"></a>\n")
    assert anchors(page) == {"notes", "notes-1", "notes-2", "custom"}


def test_broken_links_are_reported(tmp_path):
    """Missing files and anchors are reported with their line; external links and code are not checked."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/target.md").write_text("# Target\n## How it works\n")
    page = tmp_path / "docs/page.md"
    page.write_text(
        "# Page\n"
        "[ok](target.md#how-it-works) and [ok too](target.md) and [self](#page)\n"
        "[missing file](nothing.md)\n"
        "[missing anchor](target.md#how-it-fails)\n"
        "[bad self](#nowhere) [web](https://example.org/x.md) [mail](mailto:a@b.c)\n"
        "`[in code](gone.md)`\n"
        "```\n[in a fence](gone.md)\n```\n"
        "[folder](../docs/) ![picture](missing.png)\n"
        "[ref]: also-missing.md\n"
    )
    assert [str(p) for p in check_links(page, tmp_path)] == [
        "docs/page.md:3: link target does not exist: nothing.md",
        "docs/page.md:4: no heading in docs/target.md has the anchor #how-it-fails: target.md#how-it-fails",
        "docs/page.md:5: no heading in docs/page.md has the anchor #nowhere: #nowhere",
        "docs/page.md:10: link target does not exist: missing.png",
        "docs/page.md:11: link target does not exist: also-missing.md",
    ]


def test_markdown_files_skip_environments_and_mutants(tmp_path):
    """Virtualenvs, node_modules, the Mermaid CLI install and mutant copies are not course text."""
    for name in ("docs/a.md", ".venv/lib/x.md", "web/node_modules/pkg/y.md", ".ci/node/z.md", "tests/mutants/b/c.md", "README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# x\n")
    assert [p.relative_to(tmp_path).as_posix() for p in markdown_files(tmp_path)] == ["README.md", "docs/a.md"]


# --------------------------------------------------------------------------- rendering with the Mermaid CLI


@pytest.fixture(scope="module")
def mermaid_cli(tmp_path_factory) -> list[str]:
    """The mmdc command line with the Puppeteer config for Debian's Chromium; skips (or fails when real components are required) without them."""
    mmdc = shutil.which("mmdc") or next((str(p) for p in MMDC_CANDIDATES if p.is_file()), None)
    missing = [what for what, ok in (("mmdc (@mermaid-js/mermaid-cli)", mmdc), (str(CHROMIUM), CHROMIUM.is_file())) if not ok]
    if missing:
        reason = f"{' and '.join(missing)} not installed: run `bash .ci/install-mermaid.sh` to render the diagrams"
        if os.environ.get("O11Y_REQUIRE_REAL", "") not in ("", "0"):
            pytest.fail(f"O11Y_REQUIRE_REAL is set but {reason}")
        pytest.skip(reason)
    config = tmp_path_factory.mktemp("mermaid") / "puppeteer.json"
    config.write_text(json.dumps(PUPPETEER_CONFIG))
    return [str(mmdc), "--quiet", "-p", str(config)]


def render_markdown(mermaid_cli: list[str], diagrams: list[str], workdir: Path) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
    """Render diagrams in one mmdc call (one browser start) via a Markdown file; returns the run and the SVGs in order."""
    source = workdir / "diagrams.md"
    source.write_text("".join(f"```mermaid\n{d}\n```\n\n" for d in diagrams), encoding="utf-8")
    run = subprocess.run([*mermaid_cli, "-i", str(source), "-o", str(workdir / "out.md")], capture_output=True, text=True, timeout=300)
    svgs = [workdir / f"out-{i}.svg" for i in range(1, len(diagrams) + 1)]
    return run, [s for s in svgs if s.is_file()]


def test_every_mermaid_block_renders(mermaid_cli, tmp_path):
    """The Mermaid CLI renders every block of the repository's Markdown files to SVG without a parse error."""
    blocks = repo_blocks()
    started = time.monotonic()
    run, svgs = render_markdown(mermaid_cli, [b.text for b in blocks], tmp_path)
    elapsed = time.monotonic() - started
    # Keep mmdc's message, drop the JavaScript stack trace below it.
    output = "\n".join(line for line in (run.stdout + run.stderr).splitlines() if not line.lstrip().startswith("at ") and "mermaid-cli-intercept" not in line)
    if run.returncode != 0 or len(svgs) != len(blocks):
        # mmdc renders the blocks in order and stops at the first failure.
        failed = blocks[min(len(svgs), len(blocks) - 1)]
        pytest.fail(f"{failed.path}:{failed.line}: the Mermaid CLI could not render this diagram:\n{output[:2000]}")
    broken = [f"{b.path}:{b.line}" for b, svg in zip(blocks, svgs, strict=True) if "Syntax error" in svg.read_text(encoding="utf-8")]
    assert not broken, f"rendered as a syntax-error picture: {broken}"
    assert elapsed < 120, f"rendering {len(blocks)} diagrams took {elapsed:.0f} s"


def test_the_mermaid_cli_rejects_a_broken_diagram(mermaid_cli, tmp_path):
    """The render check can fail: a diagram with an unquoted parenthesis makes mmdc print a parse error."""
    run, svgs = render_markdown(mermaid_cli, ["flowchart LR\n    A[Flask (app)] --> B"], tmp_path)
    assert run.returncode != 0 and not svgs
    assert "Parse error" in run.stdout + run.stderr
