"""Point an index or constraint definition read from the catalog at another column of its table.

A type change builds the new column's indexes and constraints beside the old ones, so each
definition (pg_get_indexdef, pg_get_constraintdef) is parsed with PostgreSQL's own parser, every
reference to the old column (key, expression, predicate, INCLUDE, an FK's own columns; never the
columns it references in another table) is renamed, and the statement is printed again.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream

from ..errors import SqlParseError


def _rename(node: Any, old: str, new: str) -> None:
    """Rename references to column `old` in place, below `node`."""
    if isinstance(node, tuple | list):
        for item in node:
            _rename(item, old, new)
        return
    if not isinstance(node, ast.Node):
        return
    if isinstance(node, ast.IndexElem) and node.name == old:
        node.name = new
    if isinstance(node, ast.ColumnRef) and node.fields:
        last = node.fields[-1]
        if isinstance(last, ast.String) and last.sval == old:
            node.fields = (*node.fields[:-1], ast.String(sval=new))
    if isinstance(node, ast.Constraint):
        for attr in ("keys", "fk_attrs", "including"):
            names = getattr(node, attr, None)
            if names:
                setattr(node, attr, tuple(ast.String(sval=new) if n.sval == old else n for n in names))
    for attr in node:
        if isinstance(node, ast.Constraint) and attr in ("pk_attrs", "pktable", "keys", "fk_attrs", "including"):
            continue  # the referenced side belongs to another table; the lists are done above
        _rename(getattr(node, attr), old, new)


def _parse_one(sql: str, what: str) -> Any:
    try:
        stmts = parse_sql(sql)
    except ParseError as exc:
        raise SqlParseError(f"{what}: cannot parse {sql!r} ({exc})") from exc
    return stmts[0].stmt


def index_on_column(definition: str, old: str, new: str, name: str, *, concurrently: bool) -> str:
    """CREATE INDEX statement: `definition` with `old` read as `new`, named `name`, IF NOT EXISTS."""
    stmt = _parse_one(definition, "index definition")
    if not isinstance(stmt, ast.IndexStmt):
        raise SqlParseError(f"not an index definition: {definition!r}")
    _rename(stmt.indexParams, old, new)
    _rename(stmt.indexIncludingParams, old, new)
    _rename(stmt.whereClause, old, new)
    stmt.idxname = name
    stmt.concurrent = concurrently
    stmt.if_not_exists = True
    return str(RawStream()(stmt))


def constraint_on_column(
    table_sql: str, definition: str, old: str, new: str, name: str, *, not_valid: bool, referenced: bool = False
) -> str:
    """ALTER TABLE ... ADD CONSTRAINT name <definition with old read as new> [NOT VALID]. With `referenced`,
    `old` is a column the foreign key references (in the other table) and only that side is renamed."""
    stmt = _parse_one(f"ALTER TABLE {table_sql} ADD CONSTRAINT mm {definition}", "constraint definition")
    constraint = stmt.cmds[0].def_
    if referenced:
        constraint.pk_attrs = tuple(ast.String(sval=new) if n.sval == old else n for n in constraint.pk_attrs or ())
    else:
        _rename(constraint, old, new)
    constraint.conname = name
    if not_valid:
        constraint.skip_validation = True
        constraint.initially_valid = False
    return str(RawStream()(stmt))
