"""Small readers of pglast nodes that the rules and the schema share."""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import ConstrType, NullTestType
from pglast.stream import RawStream

from ..knowledge.postgres import normalize_type


def sql_of(node: Any) -> str:
    return str(RawStream()(node))


def table_key(rv: Any) -> str:
    """schema.table as written, or table: the same spelling the schema tracker uses."""
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname


def column_type(type_name: Any) -> str:
    return normalize_type(sql_of(type_name).removeprefix("pg_catalog."))


def is_not_null_check(constraint: Any) -> str | None:
    """The column of a CHECK (column IS NOT NULL) constraint, else None."""
    if not isinstance(constraint, ast.Constraint) or constraint.contype != ConstrType.CONSTR_CHECK:
        return None
    expr: Any = constraint.raw_expr
    if not isinstance(expr, ast.NullTest) or expr.nulltesttype != NullTestType.IS_NOT_NULL:
        return None
    arg: Any = expr.arg
    fields: Any = arg.fields if isinstance(arg, ast.ColumnRef) else ()
    if len(fields) == 1 and isinstance(fields[0], ast.String):
        return str(fields[0].sval)
    return None


def function_names(node: Any) -> set[str]:
    """Names of the functions an expression calls (lower case, schema dropped), NEXTVAL included."""
    found: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, ast.FuncCall):
            name: Any = n.funcname
            found.add(str(name[-1].sval).lower())
        if isinstance(n, ast.Node):
            for name in n:
                walk(getattr(n, name))
        elif isinstance(n, tuple):
            for item in n:
                walk(item)

    walk(node)
    return found
