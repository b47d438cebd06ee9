"""Read a plan's SQL statement back into the framework-neutral call it is, so renderers can write
`op.add_column(...)` or `add_index ... algorithm: :concurrently` instead of raw SQL.

The plan's SQL stays the truth: a statement becomes a call only when every part of it maps onto
the call's arguments; anything this module does not model (an opclass, a collation, a second
subcommand, a MATCH FULL foreign key...) returns None and the renderer runs the SQL as written.
The rendering tests prove both paths give the server the same catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pglast import ast, parse_sql
from pglast.enums.parsenodes import AlterTableType, ConstrType, ObjectType, SortByDir, SortByNulls
from pglast.stream import RawStream

FK_ACTIONS = {"a": None, "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


@dataclass(frozen=True)
class Table:
    name: str
    schema: str | None = None


@dataclass(frozen=True)
class AddColumn:
    table: Table
    column: str
    type: str
    default: str | None
    not_null: bool
    if_not_exists: bool


@dataclass(frozen=True)
class DropColumn:
    table: Table
    column: str
    if_exists: bool


@dataclass(frozen=True)
class RenameColumn:
    table: Table
    column: str
    new_name: str


@dataclass(frozen=True)
class SetNullable:
    table: Table
    column: str
    nullable: bool


@dataclass(frozen=True)
class SetDefault:
    table: Table
    column: str
    default: str | None  # None: DROP DEFAULT


@dataclass(frozen=True)
class ChangeType:
    table: Table
    column: str
    type: str


@dataclass(frozen=True)
class IndexElement:
    column: str | None  # a plain column
    expression: str | None  # or an expression, as SQL


@dataclass(frozen=True)
class CreateIndex:
    table: Table
    name: str
    elements: tuple[IndexElement, ...]
    unique: bool
    method: str | None
    where: str | None
    concurrently: bool
    if_not_exists: bool


@dataclass(frozen=True)
class DropIndex:
    schema: str | None
    name: str
    concurrently: bool
    if_exists: bool


@dataclass(frozen=True)
class AddForeignKey:
    table: Table
    name: str
    columns: tuple[str, ...]
    ref_table: Table
    ref_columns: tuple[str, ...]
    on_delete: str | None
    on_update: str | None
    not_valid: bool


@dataclass(frozen=True)
class AddCheck:
    table: Table
    name: str
    expression: str
    not_valid: bool


@dataclass(frozen=True)
class ValidateConstraint:
    table: Table
    name: str


@dataclass(frozen=True)
class DropConstraint:
    table: Table
    name: str
    if_exists: bool


@dataclass(frozen=True)
class RenameTable:
    table: Table
    new_name: str


@dataclass(frozen=True)
class DropTable:
    table: Table
    if_exists: bool


Call = (
    AddColumn
    | DropColumn
    | RenameColumn
    | SetNullable
    | SetDefault
    | ChangeType
    | CreateIndex
    | DropIndex
    | AddForeignKey
    | AddCheck
    | ValidateConstraint
    | DropConstraint
    | RenameTable
    | DropTable
)


def _set(flag: str | None) -> bool:
    """pglast spells an unset one-character field as NUL."""
    return flag not in (None, "", "\x00")


def sql_of(node: Any) -> str:
    return str(RawStream()(node))


def _table(rv: Any) -> Table | None:
    if rv.catalogname or not rv.inh or rv.relpersistence != "p" or rv.alias:
        return None
    return Table(rv.relname, rv.schemaname)


@cache
def read_call(sql: str) -> Call | None:
    """The call `sql` (one statement) is, or None when it is anything more or else."""
    try:
        statements = parse_sql(sql)
    except Exception:
        return None
    if len(statements) != 1:
        return None
    stmt = statements[0].stmt
    if isinstance(stmt, ast.AlterTableStmt):
        return _alter_table(stmt)
    if isinstance(stmt, ast.IndexStmt):
        return _create_index(stmt)
    if isinstance(stmt, ast.DropStmt):
        return _drop(stmt)
    if isinstance(stmt, ast.RenameStmt):
        return _rename(stmt)
    return None


def _rename(stmt: Any) -> Call | None:
    table = _table(stmt.relation) if stmt.relation is not None else None
    if table is None or stmt.missing_ok:
        return None
    if stmt.renameType == ObjectType.OBJECT_COLUMN and stmt.relationType == ObjectType.OBJECT_TABLE:
        return RenameColumn(table, stmt.subname, stmt.newname)
    if stmt.renameType == ObjectType.OBJECT_TABLE:
        return RenameTable(table, stmt.newname)
    return None


def _alter_table(stmt: Any) -> Call | None:
    if stmt.objtype != ObjectType.OBJECT_TABLE or stmt.missing_ok or len(stmt.cmds or ()) != 1:
        return None
    table = _table(stmt.relation)
    first = stmt.cmds[0]
    if table is None or not isinstance(first, ast.AlterTableCmd) or first.recurse:
        return None
    cmd: Any = first  # pglast types every field Optional; the checks below are on the values
    kind = cmd.subtype
    if kind == AlterTableType.AT_AddColumn:
        return _add_column(table, cmd.def_, bool(cmd.missing_ok))
    if kind == AlterTableType.AT_DropColumn and cmd.behavior == 0:
        return DropColumn(table, cmd.name, bool(cmd.missing_ok))
    if kind in (AlterTableType.AT_SetNotNull, AlterTableType.AT_DropNotNull):
        return SetNullable(table, cmd.name, kind == AlterTableType.AT_DropNotNull)
    if kind == AlterTableType.AT_ColumnDefault:
        return SetDefault(table, cmd.name, sql_of(cmd.def_) if cmd.def_ is not None else None)
    if kind == AlterTableType.AT_AlterColumnType:
        definition = cmd.def_
        if definition.raw_default is not None or definition.collClause is not None:
            return None
        return ChangeType(table, cmd.name, _type(definition.typeName))
    if kind == AlterTableType.AT_ValidateConstraint:
        return ValidateConstraint(table, cmd.name)
    if kind == AlterTableType.AT_DropConstraint and cmd.behavior == 0:
        return DropConstraint(table, cmd.name, bool(cmd.missing_ok))
    if kind == AlterTableType.AT_AddConstraint:
        return _add_constraint(table, cmd.def_)
    return None


def _type(type_name: Any) -> str:
    return sql_of(type_name).removeprefix("pg_catalog.")


def _add_column(table: Table, definition: Any, if_not_exists: bool) -> AddColumn | None:
    if definition.collClause is not None or _set(definition.identity) or _set(definition.generated):
        return None
    default: str | None = None
    not_null = False
    for constraint in definition.constraints or ():
        if constraint.conname:
            return None
        if constraint.contype == ConstrType.CONSTR_DEFAULT:
            default = sql_of(constraint.raw_expr)
        elif constraint.contype == ConstrType.CONSTR_NOTNULL:
            not_null = True
        elif constraint.contype != ConstrType.CONSTR_NULL:
            return None
    return AddColumn(table, definition.colname, _type(definition.typeName), default, not_null, if_not_exists)


def _add_constraint(table: Table, c: Any) -> Call | None:
    if not c.conname or c.deferrable or c.initdeferred or c.is_no_inherit:
        return None
    if c.contype == ConstrType.CONSTR_CHECK:
        return AddCheck(table, c.conname, sql_of(c.raw_expr), bool(c.skip_validation))
    if c.contype == ConstrType.CONSTR_FOREIGN:
        ref = _table(c.pktable)
        if ref is None or c.fk_matchtype != "s" or not c.pk_attrs or c.fk_del_set_cols:
            return None
        return AddForeignKey(
            table,
            c.conname,
            tuple(a.sval for a in c.fk_attrs),
            ref,
            tuple(a.sval for a in c.pk_attrs),
            FK_ACTIONS[c.fk_del_action],
            FK_ACTIONS[c.fk_upd_action],
            bool(c.skip_validation),
        )
    return None


def _create_index(stmt: Any) -> CreateIndex | None:
    table = _table(stmt.relation)
    plain = not (stmt.indexIncludingParams or stmt.options or stmt.tableSpace or stmt.nulls_not_distinct)
    if table is None or not stmt.idxname or not plain:
        return None
    elements: list[IndexElement] = []
    for elem in stmt.indexParams:
        if elem.collation or elem.opclass or elem.opclassopts or elem.indexcolname:
            return None
        if elem.ordering != SortByDir.SORTBY_DEFAULT or elem.nulls_ordering != SortByNulls.SORTBY_NULLS_DEFAULT:
            return None
        elements.append(IndexElement(elem.name, None) if elem.name else IndexElement(None, sql_of(elem.expr)))
    method = None if stmt.accessMethod in (None, "btree") else stmt.accessMethod
    return CreateIndex(
        table,
        stmt.idxname,
        tuple(elements),
        bool(stmt.unique),
        method,
        sql_of(stmt.whereClause) if stmt.whereClause is not None else None,
        bool(stmt.concurrent),
        bool(stmt.if_not_exists),
    )


def _drop(stmt: Any) -> Call | None:
    kinds = (ObjectType.OBJECT_INDEX, ObjectType.OBJECT_TABLE)
    if stmt.removeType not in kinds or stmt.behavior != 0 or len(stmt.objects) != 1:
        return None
    if not all(isinstance(part, ast.String) for part in stmt.objects[0]):
        return None
    names = [part.sval for part in stmt.objects[0]]
    if len(names) > 2:
        return None
    schema, name = (None, names[0]) if len(names) == 1 else (names[0], names[1])
    if stmt.removeType == ObjectType.OBJECT_INDEX:
        return DropIndex(schema, name, bool(stmt.concurrent), bool(stmt.missing_ok))
    if stmt.removeType == ObjectType.OBJECT_TABLE and not stmt.concurrent:
        return DropTable(Table(name, schema), bool(stmt.missing_ok))
    return None
