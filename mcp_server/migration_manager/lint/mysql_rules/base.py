"""A MariaDB / MySQL lint rule: the same shape as the PostgreSQL ones (rules/base.py), over
sqlglot's MySQL parse trees, with examples measured on MariaDB by tests/test_mysql_lint.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import Severity
from ..rules.base import Hit


@dataclass
class MyContext:
    node: Any
    text: str
    path: str
    new_tables: set[str]  # created earlier in this file
    lock_wait_set: bool
    ddl_before: int  # DDL statements earlier in this file


@dataclass(frozen=True)
class MyExample:
    sql: str
    flagged: bool
    rebuilds: bool | None = None  # measured: the InnoDB table id of `orders` changes
    partial: bool = False  # measured: the file fails midway and its first change stays applied
    measured: bool = True


@dataclass(frozen=True)
class MyRule:
    id: str
    severity: Severity
    summary: str
    why: str
    check: Callable[[MyContext], Iterable[Hit]]
    examples: tuple[MyExample, ...] = field(default_factory=tuple)
