"""Readers of libpg_query's JSON parse trees, as the rules and the schema tracker see them.

The linter reads each statement's tree as the plain dicts json.loads makes of
pglast.parser.parse_sql_json: building pglast's node objects validates every attribute and
cost five times the rest of linting. The JSON spells fields as the C structs do (`def`, not
pglast's `def_`), leaves out false, zero and empty fields, and writes enums as their names.
A field typed as a node is wrapped in its node name ({"ColumnDef": {...}}); a field typed as a
particular struct (a RangeVar relation, a TypeName) is not.

The rare reader that needs SQL text back (a CHECK expression for a message, an unusual type)
parses the statement again with pglast and deparses the node at the same location.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..knowledge.postgres import normalize_type

Tree = dict[str, Any]


def unwrap(wrapped: Tree | None) -> tuple[str, Tree]:
    """("AlterTableStmt", {...}) of {"AlterTableStmt": {...}}; ("", {}) of nothing."""
    if wrapped:
        for kind, body in wrapped.items():
            return kind, body
    return "", {}


def bodies(items: list[Tree] | None, kind: str) -> Iterator[Tree]:
    """The bodies of the items of a node list that are `kind` nodes."""
    for item in items or ():
        body = item.get(kind)
        if body is not None:
            yield body


def strings(items: list[Tree] | None) -> list[str]:
    """The values of a list of String nodes (a qualified name)."""
    return [s.get("sval", "") for s in bodies(items, "String")]


def object_name(wrapped: Tree) -> str:
    """A DROP object's dotted name: a List of Strings, or one String."""
    kind, body = unwrap(wrapped)
    if kind == "List":
        return ".".join(strings(body.get("items")))
    if kind == "String":
        return str(body.get("sval", ""))
    return ""


def table_key(range_var: Tree) -> str:
    """schema.table as written, or table: the spelling the schema tracker keys tables by."""
    schema, name = range_var.get("schemaname"), range_var.get("relname", "")
    return f"{schema}.{name}" if schema else name


def constant(wrapped: Tree) -> str:
    """The value of an A_Const as text (a string, or a number); "" for anything else."""
    kind, body = unwrap(wrapped)
    if kind != "A_Const":
        return ""
    for field in ("sval", "ival", "fval", "boolval"):
        if field in body:
            value = body[field]
            return str(value.get(field, 0 if field == "ival" else ""))
    return ""


_INTERNAL = {
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "bpchar": "char",
}


def column_type(type_name: Tree, text: str) -> str:
    """The type as PostgreSQL reports it (`text`: the statement, for the rare type that must be
    deparsed: an interval with fields, a timestamp with a precision, an array, a quoted name)."""
    names = strings(type_name.get("names"))
    mods = type_name.get("typmods") or ()
    ints = [m["A_Const"]["ival"].get("ival", 0) for m in mods if "ival" in m.get("A_Const", {})]
    simple = (len(names) == 1 or (len(names) == 2 and names[0] == "pg_catalog")) and not type_name.get("arrayBounds")
    if simple and not type_name.get("setof") and len(ints) == len(mods):
        base = _INTERNAL.get(names[-1], names[-1]) if len(names) == 2 else names[-1]
        if not (mods and base in ("timestamp", "timestamptz", "time", "timetz", "interval")):
            return normalize_type(base + (f"({','.join(str(i) for i in ints)})" if mods else ""))
    return normalize_type(deparse(text, "TypeName", type_name).removeprefix("pg_catalog."))


def deparse(text: str, kind: str, body: Tree) -> str:
    """SQL for the `kind` node `body` of the statement `text`: pglast parses the statement and
    prints its node of that kind at the same location."""
    from pglast import ast, parse_sql
    from pglast.stream import RawStream
    from pglast.visitors import Visitor

    location = body.get("location", -1)
    if location > 0:  # the JSON counts bytes, pglast's nodes characters
        location = len(text.encode("utf-8")[:location].decode("utf-8", "ignore"))
    cls = getattr(ast, kind)
    found: list[Any] = []

    class Find(Visitor):
        def visit(self, ancestors: Any, node: Any) -> None:
            if not found and isinstance(node, cls) and getattr(node, "location", None) == location:
                found.append(node)

    Find()(parse_sql(text))
    return str(RawStream()(found[0])) if found else ""


def is_not_null_check(constraint: Tree) -> str | None:
    """The column of a CHECK (column IS NOT NULL) constraint body, else None."""
    if constraint.get("contype") != "CONSTR_CHECK":
        return None
    kind, expr = unwrap(constraint.get("raw_expr"))
    if kind != "NullTest" or expr.get("nulltesttype") != "IS_NOT_NULL":
        return None
    arg_kind, arg = unwrap(expr.get("arg"))
    names = strings(arg.get("fields")) if arg_kind == "ColumnRef" else []
    return names[0] if len(names) == 1 and len(arg.get("fields", ())) == 1 else None


def function_names(tree: Any) -> set[str]:
    """Names of the functions an expression calls (lower case, schema dropped), NEXTVAL included."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is not None:
                names = strings(call.get("funcname"))
                if names:
                    found.add(names[-1].lower())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def has_option(options: list[Tree] | None, name: str) -> bool:
    """Whether a list of DefElem options names `name` (VACUUM (FULL), REINDEX (CONCURRENTLY))."""
    return any(o.get("defname") == name for o in bodies(options, "DefElem"))
