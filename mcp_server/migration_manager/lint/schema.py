"""The schema the linted migrations build, statement by statement: which tables exist, which
file created them, their columns' types and NOT NULL, and the validated CHECK (c IS NOT NULL)
constraints that let SET NOT NULL skip its scan. Tables no linted file creates are taken to
exist already, in production, with rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from .nodes import column_type, is_not_null_check, table_key


@dataclass
class Column:
    type: str
    not_null: bool = False


@dataclass
class Table:
    created_in: str | None  # the file that created it; None: it existed before the linted files
    columns: dict[str, Column] = field(default_factory=dict)
    proven_not_null: set[str] = field(default_factory=set)  # validated CHECK (c IS NOT NULL)
    pending_checks: dict[str, str] = field(default_factory=dict)  # NOT VALID check name -> column


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)

    def table(self, key: str) -> Table | None:
        return self.tables.get(key)

    def is_new(self, key: str, path: str) -> bool:
        """Created by this very file: empty, and unseen by the application until it is deployed."""
        t = self.tables.get(key)
        return t is not None and t.created_in == path

    def apply(self, statement: Any, path: str) -> None:
        node: Any = statement  # pglast types every field Optional; the parser fills the ones read here
        if isinstance(node, ast.CreateStmt):
            self._create(node, path)
        elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
            self.tables[table_key(node.into.rel)] = Table(path)
        elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
            key = table_key(node.relation)
            table = self.tables.setdefault(key, Table(None))
            for cmd in node.cmds or ():
                self._alter(table, cmd)
        elif isinstance(node, ast.RenameStmt) and node.relation is not None:
            key = table_key(node.relation)
            new_name, old_name = str(node.newname), str(node.subname)
            if node.renameType == ObjectType.OBJECT_TABLE and key in self.tables:
                schema = key.rpartition(".")[0]
                self.tables[f"{schema}.{new_name}" if schema else new_name] = self.tables.pop(key)
            elif node.renameType == ObjectType.OBJECT_COLUMN and key in self.tables:
                cols = self.tables[key].columns
                if old_name in cols:
                    cols[new_name] = cols.pop(old_name)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for names in node.objects or ():
                self.tables.pop(".".join(n.sval for n in names), None)

    def _create(self, node: Any, path: str) -> None:
        table = Table(path)
        for item in node.tableElts or ():
            element: Any = item
            if isinstance(item, ast.ColumnDef):
                not_null = any(
                    c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY)
                    for c in element.constraints or ()
                )
                table.columns[element.colname] = Column(column_type(element.typeName), not_null)
        self.tables[table_key(node.relation)] = table

    def _alter(self, table: Table, cmd: Any) -> None:
        kind = cmd.subtype
        if kind == AlterTableType.AT_AddColumn:
            d = cmd.def_
            not_null = any(c.contype == ConstrType.CONSTR_NOTNULL for c in d.constraints or ())
            table.columns[d.colname] = Column(column_type(d.typeName), not_null)
        elif kind == AlterTableType.AT_DropColumn:
            table.columns.pop(cmd.name, None)
        elif kind == AlterTableType.AT_AlterColumnType and cmd.name in table.columns:
            table.columns[cmd.name].type = column_type(cmd.def_.typeName)
        elif kind == AlterTableType.AT_SetNotNull:
            table.columns.setdefault(cmd.name, Column("")).not_null = True
        elif kind == AlterTableType.AT_DropNotNull and cmd.name in table.columns:
            table.columns[cmd.name].not_null = False
        elif kind == AlterTableType.AT_AddConstraint:
            c = cmd.def_
            column = is_not_null_check(c)
            if column is not None:
                if c.skip_validation:
                    table.pending_checks[c.conname or ""] = column
                else:
                    table.proven_not_null.add(column)
        elif kind == AlterTableType.AT_ValidateConstraint and cmd.name in table.pending_checks:
            table.proven_not_null.add(table.pending_checks.pop(cmd.name))
