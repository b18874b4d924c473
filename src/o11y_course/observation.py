"""Observations: the plain data a sandbox run sends back, and how its failures read to a learner."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from o11y_course.scenario import HttpExchange


@dataclass(frozen=True)
class LearnerError:
    """Why a sandbox run did not complete: the learner's code crashed, hung, exited or misbehaved."""

    kind: str  # exception | timeout | output | exit | processes | sandbox | sandbox-died | missing | result-size
    phase: str | None = None
    type: str | None = None
    message: str = ""
    traceback: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def during_import(self) -> bool:
        """True when the failure happened before the scenario could start (so every scenario fails)."""
        return self.kind == "missing" or (self.phase or "").startswith("import") or self.phase in (None, "contract", "copy")

    def describe(self) -> str:
        """One or two sentences for the learner, plus the last learner frame when there is one."""
        where = f" while {_phase_words(self.phase)}" if self.phase else ""
        limits = self.details.get("limits", {})
        if self.kind == "exception":
            text = f"Your code raised {self.type}{where}: {self.message}"
            if self.type == "SystemExit":
                text = f"Your code called sys.exit(){where}; a module or view must never exit the process"
            elif self.type == "MissingName":
                text = f"{self.message}: define it with the name and signature the task's contract gives"
            elif self.type == "SandboxViolation":
                who = "Your submission" if self.phase == "copy" else "Your code"
                text = f"{who} tried something the grader forbids{where}: {self.message}"
            elif self.type == "UnusableFolder":
                text = f"The grader could not copy your exercise folder: {self.message}"
            elif self.type == "WrongType":
                text = f"{self.message}: return what the task's contract says {_phase_subject(self.phase)} returns"
            elif self.type == "MemoryError":
                text = f"Your code ran out of memory{where} (limit {limits.get('memory_mb', '?')} MB)"
            elif self.type == "OSError" and self.message.startswith(f"[Errno {errno.EFBIG}]"):
                text = (
                    f"Your code wrote a file larger than the grader allows{where} (limit {limits.get('file_mb', '?')} MB "
                    "per file): look for a loop that keeps writing, or write to an in-memory stream"
                )
        elif self.kind == "timeout":
            text = (
                f"Your code did not finish within {limits.get('timeout', '?')} s{where}: "
                "look for an endless loop or a call that waits forever"
            )
        elif self.kind == "output":
            text = f"Your code printed more than {limits.get('output_bytes', 0) // 1024} KiB{where}; remove the flood of print() calls"
        elif self.kind == "exit":
            how = self.details.get("signal") or f"exit code {self.details.get('exit_code')}"
            text = f"Your code ended the process ({how}){where} before the check finished: never call os._exit() or kill the process"
        elif self.kind == "processes":
            count = self.details.get("count", 1)
            text = (
                f"Your code started {count} process{'' if count == 1 else 'es'} by getting around the grader's guard "
                f"(native code); starting processes is not allowed while grading, so the grader killed {'it' if count == 1 else 'them'}"
            )
        elif self.kind == "missing":
            text = self.message
        elif self.kind == "sandbox-died":
            text = "The grader's sandbox stopped unexpectedly while running your code; it was restarted"
        else:
            text = f"The run failed ({self.kind}){where}: {self.message}"
        if self.traceback:
            text += f" [{self.traceback[-1]}]"
        return text + "."


def _phase_words(phase: str) -> str:
    if phase.startswith("import "):
        return f"importing {phase.removeprefix('import ')}"
    if phase.startswith("request "):
        return f"handling {phase.removeprefix('request ')}"
    if phase == "create_app":
        return "running create_app()"
    if phase == "contract":
        return "looking up the contract's names"
    if phase == "copy":
        return "copying your exercise folder"
    return phase


def _phase_subject(phase: str | None) -> str:
    """``create_app()`` for the phase ``create_app``; the function a WrongType failure is about."""
    return f"{phase}()" if phase and phase.isidentifier() else "it"


@dataclass(frozen=True)
class Observation:
    """What one scenario run saw, as plain data."""

    scenario: str
    responses: tuple[HttpExchange, ...] = ()
    metrics: dict[str, str] = field(default_factory=dict)
    logs: tuple[Any, ...] = ()  # lines (str) or captured records (dict), as the driver reports them
    spans: tuple[dict[str, Any], ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    error: LearnerError | None = None

    @classmethod
    def from_outcome(cls, scenario: str, outcome: dict[str, Any]) -> Observation:
        """Build an observation from the sandbox's outcome dict."""
        result = outcome.get("result") or {}
        error = None
        if "error" in outcome:
            raw = dict(outcome["error"])
            details = {k: outcome[k] for k in ("exit_code", "signal") if k in outcome}
            details["limits"] = raw.pop("limits", {})
            if "count" in raw:
                details["count"] = raw.pop("count")
            error = LearnerError(
                kind=raw.get("kind", "exception"),
                phase=raw.get("phase") or outcome.get("phase"),
                type=raw.get("type"),
                message=raw.get("message", ""),
                traceback=tuple(raw.get("traceback", ())),
                details=details,
            )
        return cls(
            scenario=scenario,
            responses=tuple(HttpExchange(**r) for r in result.get("responses", [])),
            metrics=dict(result.get("metrics", {})),
            logs=tuple(result.get("logs", [])),
            spans=tuple(result.get("spans", [])),
            values=dict(result.get("values", {})),
            output=outcome.get("output", ""),
            error=error,
        )

    def response(self, method: str, path: str, *, app: int = 0, nth: int = -1) -> HttpExchange:
        """The ``nth`` response to ``method path`` (the last by default)."""
        matches = [r for r in self.responses if r.method == method and r.path == path and r.app == app]
        return matches[nth]
