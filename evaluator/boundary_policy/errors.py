"""Errors that point at where the offending object is written."""

from __future__ import annotations


class LocatedError(Exception):
    """A problem with a file and (when known) a line, e.g. a template Gatekeeper would refuse."""

    def __init__(self, message: str, file: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"
