"""PostgreSQL DDL -> [Operation], read by PostgreSQL's own parser (pglast / libpg_query).

What the SQL says is kept; what it does not say (a column's old type, a constraint's
definition before a drop) stays unknown, and the planner says what that costs. A statement
that is not a schema change this tool plans raises UnsupportedStatement with its position.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Literal

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ConstrType, DropBehavior, ObjectType
from pglast.parser import ParseError
from pglast.stream import RawStream
from pydantic import ValidationError

from ..defaults import too_many_statements, too_much_sql
from ..errors import InputError, SqlParseError, UnsupportedStatement
from ..model import (
    AddCheck,
    AddColumn,
    AddEnumValue,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AddUnique,
    Backfill,
    ChangeColumnType,
    Column,
    CreateObject,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropDefault,
    DropIndex,
    DropNotNull,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    ValidateConstraint,
)


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class _Lines:
    """Line and column (1-based) of 0-based character offsets, as pglast reports them.

    The line starts are found once, so placing every statement of a long change stays linear."""

    def __init__(self, sql: str) -> None:
        self.size = len(sql)
        self.starts = [0]
        at = sql.find("\n")
        while at != -1:
            self.starts.append(at + 1)
            at = sql.find("\n", at + 1)

    def at(self, offset: int) -> Position:
        offset = max(0, min(offset, self.size))
        line = bisect_right(self.starts, offset)
        return Position(line, offset - self.starts[line - 1] + 1)


def _position(sql: str, offset: int) -> Position:
    return _Lines(sql).at(offset)


def _deparse(node: Any) -> str:
    return str(RawStream()(node))


def _type(type_name: Any) -> str:
    text = _deparse(type_name)
    return text.removeprefix("pg_catalog.")


_FK_ACTIONS = {"a": None, "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


def _names(nodes: Any) -> list[str]:
    return [n.sval for n in (nodes or ())]


class _Reader:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.ops: list[Operation] = []
        self.where = Position(1, 1)
        self.text = ""  # the statement being read, as written

    def fail(self, message: str) -> UnsupportedStatement:
        return UnsupportedStatement(f"line {self.where.line}, column {self.where.column}: {message}")

    # -- statements ---------------------------------------------------------------------

    def statement(self, stmt: Any) -> None:
        handler = getattr(self, f"_{type(stmt).__name__}", None)
        if handler is None:
            raise self.fail(
                f"{type(stmt).__name__.removesuffix('Stmt')} statements are not schema changes this tool plans; "
                "send CREATE/ALTER/DROP TABLE, CREATE/DROP INDEX, ALTER TYPE ... ADD VALUE, or a single-column UPDATE "
                "(backfill)"
            )
        handler(stmt)

    def _CreateStmt(self, stmt: Any) -> None:
        rel = stmt.relation
        columns: list[Column] = []
        primary_key: list[str] = []
        constraints: list[str] = []
        for element in stmt.tableElts or ():
            if isinstance(element, ast.ColumnDef):
                columns.append(self._column(element))
            elif isinstance(element, ast.Constraint):
                if element.contype == ConstrType.CONSTR_PRIMARY and not element.indexname:
                    primary_key = _names(element.keys)
                else:
                    constraints.append(_deparse(element))
            else:
                raise self.fail(f"CREATE TABLE element {type(element).__name__} is not supported")
        if not columns:
            raise self.fail("CREATE TABLE without columns (LIKE, OF, PARTITION OF) is not supported")
        self.ops.append(
            CreateTable(
                table=rel.relname,
                schema_name=rel.schemaname,
                columns=columns,
                primary_key=primary_key,
                constraints=constraints,
            )
        )

    def _column(self, col: Any) -> Column:
        nullable, default, pk = True, None, False
        identity: str | None = None
        generated: str | None = None
        stored = True
        for con in col.constraints or ():
            kind = con.contype
            if kind == ConstrType.CONSTR_NOTNULL:
                nullable = False
            elif kind == ConstrType.CONSTR_NULL:
                nullable = True
            elif kind == ConstrType.CONSTR_DEFAULT:
                default = _deparse(con.raw_expr)
            elif kind == ConstrType.CONSTR_PRIMARY:
                pk = True
            elif kind == ConstrType.CONSTR_IDENTITY:
                identity = "always" if con.generated_when == "a" else "by default"
            elif kind == ConstrType.CONSTR_GENERATED:
                generated = _deparse(con.raw_expr)
                stored = con.generated_kind == "s"  # PostgreSQL 18: VIRTUAL unless STORED is written
            else:
                raise self.fail(
                    f"column constraint {kind.name.removeprefix('CONSTR_')} on {col.colname!r} inside the column "
                    "definition: write it as its own ALTER TABLE ... ADD CONSTRAINT so it can be planned"
                )
        return Column(
            name=col.colname,
            type=_type(col.typeName),
            nullable=nullable,
            default=default,
            primary_key=pk,
            identity=identity,
            generated=generated,
            generated_stored=stored,
        )

    def _AlterTableStmt(self, stmt: Any) -> None:
        if stmt.objtype != ObjectType.OBJECT_TABLE:
            raise self.fail(f"ALTER {stmt.objtype.name.removeprefix('OBJECT_')} is not supported")
        rel = stmt.relation
        for cmd in stmt.cmds:
            self._alter(rel.relname, rel.schemaname, cmd)

    def _alter(self, table: str, schema: str | None, cmd: Any) -> None:
        t: dict[str, Any] = {"table": table, "schema_name": schema}
        sub = cmd.subtype
        if sub == AlterTableType.AT_AddColumn:
            self.ops.append(AddColumn(**t, column=self._column(cmd.def_)))
        elif sub == AlterTableType.AT_DropColumn:
            self.ops.append(DropColumn(**t, column=cmd.name))
        elif sub == AlterTableType.AT_AlterColumnType:
            using = _deparse(cmd.def_.raw_default) if cmd.def_.raw_default is not None else None
            self.ops.append(ChangeColumnType(**t, column=cmd.name, new_type=_type(cmd.def_.typeName), using=using))
        elif sub == AlterTableType.AT_SetNotNull:
            self.ops.append(SetNotNull(**t, column=cmd.name))
        elif sub == AlterTableType.AT_DropNotNull:
            self.ops.append(DropNotNull(**t, column=cmd.name))
        elif sub == AlterTableType.AT_ColumnDefault:
            if cmd.def_ is None:
                self.ops.append(DropDefault(**t, column=cmd.name))
            else:
                self.ops.append(SetDefault(**t, column=cmd.name, default=_deparse(cmd.def_)))
        elif sub == AlterTableType.AT_AddConstraint:
            self._constraint(t, cmd.def_)
        elif sub == AlterTableType.AT_ValidateConstraint:
            self.ops.append(ValidateConstraint(**t, name=cmd.name))
        elif sub == AlterTableType.AT_DropConstraint:
            self.ops.append(DropConstraint(**t, name=cmd.name))
        else:
            raise self.fail(f"ALTER TABLE {sub.name.removeprefix('AT_')} is not supported")

    def _constraint(self, t: dict[str, Any], con: Any) -> None:
        kind, name = con.contype, con.conname
        if kind == ConstrType.CONSTR_FOREIGN:
            self.ops.append(
                AddForeignKey(
                    **t,
                    name=name,
                    columns=_names(con.fk_attrs),
                    ref_table=con.pktable.relname,
                    ref_schema=con.pktable.schemaname,
                    ref_columns=_names(con.pk_attrs),
                    on_delete=_FK_ACTIONS.get(con.fk_del_action),
                    on_update=_FK_ACTIONS.get(con.fk_upd_action),
                )
            )
        elif kind == ConstrType.CONSTR_CHECK:
            self.ops.append(AddCheck(**t, name=name, expression=_deparse(con.raw_expr)))
        elif kind == ConstrType.CONSTR_UNIQUE and not con.indexname:
            self.ops.append(AddUnique(**t, name=name, columns=_names(con.keys)))
        elif kind == ConstrType.CONSTR_PRIMARY and not con.indexname:
            self.ops.append(AddPrimaryKey(**t, name=name, columns=_names(con.keys)))
        elif kind == ConstrType.CONSTR_EXCLUSION:
            raise self.fail(
                "ADD CONSTRAINT ... EXCLUDE cannot be added online: it builds its index and checks every row under "
                "ACCESS EXCLUSIVE, and PostgreSQL has no EXCLUDE ... USING INDEX to attach one built CONCURRENTLY. "
                "On a small or new table run it as written in a short maintenance window; on a large one enforce "
                "the rule with a trigger first, or create the table anew with the constraint and move the rows over"
            )
        else:
            raise self.fail(f"ADD CONSTRAINT {kind.name.removeprefix('CONSTR_')} is not supported")

    def _RenameStmt(self, stmt: Any) -> None:
        rel = stmt.relation
        if stmt.renameType == ObjectType.OBJECT_COLUMN:
            self.ops.append(
                RenameColumn(table=rel.relname, schema_name=rel.schemaname, column=stmt.subname, new_name=stmt.newname)
            )
        elif stmt.renameType == ObjectType.OBJECT_TABLE:
            self.ops.append(RenameTable(table=rel.relname, schema_name=rel.schemaname, new_name=stmt.newname))
        else:
            raise self.fail(f"RENAME of {stmt.renameType.name.removeprefix('OBJECT_')} is not supported")

    def _IndexStmt(self, stmt: Any) -> None:
        columns = []
        for elem in stmt.indexParams:
            if elem.name:
                text = elem.name
                columns.append(text)
            else:
                columns.append(f"({_deparse(elem.expr)})")
        rel = stmt.relation
        self.ops.append(
            AddIndex(
                table=rel.relname,
                schema_name=rel.schemaname,
                columns=columns,
                name=stmt.idxname,
                unique=stmt.unique,
                method=None if stmt.accessMethod in (None, "btree") else stmt.accessMethod,
                where=_deparse(stmt.whereClause) if stmt.whereClause is not None else None,
            )
        )

    def _DropStmt(self, stmt: Any) -> None:
        if stmt.behavior == DropBehavior.DROP_CASCADE:
            raise self.fail("DROP ... CASCADE drops objects you did not name: drop them explicitly")
        for obj in stmt.objects:
            names = _names(obj)
            schema, name = (names[0], names[1]) if len(names) == 2 else (None, names[-1])
            if stmt.removeType == ObjectType.OBJECT_TABLE:
                self.ops.append(DropTable(table=name, schema_name=schema))
            elif stmt.removeType == ObjectType.OBJECT_INDEX:
                self.ops.append(DropIndex(name=name, schema_name=schema))
            else:
                raise self.fail(f"DROP {stmt.removeType.name.removeprefix('OBJECT_')} is not supported")

    def _AlterEnumStmt(self, stmt: Any) -> None:
        if stmt.oldVal:
            raise self.fail("ALTER TYPE ... RENAME VALUE is not supported")
        names = _names(stmt.typeName)
        neighbor = stmt.newValNeighbor
        self.ops.append(
            AddEnumValue(
                enum=names[-1],
                schema_name=names[0] if len(names) == 2 else None,
                value=stmt.newVal,
                before=neighbor if neighbor and not stmt.newValIsAfter else None,
                after=neighbor if neighbor and stmt.newValIsAfter else None,
            )
        )

    # -- objects later statements need: catalog-only steps ---------------------------------

    def _object(self, kind: Literal["type", "extension", "function", "domain", "schema"], name: str) -> None:
        self.ops.append(CreateObject(kind=kind, name=name, sql=self.text))

    def _qualified(self, names: list[str]) -> str:
        from ..ident import quote_ident

        return ".".join(quote_ident(n) for n in names)

    def _CreateEnumStmt(self, stmt: Any) -> None:
        self._object("type", self._qualified(_names(stmt.typeName)))

    def _CompositeTypeStmt(self, stmt: Any) -> None:
        rel = stmt.typevar
        self._object("type", self._qualified([n for n in (rel.schemaname, rel.relname) if n]))

    def _CreateDomainStmt(self, stmt: Any) -> None:
        self._object("domain", self._qualified(_names(stmt.domainname)))

    def _CreateExtensionStmt(self, stmt: Any) -> None:
        self._object("extension", self._qualified([stmt.extname]))

    def _CreateSchemaStmt(self, stmt: Any) -> None:
        if stmt.schemaElts:
            raise self.fail("CREATE SCHEMA with objects inside it: create the schema, then each object on its own")
        self._object("schema", self._qualified([stmt.schemaname]))

    def _CreateFunctionStmt(self, stmt: Any) -> None:
        if stmt.is_procedure:
            raise self.fail("CREATE PROCEDURE is not planned: create it outside this change")
        args = [
            _type(p.argType)
            for p in stmt.parameters or ()
            # IN, INOUT, VARIADIC and the default (IN); OUT and TABLE are not part of its identity
            if p.mode is None or p.mode.value in "ibvd"
        ]
        self._object("function", f"{self._qualified(_names(stmt.funcname))}({', '.join(args)})")

    def _UpdateStmt(self, stmt: Any) -> None:
        if len(stmt.targetList) != 1 or stmt.fromClause or stmt.returningClause:
            raise self.fail("only a single-column UPDATE without FROM/RETURNING is planned (as a batched backfill)")
        target = stmt.targetList[0]
        rel = stmt.relation
        self.ops.append(
            Backfill(
                table=rel.relname,
                schema_name=rel.schemaname,
                column=target.name,
                value=_deparse(target.val),
                where=_deparse(stmt.whereClause) if stmt.whereClause is not None else None,
            )
        )


def parse_operations(sql: str) -> list[Operation]:
    """Parse PostgreSQL DDL into operations. Raises SqlParseError / UnsupportedStatement with a position.

    Input over the size limit (defaults.MAX_SQL_CHARS, MAX_STATEMENTS) is refused before it is read."""
    if refused := too_much_sql(len(sql)):
        raise InputError(refused)
    try:
        statements = parse_sql(sql)
    except ParseError as exc:
        message, offset = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
        pos = _position(sql, offset if isinstance(offset, int) else len(sql.rstrip()))
        raise SqlParseError(f"invalid SQL: {message}", line=pos.line, column=pos.column) from exc
    if not statements:
        raise InputError("the SQL holds no statement")
    counted = sum(1 for raw in statements if not isinstance(raw.stmt, ast.TransactionStmt | ast.VariableSetStmt))
    if refused := too_many_statements(counted):
        raise InputError(refused)
    reader = _Reader(sql)
    lines = _Lines(sql)
    for raw in statements:
        reader.where = lines.at(raw.stmt_location or 0)
        start = raw.stmt_location or 0
        reader.text = (sql[start : start + raw.stmt_len] if raw.stmt_len else sql[start:]).strip().rstrip(";")
        if isinstance(raw.stmt, ast.TransactionStmt | ast.VariableSetStmt):
            continue  # BEGIN/COMMIT and SET lines around the DDL are the renderer's business
        try:
            reader.statement(raw.stmt)
        except ValidationError as exc:
            raise reader.fail(f"statement cannot be planned: {exc.errors()[0]['msg']}") from exc
    if not reader.ops:
        raise InputError("the SQL holds no schema change (only transaction control or SET statements)")
    return reader.ops
