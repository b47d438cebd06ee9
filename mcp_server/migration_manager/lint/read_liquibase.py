"""Liquibase changelogs (XML, YAML, JSON, formatted SQL) as the PostgreSQL statements they send.

A changelog is read into elements with their lines (XML by expat, external entities never
resolved; YAML and JSON by yaml.compose), followed through include / includeAll in the order
Liquibase runs them. Each change of a changeSet becomes the SQL Liquibase 4.28 generates for it
on PostgreSQL (`liquibase update-sql` prints the same; tests/test_lint_liquibase.py compares
them), at the line of the change element, inside a transaction unless the changeSet says
runInTransaction="false". Rollback blocks are not read (up only); changeSets for another dbms
are skipped, and what cannot be read is a note "line: reason".
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .liquibase_files import CHANGELOG_SUFFIXES, formatted_sql
from .pyread import Piece, Read, ident, quote

_CHANGESET = re.compile(r"^\s*--\s*changeset\s+(\S+?):(\S+)(.*)$", re.I)
_PROPERTY = re.compile(r"\$\{([^}]+)\}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@dataclass
class El:
    """An element of a changelog (an XML element or a YAML / JSON mapping): its attributes,
    its children in order, its text and its line."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[El] = field(default_factory=list)
    text: str = ""
    text_line: int = 0  # the line the text starts on
    column: int = 1

    def get(self, name: str, default: str = "") -> str:
        return self.attrs.get(name, default)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.attrs.get(name)
        return default if value is None else value.strip().lower() == "true"

    def kids(self, tag: str) -> list[El]:
        return [c for c in self.children if c.tag == tag]


class Unreadable(Exception):
    """A changelog or a change that cannot be read: the message says why."""


# ---------------------------------------------------------------- reading files into elements


def _xml(text: str) -> El:
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root = El("", {}, 0)
    stack = [root]

    def start(name: str, attrs: dict[str, str]) -> None:
        tag, line = name.rsplit("}", 1)[-1], parser.CurrentLineNumber
        el = El(tag, {k.rsplit("}", 1)[-1]: v for k, v in attrs.items()}, line, column=parser.CurrentColumnNumber + 1)
        stack[-1].children.append(el)
        stack.append(el)

    def end(name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        el = stack[-1]
        if not el.text:
            el.text_line = parser.CurrentLineNumber
        el.text += data

    def no_entities(*args: object) -> None:
        raise Unreadable("declares entities: not read (lint never expands them)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = no_entities
    parser.ExternalEntityRefHandler = lambda *a: 0
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise Unreadable(f"not well-formed XML ({exc})") from None
    if not root.children:
        raise Unreadable("no root element")
    return root.children[0]


def _scalar(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    raise Unreadable(f"line {node.start_mark.line + 1}: a list or mapping where a value was expected")


def _from_node(tag: str, node: yaml.Node) -> El:
    """A mapping node as an element: scalars are attributes, a mapping a child, a list of
    one-key mappings its children in order ({column: {...}})."""
    el = El(tag, {}, node.start_mark.line + 1, column=node.start_mark.column + 1)
    if not isinstance(node, yaml.MappingNode):
        return el
    for key_node, value in node.value:
        key = _scalar(key_node)
        if isinstance(value, yaml.ScalarNode):
            el.attrs[key] = "" if value.tag.endswith(":null") else str(value.value)
            if key == "sql":
                el.text, el.text_line = str(value.value), value.start_mark.line + 1
                if value.style in ("|", ">"):
                    el.text_line += 1
        elif isinstance(value, yaml.MappingNode):
            el.children.append(_from_node(key, value))
        elif isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if isinstance(item, yaml.MappingNode) and len(item.value) == 1:
                    child = _from_node(_scalar(item.value[0][0]), item.value[0][1])
                    key_mark = item.value[0][0].start_mark  # the change's name: in JSON, not its brace
                    child.line, child.column = key_mark.line + 1, key_mark.column + 1
                    el.children.append(child)
                elif isinstance(item, yaml.ScalarNode):
                    el.attrs[key] = ",".join(filter(None, [el.attrs.get(key), str(item.value)]))
    return el


def _data(text: str) -> El:
    try:
        node = yaml.compose(text.replace("\t", " "), Loader=yaml.SafeLoader)  # JSON's tabs are whitespace
    except yaml.YAMLError as exc:
        raise Unreadable(f"not valid YAML / JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(node, yaml.MappingNode):
        raise Unreadable("no databaseChangeLog")
    for key, value in node.value:
        if _scalar(key) == "databaseChangeLog":
            return _from_node("databaseChangeLog", yaml.MappingNode("tag", [(key, value)], key.start_mark))
    raise Unreadable("no databaseChangeLog")


def is_changelog(path: Path, text: str) -> bool:
    if path.suffix == ".sql":
        return formatted_sql(text)
    return "databaseChangeLog" in text


# ---------------------------------------------------------------- change types to SQL

_TYPES = {
    "int": "INTEGER",
    "integer": "INTEGER",
    "int4": "INTEGER",
    "bigint": "BIGINT",
    "int8": "BIGINT",
    "long": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "SMALLINT",
    "mediumint": "INTEGER",
    "boolean": "BOOLEAN",
    "bool": "BOOLEAN",
    "bit": "BOOLEAN",
    "datetime": "TIMESTAMP WITHOUT TIME ZONE",
    "timestamp": "TIMESTAMP WITHOUT TIME ZONE",
    "timestamptz": "TIMESTAMP WITH TIME ZONE",
    "date": "DATE",
    "time": "TIME WITHOUT TIME ZONE",
    "clob": "TEXT",
    "nclob": "TEXT",
    "text": "TEXT",
    "blob": "BYTEA",
    "longblob": "BYTEA",
    "binary": "BYTEA",
    "varbinary": "BYTEA",
    "uuid": "UUID",
    "double": "DOUBLE PRECISION",
    "float": "FLOAT",
    "real": "REAL",
    "currency": "DECIMAL",
    "number": "NUMERIC",
    "numeric": "NUMERIC",
    "decimal": "DECIMAL",
    "varchar": "VARCHAR",
    "nvarchar": "VARCHAR",
    "varchar2": "VARCHAR",
    "char": "CHAR",
    "nchar": "CHAR",
    "json": "JSON",
    "jsonb": "JSONB",
}


class _Props:
    """Changelog properties (${name}), the first definition for PostgreSQL winning, as in Liquibase."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.at = ""  # the changelog being read
        self.unknown: set[tuple[str, str]] = set()  # (changelog, property no changelog defines) said once

    def define(self, el: El) -> None:
        name = el.get("name")
        if name and _for_postgres(el.get("dbms")) and name not in self.values:
            self.values[name] = el.get("value")

    def expand(self, value: str, line: int, notes: list[str]) -> str:
        def swap(m: re.Match[str]) -> str:
            if m.group(1) in self.values:
                return self.values[m.group(1)]
            if (self.at, m.group(1)) not in self.unknown:  # said once a file (fineract: 3,900 uses in reports)
                self.unknown.add((self.at, m.group(1)))
                notes.append(
                    f"{line}: ${{{m.group(1)}}} is no property this changelog defines: read as {m.group(1)} "
                    "(here and wherever else this file uses it)"
                )
            return m.group(1)

        return _PROPERTY.sub(swap, value)

    def expanded(self, el: El, notes: list[str]) -> El:
        """The element with ${name} replaced in every attribute and text, as Liquibase does."""
        if "${" not in repr((el.attrs, el.text)) and not el.children:
            return el
        return El(
            el.tag,
            {k: self.expand(v, el.line, notes) for k, v in el.attrs.items()},
            el.line,
            [self.expanded(c, notes) for c in el.children],
            self.expand(el.text, el.line, notes),
            el.text_line,
            el.column,
        )


def _for_postgres(dbms: str) -> bool:
    """Whether a dbms attribute ("postgresql, h2", "!mysql", "all", "none", empty) includes PostgreSQL."""
    names = [d.strip().lower() for d in dbms.split(",") if d.strip()]
    if not names or "all" in names:
        return True
    if "none" in names:
        return False
    if any(n.startswith("!") for n in names):
        return "!postgresql" not in names
    return "postgresql" in names


def sql_type(name: str) -> str:
    """A Liquibase type name as PostgreSQL DDL: varchar(255) -> VARCHAR(255), datetime -> TIMESTAMP ..."""
    raw = name.strip().removeprefix("java.sql.Types.")
    m = re.fullmatch(r"([A-Za-z_][\w ]*?)\s*(\(.*\))?\s*(\[\])?", raw)
    if not m:
        return raw
    base, size, array = m.group(1).lower(), m.group(2) or "", m.group(3) or ""
    if base in ("timestamp", "datetime", "time") and size:  # timestamp(6): the precision goes after
        kind = "TIMESTAMP" if base != "time" else "TIME"
        return f"{kind}{size.replace(' ', '')} WITHOUT TIME ZONE{array}"
    if base in _TYPES:
        mapped = _TYPES[base]
        if base in ("bigint", "int", "integer", "smallint", "tinyint", "boolean", "bit"):
            size = ""  # Liquibase drops a display width on PostgreSQL
        return mapped + size.replace(" ", "") + array
    return raw


def _value(el: El, prefix: str) -> str | None:
    """The SQL literal of value / defaultValue and their Numeric, Boolean, Date, Computed forms."""
    if prefix + "Computed" in el.attrs:
        return el.attrs[prefix + "Computed"]
    if prefix + "Numeric" in el.attrs:
        return el.attrs[prefix + "Numeric"]
    if prefix + "Boolean" in el.attrs:
        return "TRUE" if el.flag(prefix + "Boolean") else "FALSE"
    if prefix + "Date" in el.attrs:
        return quote(el.attrs[prefix + "Date"])
    if prefix in el.attrs:
        return quote(el.attrs[prefix])
    return None


def _table(el: El, name: str = "tableName") -> str:
    table = el.get(name)
    if not table:
        raise Unreadable(f"no {name}")
    schema = el.get("schemaName") or el.get("baseTableSchemaName" if name == "baseTableName" else "schemaName")
    return f"{ident(schema)}.{ident(table)}" if schema else ident(table)


def _columns(value: str) -> str:
    return ", ".join(ident(c.strip()) for c in value.split(",") if c.strip())


def _reference(constraints: El) -> str | None:
    """REFERENCES of a column's constraints: references="t(c)", or referencedTableName + ColumnNames."""
    ref = constraints.get("references")
    if ref:
        m = re.fullmatch(r"\s*([\w.\"]+)\s*\(([^)]*)\)\s*", ref)
        if not m:
            raise Unreadable(f"references={ref!r} is not table(column)")
        return f"{m.group(1)} ({_columns(m.group(2))})"
    if constraints.get("referencedTableName"):
        return f"{_table(constraints, 'referencedTableName')} ({_columns(constraints.get('referencedColumnNames'))})"
    return None


def _renamed(el: El, **names: str) -> El:
    """The element with attributes read under other names (referencedTableName as tableName)."""
    return El(el.tag, {new: el.get(old) for old, new in names.items()}, el.line)


def _on(el: El) -> str:
    out = ""
    for attr, words in (("onDelete", "ON DELETE"), ("onUpdate", "ON UPDATE")):
        action = el.get(attr).strip().upper()
        if action and action != "NO ACTION":
            out += f" {words} {action}"
    if el.flag("deferrable"):
        out += " DEFERRABLE"
        if el.flag("initiallyDeferred"):
            out += " INITIALLY DEFERRED"
    return out


class _Column:
    def __init__(self, el: El, notes: list[str]) -> None:
        self.name = el.get("name")
        if not self.name:
            raise Unreadable("a column without a name")
        self.type = sql_type(el.get("type")) if el.get("type") else ""
        self.default = _value(el, "defaultValue")
        self.auto = el.flag("autoIncrement")
        found = el.kids("constraints")
        self.c = found[0] if found else El("constraints", {}, el.line)
        self.primary = self.c.flag("primaryKey")
        self.nullable = self.c.flag("nullable", True) and not self.primary

    def ddl(self) -> str:
        out = f"{ident(self.name)} {self.type}"
        if self.auto:
            out += " GENERATED BY DEFAULT AS IDENTITY"
        if self.default is not None:
            out += f" DEFAULT {self.default}"
        return out + ("" if self.nullable else " NOT NULL")


def _statements(change: El, notes: list[str]) -> list[str]:  # one branch per change type
    """The SQL Liquibase sends on PostgreSQL for a change; Unreadable when it cannot be read."""
    tag, el = change.tag, change
    if tag == "createTable":
        table = _table(el)
        cols = [_Column(c, notes) for c in el.kids("column")]
        parts = [c.ddl() for c in cols]
        keys = [c.name for c in cols if c.primary]
        if keys:
            key_name = next((c.c.get("primaryKeyName") for c in cols if c.c.get("primaryKeyName")), "")
            parts.append(
                f"CONSTRAINT {ident(key_name or el.get('tableName') + '_pkey')} "
                f"PRIMARY KEY ({_columns(','.join(keys))})"
            )
        for c in cols:
            if c.c.flag("unique"):
                named = (
                    f"CONSTRAINT {ident(c.c.get('uniqueConstraintName'))} " if c.c.get("uniqueConstraintName") else ""
                )
                parts.append(f"{named}UNIQUE ({ident(c.name)})")
            ref = _reference(c.c)
            if ref:
                named = f"CONSTRAINT {ident(c.c.get('foreignKeyName'))} " if c.c.get("foreignKeyName") else ""
                parts.append(f"{named}FOREIGN KEY ({ident(c.name)}) REFERENCES {ref}")
        return [f"CREATE TABLE {table} ({', '.join(parts)})"]
    if tag == "addColumn":
        table = _table(el)
        out = []
        for col_el in el.kids("column"):
            c = _Column(col_el, notes)
            out.append(f"ALTER TABLE {table} ADD {c.ddl()}")
            if c.primary:
                out.append(f"ALTER TABLE {table} ADD PRIMARY KEY ({ident(c.name)})")
            ref = _reference(c.c)
            if ref:
                fk = c.c.get("foreignKeyName") or f"fk_{el.get('tableName')}_{c.name}"
                out.append(
                    f"ALTER TABLE {table} ADD CONSTRAINT {ident(fk)} FOREIGN KEY ({ident(c.name)}) REFERENCES {ref}"
                )
            if c.c.flag("unique"):
                named = (
                    f"CONSTRAINT {ident(c.c.get('uniqueConstraintName'))} " if c.c.get("uniqueConstraintName") else ""
                )
                out.append(f"ALTER TABLE {table} ADD {named}UNIQUE ({ident(c.name)})")
        return out
    if tag == "createIndex":
        keys = []
        for k in el.kids("column"):
            name = k.get("name") if k.flag("computed") else ident(k.get("name"))
            keys.append(name + (" DESC" if k.flag("descending") else ""))
        unique = "UNIQUE " if el.flag("unique") else ""
        return [f"CREATE {unique}INDEX {ident(el.get('indexName'))} ON {_table(el)}({', '.join(keys)})"]
    if tag == "dropIndex":
        schema = el.get("schemaName")
        index = ident(el.get("indexName"))
        return [f"DROP INDEX {ident(schema) + '.' if schema else ''}{index}"]
    if tag == "addNotNullConstraint":
        table, col = _table(el), ident(el.get("columnName"))
        out = []
        if "defaultNullValue" in el.attrs:
            given = el.get("defaultNullValue")
            kind = sql_type(el.get("columnDataType"))  # a number is bare unless the column holds text or time
            textual = kind.startswith(("VARCHAR", "CHAR", "TEXT", "DATE", "TIME"))
            literal = given if _NUMBER.fullmatch(given) and not textual else quote(given)
            out.append(f"UPDATE {table} SET {col} = {literal} WHERE {col} IS NULL")
        out.append(f"ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL")
        return out
    if tag == "dropNotNullConstraint":
        return [f"ALTER TABLE {_table(el)} ALTER COLUMN {ident(el.get('columnName'))} DROP NOT NULL"]
    if tag == "addDefaultValue":
        value = _value(el, "defaultValue")
        if value is None:
            raise Unreadable("no defaultValue")
        return [f"ALTER TABLE {_table(el)} ALTER COLUMN {ident(el.get('columnName'))} SET DEFAULT {value}"]
    if tag == "dropDefaultValue":
        return [f"ALTER TABLE {_table(el)} ALTER COLUMN {ident(el.get('columnName'))} DROP DEFAULT"]
    if tag == "addForeignKeyConstraint":
        sql = (
            f"ALTER TABLE {_table(el, 'baseTableName')} ADD CONSTRAINT {ident(el.get('constraintName'))} "
            f"FOREIGN KEY ({_columns(el.get('baseColumnNames'))}) REFERENCES "
            f"{_table(_renamed(el, referencedTableName='tableName', referencedTableSchemaName='schemaName'))} "
            f"({_columns(el.get('referencedColumnNames'))}){_on(el)}"
        )
        return [sql + ("" if el.flag("validate", True) else " NOT VALID")]
    if tag == "addUniqueConstraint":
        named = f"CONSTRAINT {ident(el.get('constraintName'))} " if el.get("constraintName") else ""
        return [f"ALTER TABLE {_table(el)} ADD {named}UNIQUE ({_columns(el.get('columnNames'))})"]
    if tag == "addPrimaryKey":
        named = f"CONSTRAINT {ident(el.get('constraintName'))} " if el.get("constraintName") else ""
        return [f"ALTER TABLE {_table(el)} ADD {named}PRIMARY KEY ({_columns(el.get('columnNames'))})"]
    if tag == "dropForeignKeyConstraint":
        return [f"ALTER TABLE {_table(el, 'baseTableName')} DROP CONSTRAINT {ident(el.get('constraintName'))}"]
    if tag in ("dropUniqueConstraint", "dropPrimaryKey"):
        if not el.get("constraintName"):
            raise Unreadable("no constraintName")
        return [f"ALTER TABLE {_table(el)} DROP CONSTRAINT {ident(el.get('constraintName'))}"]
    if tag == "modifyDataType":
        col, new = ident(el.get("columnName")), sql_type(el.get("newDataType"))
        return [f"ALTER TABLE {_table(el)} ALTER COLUMN {col} TYPE {new} USING ({col}::{new})"]
    if tag == "renameColumn":
        return [
            f"ALTER TABLE {_table(el)} RENAME COLUMN {ident(el.get('oldColumnName'))} "
            f"TO {ident(el.get('newColumnName'))}"
        ]
    if tag == "renameTable":
        return [f"ALTER TABLE {_table(el, 'oldTableName')} RENAME TO {ident(el.get('newTableName'))}"]
    if tag == "dropColumn":
        names = [el.get("columnName")] if el.get("columnName") else [c.get("name") for c in el.kids("column")]
        return [f"ALTER TABLE {_table(el)} DROP COLUMN {ident(n)}" for n in names]
    if tag == "dropTable":
        return [f"DROP TABLE {_table(el)}{' CASCADE' if el.flag('cascadeConstraints') else ''}"]
    if tag in ("update", "delete"):
        where = el.get("where") or next((w.text.strip() for w in el.kids("where")), "")
        tail = f" WHERE {where}" if where else ""
        if tag == "delete":
            return [f"DELETE FROM {_table(el)}{tail}"]
        sets = []
        for k in el.kids("column"):
            sets.append(f"{ident(k.get('name'))} = {_value(k, 'value') or 'NULL'}")
        return [f"UPDATE {_table(el)} SET {', '.join(sets)}{tail}"]
    if tag == "insert":
        items = el.kids("column")
        listed = _columns(",".join(k.get("name") for k in items))
        return [
            f"INSERT INTO {_table(el)} ({listed}) VALUES ({', '.join(_value(k, 'value') or 'NULL' for k in items)})"
        ]
    if tag == "createSequence":
        sql = f"CREATE SEQUENCE IF NOT EXISTS {_table(el, 'sequenceName')}"
        for attr, words in (("startValue", "START WITH"), ("incrementBy", "INCREMENT BY")):
            if el.get(attr):
                sql += f" {words} {el.get(attr)}"
        return [sql]
    if tag in ("loadData", "loadUpdateData"):
        raise Unreadable("rows loaded from a CSV file: not read (lint reads no data loads)")
    raise Unreadable("not read yet")


# elements of a changeSet that send nothing (or nothing a rule reads)
_QUIET = frozenset({"comment", "validCheckSum", "rollback", "tagDatabase", "empty", "output", "modifySql"})


def _split(sql: str, delimiter: str) -> list[tuple[int, str]]:
    """SQL cut at an endDelimiter other than ';' (GO, /): (offset, chunk) pairs."""
    if delimiter in ("", ";"):
        return [(0, sql)]
    pattern = re.compile(rf"(?im)^\s*{re.escape(delimiter)}\s*$|{re.escape(delimiter)}\s*$")
    out, start = [], 0
    for m in pattern.finditer(sql):
        out.append((start, sql[start : m.start()]))
        start = m.end()
    out.append((start, sql[start:]))
    return [(o, s) for o, s in out if s.strip()]


# ---------------------------------------------------------------- following a master


@dataclass
class Changelog:
    """A file Liquibase runs (a changelog, or a file an sqlFile change names) and its SQL."""

    path: Path
    read: Read


class _Out:
    """What one changelog sends, in order: its own SQL, cut where another file (an include, an
    sqlFile) runs in between, so the schema is built in the order Liquibase runs them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.logs = [Changelog(path, Read("liquibase", [], []))]
        self.open = True

    @property
    def read(self) -> Read:
        if not self.open:
            self.logs.append(Changelog(self.path, Read("liquibase", [], [])))
            self.open = True
        return self.logs[-1].read

    def add(self, logs: list[Changelog]) -> None:
        if logs:
            self.logs.extend(logs)
            self.open = False


class LiquibaseState:
    """The changelogs of one lint run: the files lint was given that a master includes are read
    from their master, in its order; each file is read once."""

    def __init__(self, files: list[Path]) -> None:
        self.props = _Props()
        self.done: set[Path] = set()
        self.included: set[Path] = set()
        for f in files:
            if f.suffix in CHANGELOG_SUFFIXES and f.suffix != ".sql":
                try:
                    self.included |= self._reached(f.resolve())
                except (OSError, Unreadable, yaml.YAMLError):
                    continue

    def _reached(self, path: Path) -> set[Path]:
        """The files a changelog includes, directly or not (and those its sqlFile changes name)."""
        seen: set[Path] = set()
        self._reach(path, seen)
        seen.discard(path)
        return seen

    def _reach(self, path: Path, seen: set[Path]) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not is_changelog(path, text) or path.suffix == ".sql":
            return
        root = _xml(text) if path.suffix == ".xml" else _data(text)
        for el in root.children:
            for target in self._targets(path, el, []):
                if target not in seen:
                    seen.add(target)
                    self._reach(target, seen)
            if el.tag == "changeSet":
                for change in el.children:
                    if change.tag == "sqlFile":
                        seen.add(_resolve(path, change.get("path"), change.flag("relativeToChangelogFile")) or path)

    def _targets(self, base: Path, el: El, notes: list[str]) -> list[Path]:
        relative = el.flag("relativeToChangelogFile")
        if el.tag == "include":
            target = _resolve(base, el.get("file"), relative)
            if target is None:
                notes.append(f"{el.line}: include of {el.get('file')!r} points nowhere: not linted")
                return []
            return [target]
        if el.tag == "includeAll":
            folder = _resolve(base, el.get("path"), relative, folder=True)
            if folder is None:
                notes.append(f"{el.line}: includeAll of {el.get('path')!r} finds no folder: not linted")
                return []
            return sorted(p.resolve() for p in folder.rglob("*") if p.is_file() and p.suffix in CHANGELOG_SUFFIXES)
        return []

    def read(self, path: Path, given: bool = True) -> list[Changelog] | None:
        """The changelog at `path` and those it includes, in the order Liquibase runs them;
        None when the file is no changelog. A file a master given to lint includes reads as []
        (it is read from its master)."""
        if path.suffix == ".sql" and given and not self.included and not self.done:
            with path.open("rb") as head:  # no changelog seen yet: a plain SQL file is read as SQL
                if not formatted_sql(head.read(200).decode("utf-8", "replace")):
                    return None
        real = path.resolve()
        if (given and real in self.included) or real in self.done:
            return []
        if path.suffix == ".sql" and given:  # most SQL files are no changelog: their head says so
            with real.open("rb") as head:
                if not formatted_sql(head.read(200).decode("utf-8", "replace")):
                    return None
        text = real.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".sql" and not formatted_sql(text):  # included plain SQL: one changeSet, run whole
            self.done.add(real)
            return [Changelog(path, Read("liquibase", [Piece(text, 1, True, written=True)], []))]
        if not is_changelog(path, text):
            return None
        self.done.add(real)
        out = _Out(path)
        try:
            if path.suffix == ".sql":
                _formatted(text, out.read)
                return out.logs
            root = _xml(text) if path.suffix == ".xml" else _data(text)
        except Unreadable as exc:
            out.read.skipped.append(f"1: {exc}")
            return out.logs
        for el in root.children:
            if el.tag == "property":
                self.props.define(el)
            elif el.tag in ("include", "includeAll"):
                for target in self._targets(real, el, out.read.skipped):
                    out.add(self.read(_shown(path, real, target), given=False) or [])
            elif el.tag == "changeSet":
                self._changeset(path, el, out)
        return [log for i, log in enumerate(out.logs) if i == 0 or log.read.pieces or log.read.skipped]

    def _changeset(self, path: Path, cs: El, out: _Out) -> None:
        name = f"changeSet {cs.get('id')}::{cs.get('author')}"
        self.props.at = str(path)
        if not _for_postgres(cs.get("dbms")):
            out.read.skipped.append(f"{cs.line}: {name} is for dbms={cs.get('dbms')}, not PostgreSQL: not linted")
            return
        in_transaction = cs.flag("runInTransaction", True)
        for change in cs.children:
            tag = change.tag
            if tag in _QUIET:
                continue
            if tag == "preConditions":
                out.read.skipped.append(f"{change.line}: {name} has preConditions: linted as if they pass")
                continue
            if not _for_postgres(change.get("dbms")):
                continue
            if tag in ("sql", "sqlFile"):
                out.add(self._sql(path, change, out.read, in_transaction, name))
                continue
            notes: list[str] = []
            change = self.props.expanded(change, notes)
            try:
                sqls = _statements(change, notes)
            except Unreadable as exc:
                out.read.skipped.append(f"{change.line}: {tag}: {exc}")
                continue
            out.read.skipped.extend(notes)
            out.read.pieces.extend(Piece(s, change.line, in_transaction, column=change.column, unit=name) for s in sqls)

    def _sql(self, path: Path, change: El, read: Read, in_transaction: bool, unit: str) -> list[Changelog]:
        """A sql change: its SQL at its lines; an sqlFile: the file, linted as a file of its own."""
        delimiter = change.get("endDelimiter", ";")
        if change.tag == "sqlFile":
            target = _resolve(path.resolve(), change.get("path"), change.flag("relativeToChangelogFile"))
            if target is None:
                read.skipped.append(f"{change.line}: sqlFile {change.get('path')!r} points nowhere: not linted")
                return []
            self.done.add(target)
            text = target.read_text(encoding="utf-8", errors="replace")
            own = Read("liquibase", [], [])
            for offset, chunk in _split(text, delimiter):
                line = 1 + text.count("\n", 0, offset)
                own.pieces.append(Piece(chunk, line, in_transaction, written=True, unit=unit))
            return [Changelog(_shown(path, path.resolve(), target), own)]
        notes: list[str] = []
        change = self.props.expanded(change, notes)
        text = change.text
        read.skipped.extend(notes)
        line = change.text_line or change.line
        for offset, chunk in _split(text, delimiter):
            at = line + text.count("\n", 0, offset)
            read.pieces.append(Piece(chunk, at, in_transaction, written=True, unit=unit))
        return []


def _shown(path: Path, real: Path, target: Path) -> Path:
    """`target` named as `path` names its file (relative paths stay relative)."""
    try:
        return path.parent / target.relative_to(real.parent)
    except ValueError:
        return target


def _resolve(base: Path, name: str, relative: bool, folder: bool = False) -> Path | None:
    """An include's file: beside the changelog (relativeToChangelogFile), else on the classpath,
    read as a folder above the changelog that holds it (src/main/resources of config/liquibase/...)."""
    if not name:
        return None
    name = name.removeprefix("classpath:").removeprefix("classpath*:")
    exists = Path.is_dir if folder else Path.is_file
    if relative:
        candidate = base.parent / name
        return candidate.resolve() if exists(candidate) else None
    for root in base.parents:
        candidate = root / name.lstrip("/")
        if exists(candidate):
            return candidate.resolve()
    return None


def _formatted(text: str, read: Read) -> None:
    """A formatted SQL changelog: each changeSet's SQL at its lines, rollback lines left out."""
    lines = text.splitlines(keepends=True)
    current: list[str] | None = None
    start = 0
    in_transaction = True
    skip = False
    unit = ""

    def flush() -> None:
        if current is not None and not skip:
            read.pieces.append(Piece("".join(current), start, in_transaction, written=True, unit=unit))

    for number, line in enumerate(lines, 1):
        m = _CHANGESET.match(line)
        if m:
            flush()
            attrs = dict(re.findall(r"(\w+):(\S+)", m.group(3)))
            in_transaction = attrs.get("runInTransaction", "true").lower() != "false"
            unit = f"changeSet {m.group(2)}::{m.group(1)}"  # `--changeset author:id`, named as the XML's
            skip = not _for_postgres(attrs.get("dbms", ""))
            if skip:
                read.skipped.append(
                    f"{number}: changeSet {m.group(1)}:{m.group(2)} is for dbms={attrs['dbms']}: not linted"
                )
            current, start = [], number + 1
        elif current is not None:
            blank = re.match(r"\s*--\s*(rollback|precondition|comment)", line, re.I)
            current.append("\n" if blank else line)  # kept as a line: the lines below keep their numbers
    flush()
