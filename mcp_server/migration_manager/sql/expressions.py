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


class _RenameColumn(Visitor):
    """Every reference to column `old` of the one table a statement is about becomes `new`: column
    references (bare or qualified), index elements (keys and INCLUDE) and FOREIGN KEY column lists."""

    def __init__(self, old: str, new: str, referenced: bool) -> None:
        super().__init__()
        self.old, self.new, self.referenced = old, new, referenced

    def _renamed(self, names: Any) -> Any:
        return tuple(
            ast.String(sval=self.new) if isinstance(a, ast.String) and a.sval == self.old else a for a in names
        )

    def visit_ColumnRef(self, ancestors: object, node: Any) -> None:
        if self.referenced:
            return
        last = node.fields[-1]
        if isinstance(last, ast.String) and last.sval == self.old:
            node.fields = (*node.fields[:-1], ast.String(sval=self.new))

    def visit_IndexElem(self, ancestors: object, node: Any) -> None:
        if node.name == self.old and not self.referenced:
            node.name = self.new

    def visit_Constraint(self, ancestors: object, node: Any) -> None:
        if self.referenced and node.pk_attrs:
            node.pk_attrs = self._renamed(node.pk_attrs)
        elif not self.referenced and node.fk_attrs:
            node.fk_attrs = self._renamed(node.fk_attrs)


def rename_column_in(statement: str, old: str, new: str, *, referenced: bool = False, **changes: Any) -> str:
    """`statement` (one CREATE INDEX or ALTER TABLE ... ADD CONSTRAINT, as the catalog writes them) with
    every reference to column `old` made a reference to `new`, deparsed by PostgreSQL's own grammar.

    `changes` sets attributes of the statement node first (idxname, concurrent, if_not_exists of an
    index). Only for statements on a single table: a column of another table with the same name would
    be renamed too. referenced=True: only the referenced columns of a FOREIGN KEY (`old` is a column of
    the table it references)."""
    from pglast.stream import RawStream

    try:
        (raw,) = parse_sql(statement)
    except (ParseError, ValueError) as exc:
        raise SqlParseError(f"cannot rewrite {statement!r}: {exc}") from exc
    node: Any = raw.stmt
    for key, value in changes.items():
        setattr(node, key, value)
    _RenameColumn(old, new, referenced)(node)
    return str(RawStream()(node))
