"""Operation -> Plan for MariaDB and MySQL (InnoDB).

No DDL is transactional there: each migration holds one ALTER (or CREATE/DROP/RENAME), so a
failure leaves nothing half-done. Every ALTER states its ALGORITHM and LOCK (knowledge/mysql.py):
INSTANT or INPLACE, LOCK=NONE where the server can keep the table online; a server that cannot
refuses instead of copying. A change that can only be made by copying the table is planned as
ALGORITHM=COPY, LOCK=SHARED for a small table and, past a size threshold in the table stats, as a
gh-ost (or pt-online-schema-change) run instead of an ALTER. lock_wait_timeout bounds the wait
for the metadata lock each ALTER takes at its start and end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import InputError, PlanningError
from ..knowledge.mysql import MyAction, Online, documented_only, online
from ..model import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AddUnique,
    Backfill,
    ChangeColumnType,
    Check,
    Column,
    CreateTable,
    Dialect,
    DropColumn,
    DropConstraint,
    DropDefault,
    DropIndex,
    DropTable,
    Estimate,
    Migration,
    Operation,
    Plan,
    RenameColumn,
    RenameTable,
    Risk,
    SetDefault,
    Step,
    TableStats,
    Target,
)
from ..schema.model import Schema
from .mysql_column import complete, definition, same_type, varchar_bytes, widens_without_copy

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


def _string(text: str) -> str:
    """A MySQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


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
        parts.append(f"COMMENT {_string(col.comment)}")
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
    options += [f"COMMENT={_string(op.comment)}"] if op.comment is not None else []
    return "".join(" " + o for o in options)


def _default(expression: str) -> str:
    """MySQL wants an expression default in parentheses; constants and CURRENT_TIMESTAMP as they are."""
    if _CONSTANT_DEFAULT.fullmatch(expression):
        return expression.strip()
    return f"({expression.strip()})"


class _Planner:
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

    # ------------------------------------------------------------------ operations

    def create_table(self, op: CreateTable) -> None:
        key, table = _key(op), _table(op)
        elements = [_column_sql(c) for c in op.columns]
        if op.primary_key:
            elements.append(f"PRIMARY KEY ({', '.join(q(c) for c in op.primary_key)})")
        elements += list(op.constraints)
        body = ",\n    ".join(elements)
        self.created.add(key)
        self.add(
            f"create_{op.table}",
            f"create table {op.table}",
            f"Create table {key}",
            [f"CREATE TABLE {table} (\n    {body}\n){_table_options(op)}"],
            [f"DROP TABLE IF EXISTS {table}"],
            self.fact(MyAction.CREATE_TABLE),
            key=key,
        )

    def drop_table(self, op: DropTable) -> None:
        key, table = _key(op), _table(op)
        down = (
            [f"CREATE TABLE {table} (\n    " + ",\n    ".join(_column_sql(c) for c in op.columns) + "\n)"]
            if op.columns
            else []
        )
        self.add(
            f"drop_{op.table}",
            f"drop table {op.table}",
            f"Drop table {key}",
            [f"DROP TABLE IF EXISTS {table}"],
            down,
            self.fact(MyAction.DROP_TABLE),
            key=key,
            gate=f"Deploy application code that no longer uses {key}.",
            lossy_down=True,
            down_note="recreates the table empty: its rows are gone",
            breaks_running_code=True,
        )

    def rename_table(self, op: RenameTable) -> None:
        key, table = _key(op), _table(op)
        new = f"{q(op.schema_name)}.{q(op.new_name)}" if op.schema_name else q(op.new_name)
        self.add(
            f"rename_{op.table}_to_{op.new_name}",
            f"rename table {op.table} to {op.new_name}",
            f"Rename table {key} to {op.new_name}",
            [f"RENAME TABLE {table} TO {new}"],
            [f"RENAME TABLE {new} TO {table}"],
            self.fact(MyAction.RENAME_TABLE),
            key=key,
            breaks_running_code=True,
            gate=f"Deploy application code that works with both {op.table} and {op.new_name} (or pause it).",
        )

    def add_column(self, op: AddColumn) -> None:
        key, table, col = _key(op), _table(op), op.column
        expression = col.default is not None and not _CONSTANT_DEFAULT.fullmatch(col.default)
        if col.generated or col.identity:
            raise PlanningError(
                f"add_column {key}.{col.name}: generated and AUTO_INCREMENT columns copy the table on "
                f"{self.target.label}; use gh-ost, or add a plain column and backfill it"
            )
        if not expression and op.backfill is None:
            self.add(
                f"add_{col.name}_to_{op.table}",
                f"add {col.name} to {op.table}",
                f"Add column {col.name} {col.type} to {key}",
                [self.alter(table, f"ADD COLUMN {_column_sql(col)}{_position(op)}", self.fact(MyAction.ADD_COLUMN))],
                [self.alter(table, f"DROP COLUMN {q(col.name)}", self.fact(MyAction.DROP_COLUMN))],
                self.fact(MyAction.ADD_COLUMN),
                key=key,
                lossy_down=True,
                down_note="dropping the column loses the values written to it since",
            )
            return
        # an expression default gives every existing row its own value: a copy. Instead: add the
        # column nullable, give new rows the default, backfill in batches, then NOT NULL.
        nullable = Column(
            name=col.name, type=col.type, comment=col.comment, charset=col.charset, collation=col.collation
        )
        self.add(
            f"add_{col.name}_to_{op.table}",
            f"add {col.name} to {op.table}",
            f"Add column {col.name} {col.type} to {key}, nullable, no default",
            [self.alter(table, f"ADD COLUMN {_column_sql(nullable)}{_position(op)}", self.fact(MyAction.ADD_COLUMN))],
            [self.alter(table, f"DROP COLUMN {q(col.name)}", self.fact(MyAction.DROP_COLUMN))],
            self.fact(MyAction.ADD_COLUMN),
            key=key,
            lossy_down=True,
            down_note="dropping the column loses the values written to it since",
        )
        if col.default is not None:
            fact = self.fact(MyAction.SET_DEFAULT)
            self.add(
                f"default_{op.table}_{col.name}",
                f"default for {op.table}.{col.name}",
                f"Default {col.default} for new rows of {key}",
                [self.alter(table, f"ALTER COLUMN {q(col.name)} SET DEFAULT {_default(col.default)}", fact)],
                [self.alter(table, f"ALTER COLUMN {q(col.name)} DROP DEFAULT", fact)],
                fact,
                key=key,
            )
        value = op.backfill or col.default or "NULL"
        self.backfill(
            Backfill(
                table=op.table,
                schema_name=op.schema_name,
                column=col.name,
                value=value,
                batch_size=self.batch_size,
                pause_ms=self.pause_ms,
            )
        )
        if not col.nullable:
            type_sql = f"{col.type} NOT NULL" + (f" DEFAULT {_default(col.default)}" if col.default else "")
            back = f"{col.type} NULL" + (f" DEFAULT {_default(col.default)}" if col.default else "")
            fact = self.fact(MyAction.SET_NOT_NULL)
            self.add(
                f"set_{op.table}_{col.name}_not_null",
                f"set {op.table}.{col.name} not null",
                f"NOT NULL on {key}.{col.name} (rebuilds the table in place; reads and writes go on)",
                [self.alter(table, f"MODIFY COLUMN {q(col.name)} {type_sql}", fact)],
                [self.alter(table, f"MODIFY COLUMN {q(col.name)} {back}", fact)],
                fact,
                key=key,
                checks=[
                    Check(
                        description=f"no NULL left in {key}.{col.name}",
                        sql=f"SELECT count(*) FROM {table} WHERE {q(col.name)} IS NULL",
                        expect="zero",
                    )
                ],
            )

    def backfill(self, op: Backfill) -> None:
        if self.dialect is not Dialect.MARIADB:
            raise PlanningError(
                f"backfill {_key(op)}.{op.column}: MySQL runs no loop outside a stored program; run the batched "
                "UPDATE from the application or a script, then plan the rest"
            )
        key, table, col = _key(op), _table(op), q(op.column)
        where = op.where or f"{col} IS NULL"
        pk = q(op.key or "id")
        block = (
            "BEGIN NOT ATOMIC\n"
            f"    DECLARE lo, hi BIGINT;\n"
            f"    SELECT min({pk}) INTO lo FROM {table};\n"
            "    WHILE lo IS NOT NULL DO\n"
            f"        SELECT max(k) INTO hi FROM (SELECT {pk} AS k FROM {table} WHERE {pk} >= lo ORDER BY {pk} "
            f"LIMIT {op.batch_size}) AS batch;\n"
            f"        UPDATE {table} SET {col} = {op.value} WHERE {pk} BETWEEN lo AND hi AND ({where});\n"
            f"        DO SLEEP({op.pause_ms / 1000:g});\n"
            f"        SELECT min({pk}) INTO lo FROM {table} WHERE {pk} > hi;\n"
            "    END WHILE;\n"
            "END"
        )
        self.add(
            f"backfill_{op.table}_{op.column}",
            f"backfill {op.table} {op.column}",
            f"Backfill {key}.{op.column} in batches of {op.batch_size} (each batch commits; safe to run again)",
            [block],
            [],
            Online("", False, False, "row locks on one batch at a time"),
            key=key,
        )

    def drop_column(self, op: DropColumn) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.DROP_COLUMN)
        down = []
        if op.type:
            down = [self.alter(table, f"ADD COLUMN {q(op.column)} {op.type} NULL", self.fact(MyAction.ADD_COLUMN))]
        self.add(
            f"drop_{op.column}_from_{op.table}",
            f"drop {op.column} from {op.table}",
            f"Drop column {key}.{op.column}",
            [self.alter(table, f"DROP COLUMN {q(op.column)}", fact)],
            down,
            fact,
            key=key,
            gate=f"Deploy application code that no longer reads or writes {key}.{op.column}.",
            lossy_down=True,
            down_note="re-adds the column empty" if op.type else "give `type` so the down can re-add the column",
            breaks_running_code=True,
        )

    def rename_column(self, op: RenameColumn) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.RENAME_COLUMN)
        self.add(
            f"rename_{op.table}_{op.column}_to_{op.new_name}",
            f"rename {op.table}.{op.column} to {op.new_name}",
            f"Rename column {key}.{op.column} to {op.new_name}",
            [self.alter(table, f"RENAME COLUMN {q(op.column)} TO {q(op.new_name)}", fact)],
            [self.alter(table, f"RENAME COLUMN {q(op.new_name)} TO {q(op.column)}", fact)],
            fact,
            key=key,
            breaks_running_code=True,
            gate=f"Deploy application code that reads and writes {op.new_name} when it exists, {op.column} otherwise "
            "(or switch the code over in the same deploy window).",
        )

    def set_default(self, op: SetDefault | DropDefault) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.SET_DEFAULT)
        col = q(op.column)
        previous = op.previous_default
        restore = f"SET DEFAULT {_default(previous)}" if previous is not None else "DROP DEFAULT"
        if isinstance(op, SetDefault):
            up, what = f"SET DEFAULT {_default(op.default)}", f"Default {op.default} for {key}.{op.column}"
        else:
            up, what = "DROP DEFAULT", f"Drop the default of {key}.{op.column}"
        self.add(
            f"default_{op.table}_{op.column}",
            f"default of {op.table}.{op.column}",
            what,
            [self.alter(table, f"ALTER COLUMN {col} {up}", fact)],
            [self.alter(table, f"ALTER COLUMN {col} {restore}", fact)],
            fact,
            key=key,
        )

    def change_type(self, op: ChangeColumnType) -> None:
        key, table, col = _key(op), _table(op), q(op.column)
        done = complete(self.schema, op) if self.schema is not None else None
        if done is not None:
            op = done.op
            if done.kept:
                self.warnings.append(
                    f"{key}.{op.column}: the change does not restate {', '.join(done.kept)}; MODIFY COLUMN would drop "
                    f"{'it' if len(done.kept) == 1 else 'them'}, so the plan keeps what {self.schema_source} has "
                    "(state NULL, DEFAULT NULL or COMMENT '' to drop one on purpose)"
                )
        if op.old_type is None and not op.restated:
            raise PlanningError(
                f"change_column_type {key}.{op.column}: give old_type (MODIFY COLUMN needs it for the down, and "
                "it decides between an in-place change and a table copy)"
            )
        null = "NOT NULL" if op.not_null else "NULL"
        default = f" DEFAULT {_default(op.default)}" if op.default is not None else ""
        comment = f" COMMENT {_string(op.comment)}" if op.comment is not None else ""
        extras = done.extras if done is not None else ""
        new_def = f"{op.new_type}{_charset_sql(op.charset, op.collation)} {null}{default}{extras}{comment}"
        old_def = definition(done.old) if done is not None else f"{op.old_type} {null}{default}{comment}"
        down_note = None
        if op.old_type is None:
            # read from DDL alone (MODIFY / CHANGE COLUMN): the old definition is unknown, so the
            # cheap in-place cases cannot be told apart; a copy is right whatever the old type was
            down_note = "give old_type so the down can restore the column (MODIFY COLUMN restates its whole definition)"
        elif done is None and (op.charset or op.collation):
            down_note = "the down restores the type; the character set and collation before the change are not known"
        same = op.old_type is not None and same_type(op.old_type, op.new_type)
        down_fact = self.fact(MyAction.CHANGE_TYPE)  # back to the old type: a copy, unless below
        if done is not None:
            old = done.old
            same_text = (op.charset or old.charset) == old.charset and (op.collation or old.collation) == old.collation
            widen = self.widens_in_place(op, old.type, old.charset) if same_text else False
            if same and same_text and op.not_null == old.not_null:  # default or comment only: either way alike
                # MariaDB 10.11: INSTANT (measured by tests/test_mysql_schema.py); MySQL: in place, to be safe
                fact = self.fact(MyAction.SET_DEFAULT if self.dialect is Dialect.MARIADB else MyAction.SET_NOT_NULL)
                down_fact = fact
            elif same and same_text:
                fact = self.fact(MyAction.SET_NOT_NULL if op.not_null else MyAction.DROP_NOT_NULL)
                down_fact = self.fact(MyAction.DROP_NOT_NULL if op.not_null else MyAction.SET_NOT_NULL)
            elif widen and op.not_null == old.not_null:
                fact = self.fact(MyAction.WIDEN_VARCHAR)
            else:
                fact = self.fact(MyAction.CHANGE_TYPE)
        elif op.old_type is None:
            fact = self.fact(MyAction.CHANGE_TYPE)
        elif op.old_type is not None and self.widens_in_place(op, op.old_type, op.charset):
            fact = self.fact(MyAction.WIDEN_VARCHAR)
        elif same:  # only NULL changes
            fact = self.fact(MyAction.SET_NOT_NULL)
        else:
            fact = self.fact(MyAction.CHANGE_TYPE)
        if fact.algorithm.startswith("COPY"):
            up, external = self.copy_or_tool(
                key, table, f"MODIFY COLUMN {col} {new_def}", f"MODIFY COLUMN {col} {new_def}"
            )
        else:
            up, external = [self.alter(table, f"MODIFY COLUMN {col} {new_def}", fact)], None
        self.add(
            f"change_{op.table}_{op.column}_to_{re.sub(r'[^a-z0-9]+', '_', op.new_type.lower()).strip('_')}",
            f"change {op.table}.{op.column} to {op.new_type}",
            f"Change {key}.{op.column} from {op.old_type or 'its current type'} to {op.new_type}",
            up,
            [self.alter(table, f"MODIFY COLUMN {col} {old_def}", down_fact)] if op.old_type else [],
            fact,
            key=key,
            lossy_down=op.old_type is None,
            down_note=down_note,
            notes=[]
            if external is None
            else [
                f"{key} is over {COPY_THRESHOLD_ROWS:,} rows (or {COPY_THRESHOLD_BYTES >> 30} GiB): gh-ost copies it "
                "in chunks while writes go on, then swaps it in",
                f"or, with Percona Toolkit: {self.pt_osc[key]}",
            ],
            external=external,
        )

    def widens_in_place(self, op: ChangeColumnType, old_type: str, charset: str | None) -> bool:
        """A varchar made longer without a copy (mysql_column.widens_without_copy)."""
        before = varchar_bytes(old_type, charset)
        after = varchar_bytes(op.new_type, op.charset or charset)
        return before is not None and after is not None and widens_without_copy(before, after, self.dialect)

    def add_index(self, op: AddIndex) -> None:
        key, table = _key(op), _table(op)
        name = op.name or f"{op.table}_{'_'.join(re.sub(r'[^a-z0-9]+', '_', c.lower()) for c in op.columns)}_idx"
        if op.where:
            raise PlanningError(f"add_index {name}: MariaDB and MySQL have no partial indexes (WHERE)")
        fact = self.fact(MyAction.ADD_INDEX)
        kind = "UNIQUE INDEX" if op.unique else "INDEX"
        using = f" USING {op.method.upper()}" if op.method else ""
        if op.method and op.method.lower() == "fulltext":
            if op.unique:
                raise PlanningError(f"add_index {name}: a FULLTEXT index cannot be UNIQUE")
            fact, kind, using = self.fact(MyAction.ADD_FULLTEXT_INDEX), "FULLTEXT INDEX", ""
        elif op.method and op.method.lower() not in ("btree", "hash"):
            raise PlanningError(
                f"add_index {name}: index method {op.method!r} is not planned for {self.target.label} "
                "(btree, hash or fulltext)"
            )
        cols = ", ".join(c if c.startswith("(") else q(c) for c in op.columns)
        checks = []
        if op.unique:
            checks.append(
                Check(
                    description=f"no duplicate ({', '.join(op.columns)}) in {key}",
                    sql=f"SELECT {cols}, count(*) FROM {table} GROUP BY {cols} HAVING count(*) > 1 LIMIT 10",
                    expect="no rows",
                )
            )
        self.add(
            f"create_{name}",
            f"create index {name}",
            f"Build {kind.lower()} {name} on {key} in place: "
            + ("reads and writes go on" if not fact.blocks_writes else "reads go on, writes wait for the build"),
            [self.alter(table, f"ADD {kind} {q(name)}{using} ({cols})", fact)],
            [self.alter(table, f"DROP INDEX {q(name)}", self.fact(MyAction.DROP_INDEX))],
            fact,
            key=key,
            checks=checks,
        )

    def drop_index(self, op: DropIndex) -> None:
        if not op.table:
            raise InputError(f"drop_index {op.name}: MariaDB and MySQL name an index by its table: give `table`")
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.DROP_INDEX)
        down = []
        if op.columns:
            kind = "UNIQUE INDEX" if op.unique else "INDEX"
            down = [
                self.alter(
                    table,
                    f"ADD {kind} {q(op.name)} ({', '.join(q(c) for c in op.columns)})",
                    self.fact(MyAction.ADD_INDEX),
                )
            ]
        self.add(
            f"drop_{op.name}",
            f"drop index {op.name}",
            f"Drop index {op.name} on {key}",
            [self.alter(table, f"DROP INDEX {q(op.name)}", fact)],
            down,
            fact,
            key=key,
            lossy_down=not op.columns,
            down_note=None if op.columns else "give columns so the down can rebuild the index",
        )

    def add_foreign_key(self, op: AddForeignKey) -> None:
        key, table = _key(op), _table(op)
        ref = f"{q(op.ref_schema)}.{q(op.ref_table)}" if op.ref_schema else q(op.ref_table)
        name = op.name or f"{op.table}_{'_'.join(op.columns)}_fkey"
        fact = self.fact(MyAction.ADD_FOREIGN_KEY)
        actions = "".join(f" ON {w} {a.upper()}" for w, a in (("DELETE", op.on_delete), ("UPDATE", op.on_update)) if a)
        clause = (
            f"ADD CONSTRAINT {q(name)} FOREIGN KEY ({', '.join(q(c) for c in op.columns)}) "
            f"REFERENCES {ref} ({', '.join(q(c) for c in op.ref_columns)}){actions}"
        )
        present = " AND ".join(f"t.{q(c)} IS NOT NULL" for c in op.columns)
        on = " AND ".join(f"r.{q(rc)} = t.{q(c)}" for c, rc in zip(op.columns, op.ref_columns, strict=True))
        self.add(
            f"add_fk_{name}",
            f"add foreign key {name}",
            f"Add foreign key {name}: {key} -> {op.ref_table}, without a table copy (foreign_key_checks=0: the "
            "server does not check the existing rows, the pre-flight check does)",
            [
                "SET SESSION foreign_key_checks = 0",
                self.alter(table, clause, fact),
                "SET SESSION foreign_key_checks = 1",
            ],
            [self.alter(table, f"DROP FOREIGN KEY {q(name)}", self.fact(MyAction.DROP_CONSTRAINT))],
            fact,
            key=key,
            checks=[
                Check(
                    description=f"every {key}({', '.join(op.columns)}) has its {op.ref_table} row ({name})",
                    sql=f"SELECT count(*) FROM {table} AS t WHERE {present} AND NOT EXISTS "
                    f"(SELECT 1 FROM {ref} AS r WHERE {on})",
                    expect="zero",
                )
            ],
            notes=["with foreign_key_checks=0 the server adds the key without copying and skips the existing rows"],
        )

    def add_check(self, op: AddCheck) -> None:
        key, table = _key(op), _table(op)
        name = op.name or f"{op.table}_check"
        up, external = self.copy_or_tool(
            key,
            table,
            f"ADD CONSTRAINT {q(name)} CHECK ({op.expression})",
            f"ADD CONSTRAINT {q(name)} CHECK ({op.expression})",
        )
        fact = self.fact(MyAction.ADD_CHECK)
        self.add(
            f"add_check_{name}",
            f"add check {name}",
            f"Add CHECK {name} on {key} (only a table copy adds a check on {self.target.label})",
            up,
            [self.alter(table, f"DROP CONSTRAINT {q(name)}", self.fact(MyAction.DROP_CONSTRAINT))],
            fact,
            key=key,
            checks=[
                Check(
                    description=f"no row of {key} violates {name}",
                    sql=f"SELECT count(*) FROM {table} WHERE NOT ({op.expression})",
                    expect="zero",
                )
            ],
            external=external,
        )

    def add_primary_key(self, op: AddPrimaryKey) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.ADD_PRIMARY_KEY)
        cols = ", ".join(q(c) for c in op.columns)
        present = " OR ".join(f"{q(c)} IS NULL" for c in op.columns)
        self.add(
            f"add_pk_{op.table}",
            f"add primary key to {op.table}",
            f"Add primary key ({', '.join(op.columns)}) to {key}: rebuilds the table in place, reads and writes go on",
            [self.alter(table, f"ADD PRIMARY KEY ({cols})", fact)],
            [self.alter(table, "DROP PRIMARY KEY", self.fact(MyAction.CHANGE_TYPE))],
            fact,
            key=key,
            checks=[
                Check(
                    description=f"no duplicate ({', '.join(op.columns)}) in {key}",
                    sql=f"SELECT {cols}, count(*) FROM {table} GROUP BY {cols} HAVING count(*) > 1 LIMIT 10",
                    expect="no rows",
                ),
                Check(
                    description=f"no NULL in ({', '.join(op.columns)}) of {key}",
                    sql=f"SELECT count(*) FROM {table} WHERE {present}",
                    expect="zero",
                ),
            ],
        )

    def add_unique(self, op: AddUnique) -> None:
        self.add_index(
            AddIndex(
                table=op.table,
                schema_name=op.schema_name,
                columns=op.columns,
                name=op.name,
                unique=True,
                stated_algorithm=op.stated_algorithm,
            )
        )

    def drop_constraint(self, op: DropConstraint) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.DROP_CONSTRAINT)
        down = (
            [self.alter(table, f"ADD CONSTRAINT {q(op.name)} {op.definition}", self.fact(MyAction.ADD_CHECK))]
            if op.definition
            else []
        )
        self.add(
            f"drop_{op.name}",
            f"drop constraint {op.name}",
            f"Drop constraint {op.name} on {key}",
            [self.alter(table, f"DROP CONSTRAINT {q(op.name)}", fact)],
            down,
            fact,
            key=key,
            lossy_down=not op.definition,
            down_note=None if op.definition else "give `definition` so the down can re-add it",
        )


def _parts(algorithm: str) -> tuple[str | None, str | None]:
    """'INPLACE, LOCK=NONE' -> ('INPLACE', 'NONE'); DEFAULT counts as unstated."""
    m = re.fullmatch(r"\s*(?:ALGORITHM\s*=\s*)?(\w+)?\s*(?:,?\s*LOCK\s*=\s*(\w+))?\s*", algorithm, re.I)
    if m is None:
        return None, None
    algo, lock = (x.upper() if x and x.upper() != "DEFAULT" else None for x in m.groups())
    return algo, lock


def _stated_differs(stated: str | None, planned: str | None) -> str | None:
    """What differs between the ALGORITHM / LOCK the DDL stated and the ones the plan states."""
    if not stated:
        return None
    s_algo, s_lock = _parts(stated)
    p_algo, p_lock = _parts(planned or "")
    if s_algo and p_algo and s_algo != p_algo:
        return f"the DDL stated ALGORITHM={s_algo}; this change needs ALGORITHM={p_algo}, which the plan states instead"
    if not p_algo and (s_algo or s_lock):
        return f"the DDL stated {stated}; this statement takes no ALGORITHM clause, the plan states none"
    if s_lock and s_lock != (p_lock or "NONE"):
        return f"the DDL stated LOCK={s_lock}; the plan states {'LOCK=' + p_lock if p_lock else 'no LOCK clause'}"
    return None


def _shell(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _seconds(timeout: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*(ms|s|min)?\s*", timeout)
    if not m:
        return 5
    value, unit = int(m[1]), m[2] or "ms"
    return max(1, value // 1000 if unit == "ms" else value * 60 if unit == "min" else value)


def plan_mysql(
    operations: Sequence[Operation],
    target: Target,
    stats: dict[str, TableStats],
    *,
    lock_timeout: str,
    statement_timeout: str,
    batch_size: int,
    pause_ms: int,
    schema: Schema | None = None,
) -> Plan:
    planner = _Planner(target, stats, _seconds(lock_timeout), batch_size, pause_ms, schema)
    handlers: dict[type, Callable[[Any], None]] = {
        CreateTable: planner.create_table,
        DropTable: planner.drop_table,
        RenameTable: planner.rename_table,
        AddColumn: planner.add_column,
        DropColumn: planner.drop_column,
        RenameColumn: planner.rename_column,
        SetDefault: planner.set_default,
        DropDefault: planner.set_default,
        ChangeColumnType: planner.change_type,
        AddIndex: planner.add_index,
        DropIndex: planner.drop_index,
        AddForeignKey: planner.add_foreign_key,
        AddCheck: planner.add_check,
        AddPrimaryKey: planner.add_primary_key,
        AddUnique: planner.add_unique,
        DropConstraint: planner.drop_constraint,
        Backfill: planner.backfill,
    }
    for op in operations:
        handler: Callable[[Any], None] | None = handlers.get(type(op))
        if handler is None:
            hint = ""
            if op.op in ("set_not_null", "drop_not_null"):
                hint = (
                    ": MODIFY COLUMN needs the whole definition; use change_column_type with old_type = new_type "
                    "and not_null"
                )
            raise PlanningError(f"{op.op} is not planned for {target.label} yet{hint}")
        first = len(planner.migrations)
        handler(op)
        stated = getattr(op, "stated_algorithm", None)
        for migration in planner.migrations[first:]:
            for step in migration.steps:
                if differs := _stated_differs(stated, step.algorithm):
                    planner.warnings.append(f"{step.description}: {differs}")
    if documented_only(target.dialect):
        planner.warnings.append(
            f"{target.label}: the online-DDL facts come from the MySQL 8.0 manual and are not measured by this tool's "
            "tests (they run MariaDB 10.11)"
        )
    return Plan(
        target=target,
        operations=list(operations),
        migrations=planner.migrations,
        warnings=planner.warnings,
        lock_timeout=f"{planner.lock_wait}s",
        statement_timeout=statement_timeout,
        schema_source=schema.source if schema is not None else None,
    )
