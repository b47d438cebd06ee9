"""The schema the linted migrations build, statement by statement: which tables exist, which
file created them, their columns' types and NOT NULL, and the validated CHECK (c IS NOT NULL)
constraints that let SET NOT NULL skip its scan. Tables no linted file creates are taken to
exist already, in production, with rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .tree import Tree, bodies, column_type, is_not_null_check, object_name, table_key

# INSERT and COPY are not parsed (source.relevant): the table they load is read from the text
_NAME = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_LOAD = re.compile(rf"(?:\s|--[^\n]*\n|/\*.*?\*/)*(?:INSERT\s+INTO|COPY)\s+({_NAME}(?:\.{_NAME})?)(.*)", re.I | re.S)


def _unquoted(name: str) -> str:
    return ".".join(p[1:-1] if p.startswith('"') else p.lower() for p in re.findall(_NAME, name))


@dataclass
class Column:
    type: str
    not_null: bool = False


@dataclass
class Table:
    # the file that created it (a Liquibase changelog: "path (changeSet id::author)", each changeSet a
    # migration of its own); None: it existed before the linted files
    created_in: str | None
    columns: dict[str, Column] = field(default_factory=dict)
    proven_not_null: set[str] = field(default_factory=set)  # validated CHECK (c IS NOT NULL)
    pending_checks: dict[str, str] = field(default_factory=dict)  # NOT VALID check name -> column
    loaded: bool = False  # rows were inserted or copied into it by a linted statement


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    # tables a DELETE without WHERE or a TRUNCATE emptied in the transaction under way: the
    # statements after it in that transaction see no rows (the engine clears it at COMMIT and
    # at the end of each file, the transaction a migration tool runs it in)
    emptied: set[str] = field(default_factory=set)

    def load(self, text: str) -> None:
        """An INSERT or COPY ... FROM (read from its text, it is not parsed): the table has rows."""
        found = _LOAD.match(text)
        if found is None or (text.lstrip().upper().startswith("COPY") and not re.search(r"\bFROM\b", found[2], re.I)):
            return
        key = _unquoted(found[1])
        self.emptied.discard(key)
        if key in self.tables:
            self.tables[key].loaded = True

    def table(self, key: str) -> Table | None:
        return self.tables.get(key)

    def is_new(self, key: str, path: str) -> bool:
        """Created by this very file (`path`: linter.created_by, a Liquibase changeSet): empty, and
        unseen by the application until it is deployed."""
        t = self.tables.get(key)
        return t is not None and t.created_in == path

    def apply(self, kind: str, node: Tree, text: str, path: str) -> None:
        """Apply a statement (`kind` and JSON body `node`, tree.py; `text` its SQL) to the schema."""
        if kind == "CreateStmt":
            self._create(node, text, path)
        elif kind == "CreateTableAsStmt" and node.get("into") is not None:
            self.tables[table_key(node["into"].get("rel", {}))] = Table(path, loaded=not node["into"].get("skipData"))
        elif kind == "AlterTableStmt" and node.get("objtype") == "OBJECT_TABLE":
            key = table_key(node.get("relation", {}))
            table = self.tables.setdefault(key, Table(None))
            for cmd in bodies(node.get("cmds"), "AlterTableCmd"):
                self._alter(table, cmd, text)
        elif kind == "RenameStmt" and node.get("relation") is not None:
            key = table_key(node["relation"])
            new_name, old_name = str(node.get("newname", "")), str(node.get("subname", ""))
            if node.get("renameType") == "OBJECT_TABLE" and key in self.tables:
                schema = key.rpartition(".")[0]
                self.tables[f"{schema}.{new_name}" if schema else new_name] = self.tables.pop(key)
            elif node.get("renameType") == "OBJECT_COLUMN" and key in self.tables:
                cols = self.tables[key].columns
                if old_name in cols:
                    cols[new_name] = cols.pop(old_name)
        elif kind in ("DeleteStmt", "TruncateStmt"):
            relations = (
                [node.get("relation", {})] if kind == "DeleteStmt" else bodies(node.get("relations"), "RangeVar")
            )
            if kind == "TruncateStmt" or node.get("whereClause") is None:
                self.emptied.update(table_key(r) for r in relations)
        elif kind == "DropStmt" and node.get("removeType") == "OBJECT_TABLE":
            for obj in node.get("objects") or ():
                self.tables.pop(object_name(obj), None)

    def _create(self, node: Tree, text: str, path: str) -> None:
        table = Table(path)
        for element in bodies(node.get("tableElts"), "ColumnDef"):
            kinds = {c.get("contype") for c in bodies(element.get("constraints"), "Constraint")}
            not_null = bool(kinds & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"})
            table.columns[element.get("colname", "")] = Column(column_type(element.get("typeName", {}), text), not_null)
        self.tables[table_key(node.get("relation", {}))] = table

    def _alter(self, table: Table, cmd: Tree, text: str) -> None:
        kind = cmd.get("subtype")
        name = cmd.get("name", "")
        if kind == "AT_AddColumn":
            d = cmd.get("def", {}).get("ColumnDef", {})
            not_null = any(c.get("contype") == "CONSTR_NOTNULL" for c in bodies(d.get("constraints"), "Constraint"))
            table.columns[d.get("colname", "")] = Column(column_type(d.get("typeName", {}), text), not_null)
        elif kind == "AT_DropColumn":
            table.columns.pop(name, None)
        elif kind == "AT_AlterColumnType" and name in table.columns:
            d = cmd.get("def", {}).get("ColumnDef", {})
            table.columns[name].type = column_type(d.get("typeName", {}), text)
        elif kind == "AT_SetNotNull":
            table.columns.setdefault(name, Column("")).not_null = True
        elif kind == "AT_DropNotNull" and name in table.columns:
            table.columns[name].not_null = False
        elif kind == "AT_AddConstraint":
            c = cmd.get("def", {}).get("Constraint", {})
            column = is_not_null_check(c)
            if column is not None:
                if c.get("skip_validation"):
                    table.pending_checks[c.get("conname") or ""] = column
                else:
                    table.proven_not_null.add(column)
        elif kind == "AT_ValidateConstraint" and name in table.pending_checks:
            table.proven_not_null.add(table.pending_checks.pop(name))
