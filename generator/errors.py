"""One error type for everything a user can fix: where it is, and what to do."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """A problem found in a source file: an error stops the build, a warning does not.

    `line` is counted in the whole file, from 1; 0 means the file as a whole.
    """

    path: Path
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        kind = "warning: " if self.warning else ""
        return f"{where}: {kind}{self.message}"


class SiteError(Exception):
    """Raised when a build cannot go on; carries every problem found, not only the first
    (the warnings of the run too, so they are not lost with the build)."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(sorted(problems))
        super().__init__(self.problems)  # the only argument, so it survives pickling

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def error(path: Path, line: int, message: str) -> Problem:
    return Problem(path, line, message)


def warning(path: Path, line: int, message: str) -> Problem:
    return Problem(path, line, message, warning=True)


def raise_if_errors(problems: list[Problem]) -> None:
    if any(not p.warning for p in problems):
        raise SiteError(problems)
