"""Errors the engine raises. Each message says what was wrong and what to send instead."""

from __future__ import annotations


class MigrationManagerError(Exception):
    """Base class: the message is meant for the person (or model) who sent the input."""


class InputError(MigrationManagerError):
    """The request itself is malformed: unknown operation, missing field, bad JSON."""


class SqlParseError(InputError):
    """SQL that PostgreSQL's own parser rejects, with the position it stopped at."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.line = line
        self.column = column


class UnsupportedStatement(InputError):
    """Valid SQL that is not a schema change this tool plans."""


class PlanningError(MigrationManagerError):
    """The change cannot be done safely as asked (e.g. NOT NULL without a value on a populated table)."""


class DatabaseError(MigrationManagerError):
    """The database could not be reached or refused: the message says which and what to try."""
