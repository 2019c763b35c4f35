"""The error hierarchy; only the CLI catches these and turns them into exit codes."""

from __future__ import annotations


class PteCheckError(Exception):
    """Base of every error pte-check raises on purpose."""


class InputError(PteCheckError):
    """The input cannot be read as a patch; names the file and line at fault."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class UsageError(PteCheckError):
    """The command line asks for something that cannot be done."""


class LoweringError(PteCheckError):
    """A C construct the lowering does not know (raised only in strict mode)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")
