"""A MariaDB / MySQL column change completed from the schema read from the server.

MODIFY COLUMN restates the whole column: what it leaves out (NOT NULL, DEFAULT, COMMENT, the
character set and collation, AUTO_INCREMENT, ON UPDATE) is dropped by the server without a word.
Given the column as information_schema has it, the change keeps what it did not state (and says
so), unless it stated something else (NULL, DEFAULT NULL, COMMENT '' ...); and the column's old
definition becomes the down. A type change of a column in a foreign key is refused: the server
refuses it too (error 1832 / 1833) unless the key is dropped first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import PlanningError
from ...ident import mysql_string
from ...model import ChangeColumnType, Dialect
from ...schema.model import ColumnInfo, Schema, TableInfo

_TEXTUAL = re.compile(r"(?i)\s*(national\s+)?(var)?char\b|\s*(tiny|medium|long)?text\b|\s*enum\b|\s*set\b")
_VARCHAR = re.compile(r"(?i)\s*varchar\s*\(\s*(\d+)\s*\)\s*")
# the most bytes one character takes (information_schema.character_sets.maxlen)
_MAXLEN = {"latin1": 1, "ascii": 1, "binary": 1, "utf8": 3, "utf8mb3": 3, "utf8mb4": 4, "ucs2": 2, "utf16": 4}


_INT_WIDTH = re.compile(r"(?i)\b((?:tiny|small|medium|big)?int|integer)\s*\(\s*\d+\s*\)")


def same_type(a: str, b: str) -> bool:
    """The same column type, an integer's display width (int(11), which MariaDB reports) aside."""

    def norm(t: str) -> str:
        return re.sub(r"\s+", " ", _INT_WIDTH.sub(r"\1", t.strip().lower())).replace("integer", "int")

    return norm(a) == norm(b)


def textual(type_sql: str) -> bool:
    return _TEXTUAL.match(type_sql) is not None


def _extras(extra: str) -> str:
    """AUTO_INCREMENT and ON UPDATE ... as a column definition states them."""
    out = " AUTO_INCREMENT" if "auto_increment" in extra.lower() else ""
    if m := re.search(r"(?i)on update \S+", extra):
        out += " " + m[0].upper()
    return out


def definition(col: ColumnInfo) -> str:
    """The column's whole definition as MODIFY COLUMN restates it (no name)."""
    parts = [col.type]
    if col.charset and textual(col.type):
        parts.append(f"CHARACTER SET {col.charset}")
    if col.collation and textual(col.type):
        parts.append(f"COLLATE {col.collation}")
    parts.append("NOT NULL" if col.not_null else "NULL")
    if col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    text = " ".join(parts) + _extras(col.extra)
    if col.comment:
        text += f" COMMENT {mysql_string(col.comment)}"
    return text


@dataclass(frozen=True)
class Completed:
    op: ChangeColumnType  # with old_type and what it keeps filled in
    old: ColumnInfo
    table: TableInfo
    extras: str  # AUTO_INCREMENT / ON UPDATE carried
    kept: tuple[str, ...]  # what the change left out and the plan keeps


def schema_table(schema: Schema, name: str, database: str | None) -> TableInfo | None:
    """The table as the schema read has it."""
    table = schema.table(name, database)
    if table is None and database and database not in schema.schemas and schema.source.startswith("schema file"):
        table = schema.table(name)  # a file loaded into a scratch database: its database has another name
    return table


def find(schema: Schema, op: ChangeColumnType) -> tuple[TableInfo, ColumnInfo] | None:
    table = schema_table(schema, op.table, op.schema_name)
    col = table.column(op.column) if table else None
    return (table, col) if table and col else None


def complete(schema: Schema, op: ChangeColumnType) -> Completed | None:
    """`op` with what the schema knows filled in, or None when the schema does not have the column."""
    found = find(schema, op)
    if found is None:
        return None
    table, col = found
    where = f"{op.table}.{op.column}"
    if col.generated:
        raise PlanningError(
            f"change_column_type {where}: a generated column; MODIFY without its AS (...) turns it into a plain "
            "column. Restate the generation expression with gh-ost or by hand"
        )
    update: dict[str, object] = {"old_type": op.old_type or col.type}
    kept: list[str] = []
    if col.not_null and not op.not_null and not op.null_stated:
        update["not_null"] = True
        kept.append("NOT NULL")
    if op.default is None and col.default is not None:
        update["default"] = col.default
        kept.append(f"DEFAULT {col.default}")
    if op.comment is None and col.comment:
        update["comment"] = col.comment
        kept.append(f"COMMENT {mysql_string(col.comment)}")
    if op.charset is None and op.collation is None and col.collation and textual(op.new_type):
        update["charset"], update["collation"] = col.charset, col.collation
        kept.append(f"CHARACTER SET {col.charset} COLLATE {col.collation}")
    extras = _extras(col.extra)
    if extras:
        kept.append(extras.strip())
    if not same_type(col.type, op.new_type):
        keys = [c for c in table.constraints if c.kind == "f" and op.column in c.columns]
        keys += [
            ref.constraint for ref in schema.incoming_foreign_keys(table) if op.column in ref.constraint.ref_columns
        ]
        if keys:
            names = ", ".join(f"{k.name} ({k.definition})" for k in keys)
            raise PlanningError(
                f"change_column_type {where}: the column is in foreign key {names}; the server refuses to change "
                "its type while the key exists. Drop the key (drop_constraint), change the column on both sides, "
                "then add the key again (add_foreign_key): plan those as separate changes"
            )
    return Completed(op.model_copy(update=update), col, table, extras, tuple(kept))


def varchar_bytes(type_sql: str, charset: str | None) -> int | None:
    """The most bytes a varchar holds (its length times the character set's widest character;
    utf8mb4 when the character set is not known, the widest common one); None for another type."""
    m = _VARCHAR.fullmatch(type_sql.strip())
    if m is None:
        return None
    return int(m[1]) * _MAXLEN.get((charset or "utf8mb4").lower(), 4)


def widens_without_copy(before: int, after: int, dialect: Dialect) -> bool:
    """A varchar grown from `before` to `after` bytes without a copy. InnoDB keeps each value's
    length in 1 byte while the column holds at most 255 bytes, else in 2 bytes for values over 127
    bytes; the stored rows stay valid when that does not change. MariaDB 10.11 (measured by
    tests/test_mysql_knowledge.py): up to 255 bytes, above 255 on both sides, or from at most 127
    bytes; MySQL 8.0 (its manual): only within the same length-byte size (no exception for 127)."""
    if after < before:
        return False
    same_size = (after <= 255) == (before <= 255)
    return same_size or (dialect is Dialect.MARIADB and before <= 127)
