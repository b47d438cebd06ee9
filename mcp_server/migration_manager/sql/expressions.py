"""Small questions about SQL expressions, answered by PostgreSQL's own parser (pglast)."""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.visitors import Visitor

from ..errors import SqlParseError


class _Functions(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.sql_value_functions = False

    def visit_FuncCall(self, ancestors: object, node: Any) -> None:
        self.names.add(node.funcname[-1].sval.lower())

    def visit_SQLValueFunction(self, ancestors: object, node: Any) -> None:
        self.sql_value_functions = True


def function_names(expression: str) -> set[str]:
    """Names of the functions an expression calls ('nextval', 'gen_random_uuid', ...)."""
    try:
        statement: Any = parse_sql(f"SELECT {expression}")[0].stmt
    except ParseError as exc:
        raise SqlParseError(f"invalid SQL expression {expression!r}: {exc}") from exc
    visitor = _Functions()
    visitor(statement)
    return visitor.names


def check_expression(expression: str, what: str) -> None:
    """Raise SqlParseError naming `what` when the expression does not parse on its own."""
    try:
        stmts = parse_sql(f"SELECT {expression}")
    except ParseError as exc:
        raise SqlParseError(f"{what}: {expression!r} is not a valid SQL expression ({exc})") from exc
    if len(stmts) != 1:
        raise SqlParseError(f"{what}: {expression!r} must be one expression, not several statements")


class _Qualify(Visitor):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def visit_ColumnRef(self, ancestors: object, node: Any) -> None:
        if len(node.fields) == 1 and isinstance(node.fields[0], ast.String):
            node.fields = (ast.String(sval=self.prefix), node.fields[0])


def qualify_columns(expression: str, prefix: str) -> str:
    """Rewrite bare column references: 'amount * 100' -> 'new.amount * 100' (for trigger bodies)."""
    from pglast.stream import RawStream

    try:
        statement: Any = parse_sql(f"SELECT {expression}")[0].stmt
    except ParseError as exc:
        raise SqlParseError(f"invalid SQL expression {expression!r}: {exc}") from exc
    _Qualify(prefix)(statement)
    return str(RawStream()(statement.targetList[0].val))
