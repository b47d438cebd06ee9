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


_INTERNAL = {
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "bpchar": "char",
    "timestamptz": "timestamptz",
    "varchar": "varchar",
    "numeric": "numeric",
}


def column_type(type_name: Any) -> str:
    """The type as PostgreSQL reports it; built from the parse tree for the common shapes (a
    deparse costs more than the rest of a statement's lint), deparsed otherwise."""
    names = [n.sval for n in type_name.names or ()]
    mods = type_name.typmods or ()
    plain = len(names) in (1, 2) and (len(names) == 1 or names[0] == "pg_catalog") and not type_name.arrayBounds
    if (
        plain
        and not type_name.setof
        and all(isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer) for m in mods)
    ):
        base = _INTERNAL.get(names[-1], names[-1]) if len(names) == 2 else names[-1]
        args = f"({','.join(str(m.val.ival) for m in mods)})" if mods else ""
        if base in ("timestamp", "timestamptz", "time", "timetz", "interval") and mods:
            return normalize_type(sql_of(type_name).removeprefix("pg_catalog."))
        return normalize_type(base + args)
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
