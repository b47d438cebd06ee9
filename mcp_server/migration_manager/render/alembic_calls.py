"""Alembic's op calls for the statements idioms.read_call recognises.

`alembic_call(sql)` gives the Python statement (op.add_column, op.create_index with
postgresql_concurrently and if_not_exists, op.create_foreign_key with postgresql_not_valid...)
or None: the template then runs the SQL with op.execute. Types map onto SQLAlchemy's generic
types where one renders the same PostgreSQL type; any other type keeps the SQL.
The if_exists / if_not_exists arguments need Alembic 1.16 or later.
"""

from __future__ import annotations

import re

from . import idioms

_BIND = re.compile(r"(?<![:\w\\]):(?=\w)")  # what sa.text() would take for a bind parameter


def sqltext(sql: str, indent: int = 0) -> str:
    """A Python literal for sa.text(): colons escaped, triple-quoted (raw) when multi-line."""
    escaped = _BIND.sub(r"\\:", sql.rstrip().rstrip(";"))
    if "\n" not in escaped or '"""' in escaped or escaped.endswith("\\"):
        return repr(escaped)
    return 'r"""\n' + escaped + "\n" + " " * indent + '"""'


_SIMPLE = {
    "text": "sa.Text()",
    "integer": "sa.Integer()",
    "int": "sa.Integer()",
    "bigint": "sa.BigInteger()",
    "smallint": "sa.SmallInteger()",
    "boolean": "sa.Boolean()",
    "uuid": "sa.Uuid()",
    "date": "sa.Date()",
    "json": "sa.JSON()",
    "jsonb": "postgresql.JSONB()",
    "bytea": "sa.LargeBinary()",
    "double precision": "sa.Double()",
    "timestamptz": "sa.DateTime(timezone=True)",
    "timestamp with time zone": "sa.DateTime(timezone=True)",
    "timestamp": "sa.DateTime()",
    "timestamp without time zone": "sa.DateTime()",
}


def sa_type(sql_type: str) -> str | None:
    """The SQLAlchemy type that renders `sql_type` on PostgreSQL, or None."""
    if sql_type in _SIMPLE:
        return _SIMPLE[sql_type]
    if m := re.fullmatch(r"varchar\((\d+)\)", sql_type):
        return f"sa.String({m[1]})"
    if m := re.fullmatch(r"numeric\((\d+), (\d+)\)", sql_type):
        return f"sa.Numeric({m[1]}, {m[2]})"
    return None


def _args(*positional: str, **keywords: str | None) -> list[str]:
    return list(positional) + [f"{k}={v}" for k, v in keywords.items() if v is not None]


def _call(function: str, args: list[str], indent: int) -> str:
    """`function(a, b)` on one line when it fits in 100 columns, else one argument per line."""
    line = f"{function}({', '.join(args)})"
    if indent + len(line) <= 100 and "\n" not in line:
        return line
    pad = " " * (indent + 4)
    return f"{function}(\n" + "".join(f"{pad}{a},\n" for a in args) + " " * indent + ")"


def _schema(table: idioms.Table) -> str | None:
    return repr(table.schema) if table.schema else None


def _true(flag: bool) -> str | None:
    return "True" if flag else None


def alembic_call(sql: str, indent: int = 0) -> str | None:
    """The op call for `sql`, formatted for a body indented by `indent` columns, or None."""
    call = idioms.read_call(sql)
    match call:
        case idioms.AddColumn(table, column, type_, default, not_null, if_not_exists):
            sa = sa_type(type_)
            if sa is None:
                return None
            server_default = f"sa.text({sqltext(default)})" if default is not None else None
            col_args = _args(repr(column), sa, server_default=server_default, nullable=_false(not_null))
            col = f"sa.Column({', '.join(col_args)})"
            args = _args(repr(table.name), col, schema=_schema(table), if_not_exists=_true(if_not_exists))
            return _call("op.add_column", args, indent)
        case idioms.DropColumn(table, column, if_exists):
            args = _args(repr(table.name), repr(column), schema=_schema(table), if_exists=_true(if_exists))
            return _call("op.drop_column", args, indent)
        case idioms.RenameColumn(table, column, new_name):
            args = _args(repr(table.name), repr(column), new_column_name=repr(new_name), schema=_schema(table))
            return _call("op.alter_column", args, indent)
        case idioms.SetNullable(table, column, nullable):
            args = _args(repr(table.name), repr(column), nullable=repr(nullable), schema=_schema(table))
            return _call("op.alter_column", args, indent)
        case idioms.SetDefault(table, column, default):
            value = f"sa.text({sqltext(default)})" if default is not None else "None"
            return _call(
                "op.alter_column",
                _args(repr(table.name), repr(column), server_default=value, schema=_schema(table)),
                indent,
            )
        case idioms.ChangeType(table, column, type_):
            sa = sa_type(type_)
            if sa is None:
                return None
            return _call(
                "op.alter_column", _args(repr(table.name), repr(column), type_=sa, schema=_schema(table)), indent
            )
        case idioms.CreateIndex(table, name, elements, unique, method, where, concurrently, if_not_exists):
            cols = ", ".join(
                repr(e.column) if e.column else f"sa.text({sqltext(e.expression or '')})" for e in elements
            )
            args = _args(
                repr(name),
                repr(table.name),
                f"[{cols}]",
                unique=_true(unique),
                schema=_schema(table),
                postgresql_using=repr(method) if method else None,
                postgresql_where=f"sa.text({sqltext(where)})" if where else None,
                postgresql_concurrently=_true(concurrently),
                if_not_exists=_true(if_not_exists),
            )
            return _call("op.create_index", args, indent)
        case idioms.DropIndex(schema, name, concurrently, if_exists):
            args = _args(
                repr(name),
                schema=repr(schema) if schema else None,
                postgresql_concurrently=_true(concurrently),
                if_exists=_true(if_exists),
            )
            return _call("op.drop_index", args, indent)
        case idioms.AddForeignKey(table, name, columns, ref, ref_columns, on_delete, on_update, not_valid):
            args = _args(
                repr(name),
                repr(table.name),
                repr(ref.name),
                repr(list(columns)),
                repr(list(ref_columns)),
                source_schema=_schema(table),
                referent_schema=_schema(ref),
                ondelete=repr(on_delete.upper()) if on_delete else None,
                onupdate=repr(on_update.upper()) if on_update else None,
                postgresql_not_valid=_true(not_valid),
            )
            return _call("op.create_foreign_key", args, indent)
        case idioms.AddCheck(table, name, expression, not_valid):
            args = _args(
                repr(name),
                repr(table.name),
                f"sa.text({sqltext(expression)})",
                schema=_schema(table),
                postgresql_not_valid=_true(not_valid),
            )
            return _call("op.create_check_constraint", args, indent)
        case idioms.DropConstraint(table, name, if_exists):
            args = _args(repr(name), repr(table.name), schema=_schema(table), if_exists=_true(if_exists))
            return _call("op.drop_constraint", args, indent)
        case idioms.RenameTable(table, new_name):
            return _call("op.rename_table", _args(repr(table.name), repr(new_name), schema=_schema(table)), indent)
        case idioms.DropTable(table, if_exists):
            return _call(
                "op.drop_table", _args(repr(table.name), schema=_schema(table), if_exists=_true(if_exists)), indent
            )
    return None  # ValidateConstraint and the rest: Alembic has no construct, op.execute runs it


def _false(not_null: bool) -> str | None:
    return "False" if not_null else None


def _element(element: idioms.IndexElement) -> str:
    return repr(element.column) if element.column else f"sa.text({sqltext(element.expression or '')})"
