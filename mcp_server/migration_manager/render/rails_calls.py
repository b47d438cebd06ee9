"""ActiveRecord 6.1+ schema statements for the statements idioms.read_call recognises.

`RailsCalls(plan).call(sql)` gives the Ruby line (add_column, add_index ... algorithm:
:concurrently, add_foreign_key ... validate: false, validate_foreign_key, add_check_constraint ...
validate: false ...) or None, and the template runs the SQL with `execute`. Predicates and defaults
pass through as SQL (`where: "..."`, `default: -> { "..." }`), so nothing is re-quoted by Rails,
except add_column's constant defaults that Rails writes back unchanged (rb_default). Left as SQL on
purpose: type changes (change_column may add clauses of its own), DROP CONSTRAINT IF EXISTS (6.1 has
no if_exists for constraints), a DROP INDEX whose table the plan does not name, composite foreign
keys (7.1+), ON DELETE SET DEFAULT, a CHECK whose name needs quoting (6.1 writes
add_check_constraint's name unquoted: "Accounts_Id_not_null" would become accounts_id_not_null, and
the next migration's guard would not find it), and RENAME COLUMN: rename_column also renames every
index named the Rails way after the column (index_orders_on_amount becomes
index_orders_on_amount_old), which the plan's statement does not and its later statements, naming
the indexes, do not expect.
"""

from __future__ import annotations

import re

from ..ident import quote_ident
from ..model import Plan
from . import idioms

_SYMBOL = re.compile(r"[a-z_][a-z0-9_]*")
_TYPES = {
    "text": ":text",
    "integer": ":integer",
    "int": ":integer",
    "bigint": ":bigint",
    "boolean": ":boolean",
    "uuid": ":uuid",
    "date": ":date",
    "json": ":json",
    "jsonb": ":jsonb",
    "bytea": ":binary",
    "timestamp": ":datetime",
    "timestamp without time zone": ":datetime",
    "inet": ":inet",
    "interval": ":interval",
}
_FK_ACTIONS = {"cascade": ":cascade", "set null": ":nullify", "restrict": ":restrict"}


def rb_str(text: str) -> str:
    """A single-quoted Ruby string: only \\ and ' are special inside it."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def rb_name(name: str) -> str:
    return f":{name}" if _SYMBOL.fullmatch(name) else rb_str(name)


def rb_table(table: idioms.Table) -> str | None:
    """Rails splits a table name on its dot into schema and table."""
    if "." in table.name or (table.schema and "." in table.schema):
        return None
    return rb_str(f"{table.schema}.{table.name}") if table.schema else rb_name(table.name)


def rb_type(sql_type: str) -> tuple[str, list[str]] | None:
    """(Rails type, its options); None when only the SQL spelling will do."""
    if sql_type in _TYPES:
        return _TYPES[sql_type], []
    if m := re.fullmatch(r"varchar\((\d+)\)", sql_type):
        return ":string", [f"limit: {m[1]}"]
    if m := re.fullmatch(r"numeric\((\d+), (\d+)\)", sql_type):
        return ":decimal", [f"precision: {m[1]}", f"scale: {m[2]}"]
    return None


_SQL_STRING = re.compile(r"'((?:[^']|'')*)'")
_LITERAL_KINDS = {
    ":text": "string",
    ":string": "string",
    ":integer": "integer",
    ":bigint": "integer",
    ":boolean": "bool",
}


def rb_default(default: str, kind: str) -> str:
    """`default: ...` for add_column: a Ruby literal for a constant that ActiveRecord writes back as the
    same SQL (a string for text and varchar, an integer, true or false), else the SQL in a lambda (now(),
    casts, anything Rails would re-serialize: a string for jsonb is JSON-encoded). strong_migrations
    stops a lambda default (add_column_default_callable), not a literal."""
    literal = None
    match _LITERAL_KINDS.get(kind):
        case "string" if m := _SQL_STRING.fullmatch(default):
            literal = rb_str(m[1].replace("''", "'"))
        case "integer" if re.fullmatch(r"-?[1-9]\d{0,17}|0", default):
            literal = default
        case "bool" if default.lower() in ("true", "false"):
            literal = default.lower()
    return f"default: {literal}" if literal is not None else f"default: -> {{ {rb_str(default)} }}"


def _line(function: str, args: list[str | None]) -> str:
    return f"{function} " + ", ".join(a for a in args if a is not None)


class RailsCalls:
    """Knows from the whole plan which constraint names are foreign keys or checks and which
    table each index is on, since Rails' calls ask for them and the SQL does not say."""

    def __init__(self, plan: Plan) -> None:
        self.foreign_keys: set[tuple[str | None, str, str]] = set()
        self.checks: set[tuple[str | None, str, str]] = set()
        self.index_tables: dict[tuple[str | None, str], idioms.Table] = {}
        for migration in plan.migrations:
            for step in migration.steps:
                for sql in (*step.up, *step.down):
                    call = idioms.read_call(sql)
                    if isinstance(call, idioms.AddForeignKey):
                        self.foreign_keys.add((call.table.schema, call.table.name, call.name))
                    elif isinstance(call, idioms.AddCheck):
                        self.checks.add((call.table.schema, call.table.name, call.name))
                    elif isinstance(call, idioms.CreateIndex):
                        self.index_tables[(call.table.schema, call.name)] = call.table

    def call(self, sql: str) -> str | None:
        call = idioms.read_call(sql)
        table = getattr(call, "table", None)
        t = rb_table(table) if isinstance(table, idioms.Table) else None
        match call:
            case idioms.AddColumn(_, column, type_, default, not_null, if_not_exists) if t:
                typed = rb_type(type_)
                if if_not_exists and typed is None:
                    return None  # column_exists? compares Rails type symbols
                kind, options = typed or (rb_str(type_), [])
                return _line(
                    "add_column",
                    [
                        t,
                        rb_name(column),
                        kind,
                        *options,
                        rb_default(default, kind) if default is not None else None,
                        "null: false" if not_null else None,
                        "if_not_exists: true" if if_not_exists else None,
                    ],
                )
            case idioms.DropColumn(_, column, if_exists) if t:
                return _line("remove_column", [t, rb_name(column), "if_exists: true" if if_exists else None])
            case idioms.RenameColumn():
                return None  # rename_column would also rename the indexes named after the column (docstring)
            case idioms.SetNullable(_, column, nullable) if t:
                return _line("change_column_null", [t, rb_name(column), str(nullable).lower()])
            case idioms.SetDefault(_, column, default) if t:
                value = f"-> {{ {rb_str(default)} }}" if default is not None else "nil"
                return _line("change_column_default", [t, rb_name(column), value])
            case idioms.CreateIndex(_, name, elements, unique, method, where, concurrently, if_not_exists) if t:
                if all(e.column for e in elements):
                    columns = [rb_name(e.column or "") for e in elements]
                    target = columns[0] if len(columns) == 1 else f"[{', '.join(columns)}]"
                else:  # an expression index: Rails takes the element list as SQL
                    target = rb_str(
                        ", ".join(quote_ident(e.column) if e.column else e.expression or "" for e in elements)
                    )
                return _line(
                    "add_index",
                    [
                        t,
                        target,
                        f"name: {rb_str(name)}",
                        "unique: true" if unique else None,
                        f"using: {rb_name(method)}" if method else None,
                        f"where: {rb_str(where)}" if where else None,
                        "algorithm: :concurrently" if concurrently else None,
                        "if_not_exists: true" if if_not_exists else None,
                    ],
                )
            case idioms.DropIndex(schema, name, concurrently, if_exists):
                on = self.index_tables.get((schema, name))
                on_table = rb_table(on) if on else None
                if on_table is None:
                    return None
                return _line(
                    "remove_index",
                    [
                        on_table,
                        f"name: {rb_str(name)}",
                        "algorithm: :concurrently" if concurrently else None,
                        "if_exists: true" if if_exists else None,
                    ],
                )
            case idioms.AddForeignKey(_, name, columns, ref, ref_columns, on_delete, on_update, not_valid) if t:
                ref_table = rb_table(ref)
                actions_ok = all(a is None or a in _FK_ACTIONS for a in (on_delete, on_update))
                if ref_table is None or len(columns) != 1 or len(ref_columns) != 1 or not actions_ok:
                    return None
                return _line(
                    "add_foreign_key",
                    [
                        t,
                        ref_table,
                        f"column: {rb_name(columns[0])}",
                        f"primary_key: {rb_name(ref_columns[0])}",
                        f"name: {rb_str(name)}",
                        f"on_delete: {_FK_ACTIONS[on_delete]}" if on_delete else None,
                        f"on_update: {_FK_ACTIONS[on_update]}" if on_update else None,
                        "validate: false" if not_valid else None,
                    ],
                )
            case idioms.AddCheck(_, name, expression, not_valid) if t and quote_ident(name) == name:
                return _line(
                    "add_check_constraint",
                    [t, rb_str(expression), f"name: {rb_str(name)}", "validate: false" if not_valid else None],
                )
            case idioms.ValidateConstraint(table, name) if t:
                key = (table.schema, table.name, name)
                if key in self.foreign_keys:
                    return _line("validate_foreign_key", [t, f"name: {rb_str(name)}"])
                if key in self.checks:
                    return _line("validate_check_constraint", [t, f"name: {rb_str(name)}"])
                return _line("validate_constraint", [t, rb_str(name)])
            case idioms.DropConstraint(table, name, False) if t:
                key = (table.schema, table.name, name)
                if key in self.foreign_keys:
                    return _line("remove_foreign_key", [t, f"name: {rb_str(name)}"])
                if key in self.checks:
                    return _line("remove_check_constraint", [t, f"name: {rb_str(name)}"])
                return None
            case idioms.DropTable(_, if_exists) if t:
                return _line("drop_table", [t, "if_exists: true" if if_exists else None])
        return None
