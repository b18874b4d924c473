"""Errors that end a command with a one-line message instead of a traceback."""


class UsageError(Exception):
    """Bad input from the person at the keyboard: shown as one line, exit code 2."""


class GraderError(RuntimeError):
    """The grader could not run its checks: a problem with the course or the machine, not the submission."""
