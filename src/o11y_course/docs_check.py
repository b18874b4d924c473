"""Checks for the course text: Mermaid diagrams that follow the module's rules, and relative links that resolve.

The Mermaid rules keep every diagram renderable on GitHub and by the Mermaid CLI:

- every node label is a quoted string: ``A["Flask app"]``, never ``A[Flask app]``;
- edge labels are quoted between pipes: ``-->|"scrape"|``, never ``-- scrape -->``;
- subgraph titles are quoted: ``subgraph "Collection"`` or ``subgraph id["Collection"]``;
- a line break inside a label is ``<br/>``, never ``\\n`` or ``<br>``;
- no parentheses or other special characters outside quotes, and no node called ``end``;
- in sequence diagrams, messages, notes and participant names hold no characters the parser reads
  as syntax (``; # " ( ) [ ] { } < >``, apart from ``<br/>``).

Only ``flowchart``/``graph`` and ``sequenceDiagram`` diagrams are accepted, because the rules are
defined for those two. Every problem is reported as ``path:line: what is wrong: excerpt``.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

SKIPPED_DIRS = (".git", ".venv", "node_modules", ".ci/node", "tests/mutants")


@dataclass(frozen=True)
class Problem:
    """One rule broken at one line of one file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class MermaidBlock:
    """A fenced ```mermaid block: its file, the file line of its first diagram line, and its text."""

    path: str
    line: int
    text: str


# --------------------------------------------------------------------------- Markdown scanning

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^`\s]*)")


def _fenced_lines(lines: list[str]) -> Iterator[tuple[int, str, str | None, bool]]:
    """Yield (index, line, language, is_fence_line); language is None for prose outside code fences."""
    fence: str | None = None
    language = ""
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence, language = match.group(1), match.group(2).lower()
                yield index, line, language, True
            else:
                yield index, line, None, False
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not match.group(2):
            fence = None
            yield index, line, language, True
        else:
            yield index, line, language, False


def mermaid_blocks(path: Path, root: Path | None = None) -> list[MermaidBlock]:
    """Every ```mermaid block of a Markdown file, with the 1-based file line of its first diagram line."""
    name = _display(path, root)
    blocks: list[MermaidBlock] = []
    body: list[str] | None = None
    start = 0
    for index, line, language, is_fence in _fenced_lines(path.read_text(encoding="utf-8").splitlines()):
        if language != "mermaid":
            continue
        if not is_fence:
            body.append(line)
        elif body is None:
            body, start = [], index + 2
        else:
            blocks.append(MermaidBlock(name, start, "\n".join(body)))
            body = None
    if body is not None:
        blocks.append(MermaidBlock(name, start, "\n".join(body)))
    return blocks


def markdown_files(root: Path) -> list[Path]:
    """The repository's Markdown files (tracked or not ignored), without virtualenvs, node_modules and mutants."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.md"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\0")
        candidates = [root / name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):
        candidates = list(root.rglob("*.md"))
    return sorted(p for p in candidates if p.is_file() and not _skipped(p.relative_to(root)))


def _skipped(relative: Path) -> bool:
    """True for a file under one of SKIPPED_DIRS, at any depth (``web/node_modules/x.md`` too)."""
    return any(f"/{d}/" in f"/{relative.as_posix()}" for d in SKIPPED_DIRS)


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


# --------------------------------------------------------------------------- Mermaid rules

_BREAK_TAG = re.compile(r"<\s*br\b[^>]*>", re.IGNORECASE)
# Shape openers and their closers, longest first so that "((" wins over "(".
_SHAPES = [
    ("(((", ")))"), ("([", "])"), ("[(", ")]"), ("[[", "]]"), ("((", "))"), ("{{", "}}"),
    ("[/", "/]"), ("[\\", "\\]"), ("[/", "\\]"), ("[\\", "/]"),
    ("[", "]"), ("(", ")"), ("{", "}"), (">", "]"),
]
_LINK = re.compile(r"<?(?:-{2,}|={2,}|-\.+-?|~{3,})[->xo]?")
_IDENT = re.compile(r"[A-Za-z0-9_]+")
_SEQ_ARROW = r"(?:<<-->>|<<->>|-->>|->>|-->|->|--x|-x|--\)|-\))"
_SEQ_MESSAGE = re.compile(rf"^(\w+)\s*{_SEQ_ARROW}\s*[+-]?(\w+)\s*:(.*)$")
_SEQ_NOTE = re.compile(r"^note\s+(?:left of|right of|over)\s+\w+(?:\s*,\s*\w+)?\s*:(.*)$", re.IGNORECASE)
_SEQ_PARTICIPANT = re.compile(r"^(?:participant|actor)\s+(\w+)(?:\s+as\s+(.*))?$")
_SEQ_BLOCK = re.compile(r"^(loop|alt|else|opt|par|and|critical|option|break|box)\b(.*)$")
_SEQ_SPECIAL = re.compile(r"[;#\"()\[\]{}<>]")


def check_diagram(text: str, path: str = "<diagram>", first_line: int = 1) -> list[Problem]:
    """Problems of one Mermaid diagram; ``first_line`` is the file line of the diagram's first line."""
    numbered = [(first_line + i, line.strip()) for i, line in enumerate(text.splitlines())]
    numbered = [(n, line) for n, line in numbered if line and not line.startswith("%%")]
    if not numbered:
        return [Problem(path, first_line, "empty Mermaid block")]
    header_line, header = numbered[0]
    kind = header.split()[0]
    if kind in ("flowchart", "graph"):
        check = _check_flowchart_line
    elif kind == "sequenceDiagram":
        check = _check_sequence_line
    else:
        return [Problem(path, header_line, f"diagram type not covered by the rules (use flowchart or sequenceDiagram): {header}")]
    problems = []
    for number, line in numbered[1:]:
        for message in _check_breaks(line) or check(line):
            problems.append(Problem(path, number, message))
    return problems


def check_block(block: MermaidBlock) -> list[Problem]:
    """Problems of one extracted Mermaid block."""
    return check_diagram(block.text, block.path, block.line)


def _check_breaks(line: str) -> list[str]:
    if "\\n" in line:
        return [f"line break written as \\n (use <br/>): {line}"]
    wrong = [tag for tag in _BREAK_TAG.findall(line) if tag != "<br/>"]
    if wrong:
        return [f"line break written as {wrong[0]} (use <br/>): {line}"]
    return []


def _check_flowchart_line(line: str) -> list[str]:
    word = line.split()[0]
    if word in ("end", "direction"):
        return []
    if word in ("classDef", "class", "style", "linkStyle", "click"):
        return []
    if word == "subgraph":
        title = line[len("subgraph"):].strip()
        if re.fullmatch(r'"[^"]*"', title) or re.fullmatch(r'\w+\s*\["[^"]*"\]', title):
            return []
        return [f"subgraph title not quoted: {line}"]
    return _check_flowchart_statement(line)


def _check_flowchart_statement(line: str) -> list[str]:
    """Walk a node/edge statement token by token; every label must be a quoted string."""
    problems: list[str] = []
    pos, size = 0, len(line)
    while pos < size:
        char = line[pos]
        if char.isspace() or char == "&":
            pos += 1
            continue
        ident = _IDENT.match(line, pos)
        if ident:
            start, pos = pos, ident.end()
            if ident.group(0) == "end":
                problems.append(f"node id 'end' is a keyword (rename the node): {line}")
            if line.startswith(":::", pos):
                pos = _IDENT.match(line, pos + 3).end() if _IDENT.match(line, pos + 3) else pos + 3
            shape = next(((o, c) for o, c in _SHAPES if line.startswith(o, pos)), None)
            if shape is None:
                continue
            opener, closer = shape
            label = re.compile(r'\s*"[^"]*"\s*' + re.escape(closer)).match(line, pos + len(opener))
            if label:
                pos = label.end()
                continue
            end = line.find(closer[-1], pos + len(opener))
            end = size if end < 0 else end + 1
            problems.append(f"node label not quoted: {line[start:end]}")
            pos = end
            continue
        link = _LINK.match(line, pos)
        if link:
            if link.group(0) in ("--", "==", "-.", "<--", "<==", "<-."):
                problems.append(f'edge label not written as -->|"label"|: {line}')
                return problems
            pos = link.end()
            continue
        if char == "|":
            label = re.compile(r'\|\s*"[^"]*"\s*\|').match(line, pos)
            if label:
                pos = label.end()
                continue
            end = line.find("|", pos + 1)
            end = size if end < 0 else end + 1
            problems.append(f"edge label not quoted: {line[pos:end]}")
            pos = end
            continue
        if char == '"':
            problems.append(f"quoted text outside a node or edge label: {line}")
            return problems
        problems.append(f"special character {char!r} outside quotes: {line}")
        return problems
    return problems


def _check_sequence_line(line: str) -> list[str]:
    word = line.split()[0]
    if word in ("end", "autonumber"):
        return []
    if word in ("activate", "deactivate") and re.fullmatch(r"\w+\s+\w+", line):
        return []
    if word == "rect" and re.fullmatch(r"rect\s+rgba?\([\d\s.,]+\)", line):
        return []
    participant = _SEQ_PARTICIPANT.match(line)
    if participant:
        return _sequence_text(participant.group(2) or "", "participant name", line)
    for pattern, what in ((_SEQ_MESSAGE, "message"), (_SEQ_NOTE, "note")):
        match = pattern.match(line)
        if match:
            return _sequence_text(match.group(match.lastindex), what, line)
    block = _SEQ_BLOCK.match(line)
    if block:
        return _sequence_text(block.group(2), f"{block.group(1)} label", line)
    return [f"not a sequence diagram statement the rules know: {line}"]


def _sequence_text(text: str, what: str, line: str) -> list[str]:
    special = _SEQ_SPECIAL.search(text.replace("<br/>", ""))
    if special:
        return [f"special character {special.group(0)!r} in {what}: {line}"]
    return []


# --------------------------------------------------------------------------- links and anchors

_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_ANCHOR = re.compile(r"<a\s+(?:[^>]*\s)?(?:id|name)=[\"']([^\"']+)[\"']", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


@dataclass(frozen=True)
class Link:
    """A relative link found in a Markdown file."""

    line: int
    target: str


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation and symbols dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images keep their text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    kept = [c for c in text.lower() if c in " -_" or unicodedata.category(c)[0] in "LNM"]
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of a Markdown file: heading slugs (duplicates numbered -1, -2, ...) and HTML ids."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line, language, _fence in _fenced_lines(path.read_text(encoding="utf-8").splitlines()):
        if language is not None:
            continue
        found.update(_HTML_ANCHOR.findall(line))
        heading = _HEADING.match(line)
        if heading:
            slug = github_slug(heading.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(path: Path) -> list[Link]:
    """Links of a Markdown file that point inside the repository (no scheme), outside code."""
    links = []
    for index, line, language, _fence in _fenced_lines(path.read_text(encoding="utf-8").splitlines()):
        if language is not None:
            continue
        prose = _CODE_SPAN.sub("", line)
        targets = [m.group(1) for m in _INLINE_LINK.finditer(prose)]
        definition = _REFERENCE_DEF.match(prose)
        if definition:
            targets.append(definition.group(1))
        links.extend(Link(index + 1, t) for t in targets if t and not _SCHEME.match(t))
    return links


def check_links(path: Path, root: Path) -> list[Problem]:
    """Relative links of ``path`` whose file is missing or whose #anchor names no heading of the target."""
    problems = []
    name = _display(path, root)
    cache: dict[Path, set[str]] = {}
    for link in relative_links(path):
        file_part, _, anchor = link.target.partition("#")
        file_part = unquote(file_part)
        if not file_part:
            target = path
        elif file_part.startswith("/"):
            target = root / file_part.lstrip("/")
        else:
            target = path.parent / file_part
        if not target.exists():
            problems.append(Problem(name, link.line, f"link target does not exist: {link.target}"))
            continue
        if not anchor:
            continue
        if target.is_dir():
            target = target / "README.md"
        if target.suffix.lower() != ".md" or not target.is_file():
            continue
        if target not in cache:
            cache[target] = anchors(target)
        if unquote(anchor) not in cache[target]:
            problems.append(Problem(name, link.line, f"no heading in {_display(target, root)} has the anchor #{anchor}: {link.target}"))
    return problems


def check_repository(root: Path, files: Iterable[Path] | None = None) -> list[Problem]:
    """Every Mermaid and link problem of the repository's Markdown files."""
    problems: list[Problem] = []
    for path in files if files is not None else markdown_files(root):
        for block in mermaid_blocks(path, root):
            problems.extend(check_block(block))
        problems.extend(check_links(path, root))
    return problems
