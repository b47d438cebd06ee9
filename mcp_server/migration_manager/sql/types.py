"""Type names: reject what PostgreSQL does not have, with the type to use instead."""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError

from ..errors import InputError, SqlParseError
from ..knowledge.postgres import FOREIGN_TYPES


def type_name_of(sql_type: str) -> tuple[str, ...]:
    """The dotted name of a type as the parser reads it ('varchar(20)' -> ('pg_catalog', 'varchar'))."""
    try:
        stmt = parse_sql(f"SELECT NULL::{sql_type}")
    except ParseError as exc:
        raise SqlParseError(f"{sql_type!r} is not a valid type ({exc})") from exc
    if len(stmt) != 1:
        raise SqlParseError(f"{sql_type!r} is not a single type")
    select: Any = stmt[0].stmt
    target: Any = select.targetList[0].val
    if not isinstance(target, ast.TypeCast):
        raise SqlParseError(f"{sql_type!r} is not a type")
    type_name: Any = target.typeName
    return tuple(n.sval.lower() for n in type_name.names)


def check_type(sql_type: str, where: str) -> None:
    """Raise InputError for a type from another database (datetime, tinyint, nvarchar...)."""
    try:
        names = type_name_of(sql_type)
    except SqlParseError as exc:
        raise SqlParseError(f"{where}: {exc}") from exc
    if len(names) == 1 and names[0] in FOREIGN_TYPES:
        raise InputError(f"{where}: PostgreSQL has no type {names[0]!r}; use {FOREIGN_TYPES[names[0]]} instead")
