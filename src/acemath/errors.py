"""Errors that reach users. Each names what to fix: the file, the line and the field where known."""

from __future__ import annotations


class AceMathError(Exception):
    """Base class: the CLI prints these as one clear line instead of a traceback."""


class InputError(AceMathError):
    """Bad input data: names the file, line (1-based) and field."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        where = []
        if path is not None:
            where.append(str(path) if line is None else f"{path}:{line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.path, self.line, self.field = path, line, field


class ConfigError(AceMathError):
    """A bad recipe/config value or an unknown key."""


class UnknownNameError(AceMathError, KeyError):
    """An unknown registry name; the message suggests the nearest known names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
