"""Columns: add, drop, rename, defaults, type changes (MODIFY COLUMN restates the whole column: restate.py)."""

from __future__ import annotations

import dataclasses
import re

from ...errors import PlanningError
from ...ident import mysql_string
from ...knowledge.mysql import MyAction
from ...model import (
    AddColumn,
    Backfill,
    ChangeColumnType,
    Check,
    Column,
    Dialect,
    DropColumn,
    DropDefault,
    RenameColumn,
    SetDefault,
)
from .backfill import Backfills
from .base import (
    _CONSTANT_DEFAULT,
    COPY_THRESHOLD_BYTES,
    COPY_THRESHOLD_ROWS,
    _charset_sql,
    _column_sql,
    _default,
    _key,
    _position,
    _table,
    q,
)
from .restate import complete, definition, same_type, varchar_bytes, widens_without_copy


class Columns(Backfills):  # add_column backfills a NOT NULL column's values
    def add_column(self, op: AddColumn) -> None:
        key, table, col = _key(op), _table(op), op.column
        expression = col.default is not None and not _CONSTANT_DEFAULT.fullmatch(col.default)
        if col.generated or col.identity:
            raise PlanningError(
                f"add_column {key}.{col.name}: generated and AUTO_INCREMENT columns copy the table on "
                f"{self.target.label}; use gh-ost, or add a plain column and backfill it"
            )
        simple = not expression and op.backfill is None
        # else an expression default gives every existing row its own value: a copy. Instead: add the
        # column nullable, give new rows the default, backfill in batches, then NOT NULL.
        added = (
            col
            if simple
            else Column(name=col.name, type=col.type, comment=col.comment, charset=col.charset, collation=col.collation)
        )
        self.add(
            f"add_{col.name}_to_{op.table}",
            f"add {col.name} to {op.table}",
            f"Add column {col.name} {col.type} to {key}" + ("" if simple else ", nullable, no default"),
            [self.alter(table, f"ADD COLUMN {_column_sql(added)}{_position(op)}", self.fact(MyAction.ADD_COLUMN))],
            [self.alter(table, f"DROP COLUMN {q(col.name)}", self.fact(MyAction.DROP_COLUMN))],
            self.fact(MyAction.ADD_COLUMN),
            key=key,
            lossy_down=True,
            down_note="dropping the column loses the values written to it since",
        )
        if simple:
            return
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

    def drop_column(self, op: DropColumn) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.DROP_COLUMN)
        down = []
        known = self.known_table(op)
        col = known.column(op.column) if known else None
        if col is not None:  # re-added as the schema read has it, at its place (its values are gone)
            names = list(known.columns) if known else []
            at = names.index(op.column)
            place = f" AFTER {q(names[at - 1])}" if at else " FIRST"
            down = [
                self.alter(table, f"ADD COLUMN {q(op.column)} {definition(col)}{place}", self.fact(MyAction.ADD_COLUMN))
            ]
        elif op.type:
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
            down_note="re-adds the column empty" if down else "give `type` so the down can re-add the column",
            breaks_running_code=True,
        )

    def rename_column(self, op: RenameColumn) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.RENAME_COLUMN)
        self.renamed[(key, op.new_name)] = self.renamed.pop((key, op.column), op.column)
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
        known = self.known_table(op)
        known_col = known.column(op.column) if known else None
        if previous is None and known_col is not None:
            previous = known_col.default  # the default the schema read has (None: it has none)
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
        done = None
        if self.schema is not None:
            # a column renamed earlier in this change (CHANGE COLUMN old new ...) is in the schema by its old name
            before = self.renamed.get((key, op.column))
            done = complete(self.schema, op.model_copy(update={"column": before}) if before else op)
            if done is not None and before:
                done = dataclasses.replace(done, op=done.op.model_copy(update={"column": op.column}))
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
        comment = f" COMMENT {mysql_string(op.comment)}" if op.comment is not None else ""
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
        """A varchar made longer without a copy (restate.widens_without_copy)."""
        before = varchar_bytes(old_type, charset)
        after = varchar_bytes(op.new_type, op.charset or charset)
        return before is not None and after is not None and widens_without_copy(before, after, self.dialect)
