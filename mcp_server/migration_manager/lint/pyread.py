"""What the readers of Python migrations (read_alembic.py, read_django.py) share: the pieces of SQL
they hand the linter, the notes on what they could not read, and the few helpers that read
Python's syntax tree without running it (no project module is ever imported)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pglast.keywords import RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

Framework = Literal["alembic", "django", "liquibase", "rails"]


@dataclass
class Piece:
    """SQL that one call of a migration sends, and the line of that call."""

    sql: str  # what the parser reads (bind parameters replaced, see bindless)
    line: int  # 1-based line of the call (of the string, for SQL written out)
    in_transaction: bool  # the framework runs it inside a transaction block
    shown: str | None = None  # the SQL as written, when `sql` differs from it
    written: bool = False  # SQL written out in the file (op.execute, RunSQL), not built from a call
    column: int = 1  # 1-based column of the call (SQL written out: of the string literal, quotes and prefix included)
    ignored: frozenset[str] = frozenset()  # rules a `# migration-manager: ignore` comment switches off
    lock_timeout: bool = False  # the framework sets a lock_timeout around it (Rails: with_lock_retries)
    # the part of its file that runs as a migration of its own ("changeSet 1::alice": Liquibase runs
    # each changeSet on its own, perhaps years after the one before); "": the whole file is one
    unit: str = ""


@dataclass
class Read:
    """A Python file as the linter sees it: its framework (None: not a migration lint reads),
    the SQL of its up direction, and what could not be read, as "line: reason"."""

    framework: Framework | None
    pieces: list[Piece]
    skipped: list[str]
    # tables created by earlier files that this one takes as new (a squashed Django migration's)
    fresh: frozenset[str] = frozenset()


class Unknown(Exception):
    """A value that only running the code would give (a variable, a call)."""


def literal(node: ast.AST | None) -> Any:
    """A constant, a list / tuple / dict of constants, or a negative number; else Unknown."""
    if node is None:
        raise Unknown
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Unknown from None


def dotted(node: ast.AST) -> str:
    """`sa.Column` of sa.Column, `migrations.AddField` of migrations.AddField(...): the callee's name."""
    if isinstance(node, ast.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def last(node: ast.AST) -> str:
    """The callee's last name: `Column` of sa.Column(...)."""
    return dotted(node).rsplit(".", 1)[-1]


def arg(call: ast.Call, position: int, name: str) -> ast.expr | None:
    """The argument given at `position` or as `name=`."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return call.args[position] if position < len(call.args) else None


def given(call: ast.Call | None, position: int, name: str, default: Any = None) -> Any:
    """The literal value of an argument, or `default` when it is not given; Unknown when computed."""
    node = arg(call, position, name) if call is not None else None
    return default if node is None else literal(node)


def has_starred(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(kw.arg is None for kw in call.keywords)


_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")
_RESERVED = frozenset(RESERVED_KEYWORDS) | frozenset(TYPE_FUNC_NAME_KEYWORDS)


def ident(name: str) -> str:
    """A name as SQL: bare when PostgreSQL reads it back unchanged, else double-quoted."""
    if _PLAIN.fullmatch(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(name: str, schema: str | None = None) -> str:
    return f"{ident(schema)}.{ident(name)}" if schema else ident(name)


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# quoted strings, quoted names, comments and casts are stepped over; `:name` is a bind parameter
_BINDS = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\$\w*\$.*?\$\w*\$|::|(?<![\w\\]):(\w+)|%\((\w+)\)s|%s",
    re.DOTALL,
)


def bindless(sql: str) -> str:
    """The SQL with each bind parameter (SQLAlchemy's `:name`, DB-API's `%s` and `%(name)s`)
    replaced by `$1` padded to the same length, so the parser reads it and every position (of
    a finding, of the statement shown) is the same as in the SQL as written."""

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if m.group(1) is None and m.group(2) is None and token != "%s":
            return token
        return "$1".ljust(len(token))

    return _BINDS.sub(swap, sql)


_IGNORE = re.compile(r"#\s*migration-manager:\s*ignore\s+([\w\-, ]+)", re.IGNORECASE)


def suppressions(text: str) -> Callable[[int], frozenset[str]]:
    """The rules switched off for a call at a line: by `# migration-manager: ignore <rule>[, <rule>]`
    (or `all`) at the end of that line or on the comment lines right above it."""
    if "migration-manager" not in text:
        return lambda line: frozenset()
    lines = text.splitlines()

    def rules(number: int) -> set[str]:
        m = _IGNORE.search(lines[number - 1]) if 0 < number <= len(lines) else None
        return {r.strip() for r in re.split(r"[,\s]+", m.group(1)) if r.strip()} if m else set()

    def at(line: int) -> frozenset[str]:
        found = rules(line)
        above = line - 1
        while 0 < above <= len(lines) and lines[above - 1].lstrip().startswith("#"):
            found |= rules(above)
            above -= 1
        return frozenset(found)

    return at
