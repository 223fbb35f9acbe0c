"""Problems found in content or in a built site, and the one exception that carries them.

Every message a user sees has the form `path:line: field: message`, so editors and CI logs
can jump to it. A `SiteError` becomes exit status 1 in the CLI; any other exception is a bug.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) at a place in a file."""

    path: str
    line: int | None
    field: str | None
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        where = f"{place}: {self.field}" if self.field else place
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"


def problem(path: Path | str, line: int | None, field: str | None, message: str) -> Problem:
    return Problem(display_path(path), line, field, message, ERROR)


def warning(path: Path | str, line: int | None, field: str | None, message: str) -> Problem:
    return Problem(display_path(path), line, field, message, WARNING)


def display_path(path: Path | str) -> str:
    """A path as the user typed it: relative to the working directory when it is below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


class SiteError(Exception):
    """Raised with every problem found; the CLI prints them and exits 1."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(Exception):
    """Wrong command-line usage that argparse cannot see; the CLI exits 2."""
