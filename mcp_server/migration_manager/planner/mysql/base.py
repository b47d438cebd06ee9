"""What every MariaDB / MySQL operation planner shares: names, column SQL, the facts, and how a
step is added (its risk, estimate and notes) or a copy is chosen (ALTER ... COPY or gh-ost)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ...ident import mysql_string
from ...knowledge.mysql import MyAction, Online, documented_only, online
from ...model import (
    AddColumn,
    Check,
    Column,
    CreateTable,
    Estimate,
    Migration,
    Operation,
    Risk,
    Step,
    TableStats,
    Target,
)
from ...schema.model import Schema, TableInfo
from .restate import schema_table

COPY_THRESHOLD_ROWS = 1_000_000  # past this (from stats), a table copy runs through gh-ost, not ALTER
COPY_THRESHOLD_BYTES = 1 << 30  # or past this data_length (schema known): table_rows is only an estimate
_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")
_RESERVED = {"order", "group", "key", "index", "table", "select", "where", "from", "user", "desc", "range", "status"}
_CONSTANT_DEFAULT = re.compile(
    r"(?i)\s*('.*'|[xb]'[0-9a-f]*'|0x[0-9a-f]+|0b[01]+|-?\d+(\.\d+)?|null|true|false|current_timestamp(\(\d*\))?|now\(\))\s*"
)


def q(name: str) -> str:
    """A MySQL identifier, backquoted when it must be."""
    if _PLAIN.fullmatch(name) and name not in _RESERVED:
        return name
    return "`" + name.replace("`", "``") + "`"


def _table(op: Operation) -> str:
    schema = getattr(op, "schema_name", None)
    table = getattr(op, "table", "") or ""
    return f"{q(schema)}.{q(table)}" if schema else q(table)


def _key(op: Operation) -> str:
    schema = getattr(op, "schema_name", None)
    table = getattr(op, "table", "") or ""
    return f"{schema}.{table}" if schema else table


def _charset_sql(charset: str | None, collation: str | None) -> str:
    parts = [f"CHARACTER SET {charset}"] if charset else []
    parts += [f"COLLATE {collation}"] if collation else []
    return "".join(" " + p for p in parts)


def _column_sql(col: Column) -> str:
    parts = [q(col.name), col.type + _charset_sql(col.charset, col.collation)]
    if col.identity:
        parts.append("AUTO_INCREMENT")
    parts.append("NULL" if col.nullable and not col.primary_key else "NOT NULL")
    if col.default is not None:
        parts.append(f"DEFAULT {_default(col.default)}")
    if col.primary_key:
        parts.append("PRIMARY KEY")
    if col.comment is not None:
        parts.append(f"COMMENT {mysql_string(col.comment)}")
    return " ".join(parts)


def _position(op: AddColumn) -> str:
    if op.first:
        return " FIRST"
    return f" AFTER {q(op.after)}" if op.after else ""


def _table_options(op: CreateTable) -> str:
    options = [f"ENGINE={op.engine}"] if op.engine else []
    options += [f"AUTO_INCREMENT={op.auto_increment}"] if op.auto_increment else []
    options += [f"DEFAULT CHARSET={op.charset}"] if op.charset else []
    options += [f"COLLATE={op.collation}"] if op.collation else []
    options += [f"COMMENT={mysql_string(op.comment)}"] if op.comment is not None else []
    return "".join(" " + o for o in options)


def _default(expression: str) -> str:
    """MySQL wants an expression default in parentheses; constants and CURRENT_TIMESTAMP as they are."""
    if _CONSTANT_DEFAULT.fullmatch(expression):
        return expression.strip()
    return f"({expression.strip()})"


def _shell(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


class Base:
    def __init__(
        self,
        target: Target,
        stats: dict[str, TableStats],
        lock_wait: int,
        batch_size: int,
        pause_ms: int,
        schema: Schema | None = None,
    ):
        self.target = target
        self.schema = schema
        self.schema_source = schema.source if schema else ""
        self.dialect = target.dialect
        self.release = target.release_tuple
        self.stats = stats
        self.lock_wait = lock_wait
        self.batch_size = batch_size
        self.pause_ms = pause_ms
        self.created: set[str] = set()
        self.small_copies: set[str] = set()  # copies the stats show to be small: accepted on purpose
        self.renamed: dict[tuple[str, str], str] = {}  # (table, column's new name) -> its name in the schema read
        self.pt_osc: dict[str, str] = {}  # the pt-online-schema-change equivalent of a gh-ost command
        self.migrations: list[Migration] = []
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ helpers

    def fact(self, action: MyAction) -> Online:
        return online(action, self.dialect, self.release)

    def alter(self, table: str, clause: str, fact: Online) -> str:
        suffix = f", ALGORITHM={fact.algorithm}" if fact.algorithm else ""
        return f"ALTER TABLE {table} {clause}{suffix}"

    def rows(self, key: str) -> int | None:
        """The table's rows: from the stats given, else the schema's estimate (information_schema.tables)."""
        s = self.stats.get(key)
        if s:
            return s.rows
        if self.schema is not None and key not in self.created:
            database, _, name = key.rpartition(".")
            table = self.schema.table(name, database or None)
            if table is not None:
                return table.rows  # InnoDB's estimate (information_schema.tables.table_rows)
        return None

    def known_table(self, op: Operation) -> TableInfo | None:
        """The table as the schema read has it (None without a schema, or for a table this change creates)."""
        if self.schema is None or _key(op) in self.created:
            return None
        name = getattr(op, "table", None)
        return schema_table(self.schema, name, getattr(op, "schema_name", None)) if name else None

    def large(self, key: str) -> bool:
        """Too large for an ALTER ... COPY: past the row threshold, or (schema known) past the data size one."""
        rows = self.rows(key)
        if rows is not None and rows > COPY_THRESHOLD_ROWS:
            return True
        if self.schema is not None and key not in self.created and key not in self.stats:
            database, _, name = key.rpartition(".")
            table = self.schema.table(name, database or None)
            return table is not None and (table.bytes or 0) > COPY_THRESHOLD_BYTES
        return False

    def add(
        self,
        name: str,
        title: str,
        description: str,
        up: list[str],
        down: list[str],
        fact: Online,
        *,
        key: str | None = None,
        checks: Sequence[Check] = (),
        gate: str | None = None,
        lossy_down: bool = False,
        down_note: str | None = None,
        breaks_running_code: bool = False,
        notes: Sequence[str] = (),
        external: str | None = None,
    ) -> None:
        new = key is not None and key in self.created
        risk = Risk.LOW
        if fact.blocks_writes and not new:
            risk = Risk.HIGH
        elif fact.rebuilds or breaks_running_code:
            risk = Risk.MEDIUM
        rows = self.rows(key) if key else None
        seconds = None if rows is None else (rows / 200_000 if fact.rebuilds else 0.01)
        basis = "metadata change" if not fact.rebuilds else "rebuild at ~200,000 rows/s"
        all_notes = [fact.note] if fact.note else []
        all_notes += list(notes)
        if documented_only(self.dialect):
            all_notes.append(
                "MySQL fact from the MySQL 8.0 manual; not measured by this tool's tests (MariaDB 10.11 is)"
            )
        step = Step(
            description=description,
            up=up,
            down=down,
            transactional=False,
            rewrites=fact.rebuilds,
            scans=fact.rebuilds,
            breaks_running_code=breaks_running_code,
            lossy_down=lossy_down,
            down_note=down_note,
            new_table=key if new else None,
            estimate=Estimate(seconds=seconds, basis=basis if rows is not None else "no table stats given"),
            risk=risk,
            notes=all_notes,
            algorithm=fact.algorithm or None,
            external_command=external,
            accepted=(
                f"{key} has {rows:,} rows by its {'stats' if key in self.stats else 'information_schema estimate'}: "
                "the copy is short"
                if fact.blocks_writes and key in self.small_copies and rows is not None
                else None
            ),
        )
        self.migrations.append(
            Migration(name=name, title=title, transactional=False, gate_before=gate, steps=[step], checks=list(checks))
        )

    def copy_or_tool(
        self, key: str, table: str, clause: str, alter_clause_for_tool: str
    ) -> tuple[list[str], str | None]:
        """A change only a table copy can make: ALTER ... COPY for a small table, gh-ost for a large one."""
        rows = self.rows(key)
        fact = self.fact(MyAction.CHANGE_TYPE)
        if self.large(key):
            database, _, name = key.rpartition(".")
            command = (
                f"gh-ost --alter={_shell(alter_clause_for_tool)} --database={database or '$DATABASE'} --table={name} "
                "--chunk-size=1000 --max-load=Threads_running=25 --critical-load=Threads_running=60 "
                "--default-retries=120 --cut-over=default --exact-rowcount --concurrent-rowcount --execute"
            )
            self.pt_osc[key] = (
                f"pt-online-schema-change --alter {_shell(alter_clause_for_tool)} "
                f"D={database or '$DATABASE'},t={name} --chunk-size=1000 --max-load Threads_running=25 "
                "--critical-load Threads_running=60 --set-vars lock_wait_timeout=5 --execute"
            )
            return [], command
        if rows is None:
            self.warnings.append(
                f"{key}: planned as a table copy (ALGORITHM=COPY, LOCK=SHARED: writes wait for the whole copy) "
                f"because no table stats were given; past {COPY_THRESHOLD_ROWS:,} rows give stats and the plan uses "
                "gh-ost"
            )
        else:
            self.small_copies.add(key)
        return [self.alter(table, clause, fact)], None
