"""What a column carries when an expand/contract replaces it: its indexes, constraints, views and
sequence, read from the schema model, and the SQL that builds them on the replacement column,
moves their names across in the swap, and builds them again on the retired column in a down.

Names follow PostgreSQL's naive ALTER COLUMN TYPE: after the plan the indexes and constraints on
the column have the names they had. Copies are built as `<name>_mm` and renamed in the swap; the
originals move aside as `<name>_old` and go with the retired column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import PlanningError
from ..ident import derived_name, qualified, quote_ident, quote_literal
from ..schema.model import ConstraintInfo, ForeignKeyRef, IndexInfo, Schema, SequenceInfo, TableInfo, ViewInfo
from ..sql.column_refs import constraint_on_column, index_on_column
from .base import TableRef


def copy_name(name: str) -> str:
    return derived_name(name, suffix="mm")


def retired_name(name: str) -> str:
    return derived_name(name, suffix="old")


_DEFERRABLE = re.compile(r"\s((?:NOT\s+)?DEFERRABLE(?:\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))?)\s*$", re.I)


@dataclass
class Carried:
    """The objects on one column that the replacement column must have too."""

    table: TableInfo
    column: str
    indexes: list[IndexInfo] = field(default_factory=list)  # plain indexes (no constraint behind them)
    uniques: list[tuple[ConstraintInfo, IndexInfo]] = field(default_factory=list)  # UNIQUE constraints
    constraints: list[ConstraintInfo] = field(default_factory=list)  # CHECK and FOREIGN KEY on the column
    views: list[ViewInfo] = field(default_factory=list)  # in creation order
    sequence: SequenceInfo | None = None  # a sequence OWNED BY the column (serial) or its identity's
    identity: str = ""  # 'a' ALWAYS, 'd' BY DEFAULT
    primary: tuple[ConstraintInfo, IndexInfo] | None = None  # the primary key the column is in
    incoming: list[ForeignKeyRef] = field(default_factory=list)  # foreign keys that reference the column

    @property
    def empty(self) -> bool:
        return (
            not (self.indexes or self.uniques or self.constraints or self.views or self.sequence or self.primary)
            and not self.incoming
        )

    def spare_key_index(self) -> tuple[IndexInfo, str] | None:
        """The primary key's index built again on the old column as `<pk>_old`: the swap's down makes it the
        primary key again (the original index goes with the constraint in the swap)."""
        if self.primary is None:
            return None
        return self.primary[1], retired_name(self.primary[0].name)

    def index_sql(self, index: IndexInfo, on: str, name: str, *, concurrently: bool = True) -> str:
        return index_on_column(index.definition, self.column, on, name, concurrently=concurrently)

    def constraint_sql(self, table: TableRef, c: ConstraintInfo, on: str, name: str, *, not_valid: bool) -> str:
        return constraint_on_column(table.sql, c.definition, self.column, on, name, not_valid=not_valid)

    def every_index(self) -> list[IndexInfo]:
        return [*self.indexes, *(i for _, i in self.uniques), *([self.primary[1]] if self.primary else [])]

    def foreign_key_sql(self, ref: ForeignKeyRef, on: str, name: str, *, not_valid: bool) -> str:
        """An incoming foreign key again, referencing `on` (this table's column) instead of the column."""
        return constraint_on_column(
            qualified(ref.table, ref.schema),
            ref.constraint.definition,
            self.column,
            on,
            name,
            not_valid=not_valid,
            referenced=True,
        )


def carried(schema: Schema, info: TableInfo, column: str, where: str) -> Carried:
    """Read what `column` carries; refuse, naming the object and what to do, what the plan cannot move."""
    out = Carried(info, column)
    by_index = {c.index: c for c in info.constraints if c.index}
    for index in info.indexes_on(column):
        backing = by_index.get(index.name) if index.constraint else None
        if backing is not None and backing.kind == "x":
            raise PlanningError(
                f"{where}: exclusion constraint {backing.name} reads {column}; drop it first and add it again "
                "afterwards (its build holds ACCESS EXCLUSIVE: plan a maintenance window)"
            )
        if info.partitioned:
            raise PlanningError(
                f"{where}: {info.key} is partitioned and index {index.name} reads {column}; change the type "
                "partition by partition, or plan a maintenance window"
            )
        if backing is not None and backing.kind == "p":
            out.primary = (backing, index)
        elif backing is not None and backing.kind == "u":
            out.uniques.append((backing, index))
        elif backing is None:
            out.indexes.append(index)
    for c in info.constraints_on(column):
        if c.kind in ("c", "f") and not c.inherited:
            out.constraints.append(c)
    for ref in schema.incoming_foreign_keys(info):
        if column in ref.constraint.ref_columns:
            if schema.tables[f"{ref.schema}.{ref.table}"].partitioned:
                raise PlanningError(
                    f"{where}: foreign key {ref.constraint.name} of the partitioned table {ref.schema}.{ref.table} "
                    f"references {column}; it cannot be moved online: plan a maintenance window"
                )
            out.incoming.append(ref)
    for view in schema.views_on(info, column):
        if view.materialized:
            raise PlanningError(
                f"{where}: materialized view {view.key} reads {column}; drop it before the change and create "
                "and refresh it again afterwards (the plan cannot recreate it without a full refresh)"
            )
        out.views.append(view)
    col = info.column(column)
    out.identity = col.identity if col is not None else ""
    out.sequence = schema.sequence_owned_by(info, column)
    return out


def drop_views_sql(views: list[ViewInfo]) -> list[str]:
    return [f"DROP VIEW IF EXISTS {qualified(v.name, v.schema)}" for v in reversed(views)]


def create_views_sql(views: list[ViewInfo]) -> list[str]:
    out = []
    for v in views:
        options = f" WITH ({', '.join(v.options)})" if v.options else ""
        out.append(f"CREATE VIEW {qualified(v.name, v.schema)}{options} AS {v.definition.strip().rstrip(';')}")
    return out


def rename_index_sql(schema: str, old: str, new: str) -> str:
    return f"ALTER INDEX {qualified(old, schema)} RENAME TO {quote_ident(new)}"


def rename_constraint_sql(table: TableRef, old: str, new: str) -> str:
    return f"ALTER TABLE {table.sql} RENAME CONSTRAINT {quote_ident(old)} TO {quote_ident(new)}"


def unique_using_index_sql(table: TableRef, c: ConstraintInfo, index: str) -> str:
    deferrable = _DEFERRABLE.search(c.definition)
    tail = f" {deferrable.group(1)}" if deferrable else ""
    return f"ALTER TABLE {table.sql} ADD CONSTRAINT {quote_ident(c.name)} UNIQUE USING INDEX {quote_ident(index)}{tail}"


@dataclass
class Swap:
    """The swap migration's statements around the column renames, and its down's."""

    before: list[str] = field(default_factory=list)  # up, before the renames
    after: list[str] = field(default_factory=list)  # up, after them
    undo_before: list[str] = field(default_factory=list)  # down, before the renames back
    undo_after: list[str] = field(default_factory=list)  # down, after them


def swap_sql(table: TableRef, carry: Carried, shadow: str, retired: str) -> Swap:
    """Before the renames: views that read the column are dropped, foreign keys that reference it and the
    primary key are dropped (their copies are ready). After: the copies take the names, the originals move
    aside, the identity moves, the views are created again (now reading the new column)."""
    schema = carry.table.schema
    col = carry.column
    out = Swap()
    before = out.before
    after = out.after
    undo = out.undo_before
    before += drop_views_sql(carry.views)
    undo += drop_views_sql(carry.views)
    for ref in carry.incoming:
        ref_sql = qualified(ref.table, ref.schema)
        before.append(f"ALTER TABLE {ref_sql} DROP CONSTRAINT {quote_ident(ref.constraint.name)}")
        undo.append(f"ALTER TABLE {ref_sql} DROP CONSTRAINT IF EXISTS {quote_ident(ref.constraint.name)}")
    if carry.primary is not None:
        pk = carry.primary[0]
        before.append(f"ALTER TABLE {table.sql} DROP CONSTRAINT {quote_ident(pk.name)}")
        undo.append(f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {quote_ident(pk.name)}")
    if carry.identity and carry.sequence is not None:
        before.append(identity_move_sql(table, carry, col, shadow))  # before the renames: the names are known
        undo.append(identity_move_sql(table, carry, col, retired))
    for index in carry.indexes:
        after += [
            rename_index_sql(schema, index.name, retired_name(index.name)),
            rename_index_sql(schema, copy_name(index.name), index.name),
        ]
        undo += [
            rename_index_sql(schema, index.name, copy_name(index.name)),
            rename_index_sql(schema, retired_name(index.name), index.name),
        ]
    for c, _ in carry.uniques:
        after += [
            rename_constraint_sql(table, c.name, retired_name(c.name)),
            unique_using_index_sql(table, c, copy_name(c.name)),
        ]
        undo += [  # dropping the constraint drops the copy's index; the index migration's down expects that
            f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {quote_ident(c.name)}",
            rename_constraint_sql(table, retired_name(c.name), c.name),
        ]
    for c in carry.constraints:
        after += [
            rename_constraint_sql(table, c.name, retired_name(c.name)),
            rename_constraint_sql(table, copy_name(c.name), c.name),
        ]
        undo += [
            rename_constraint_sql(table, c.name, copy_name(c.name)),
            rename_constraint_sql(table, retired_name(c.name), c.name),
        ]
    if carry.primary is not None:
        pk = carry.primary[0]
        after.append(
            f"ALTER TABLE {table.sql} ADD CONSTRAINT {quote_ident(pk.name)} PRIMARY KEY USING INDEX "
            f"{quote_ident(copy_name(pk.name))}"
        )
        out.undo_after.append(
            f"ALTER TABLE {table.sql} ADD CONSTRAINT {quote_ident(pk.name)} PRIMARY KEY USING INDEX "
            f"{quote_ident(retired_name(pk.name))}"
        )
    for ref in carry.incoming:
        ref_table = TableRef(ref.table, ref.schema)
        after.append(rename_constraint_sql(ref_table, copy_name(ref.constraint.name), ref.constraint.name))
        # the original comes back NOT VALID (no scan under this lock); the down of the migration that
        # validated the copies validates it again, online
        out.undo_after.append(
            f"ALTER TABLE {ref_table.sql} ADD CONSTRAINT {quote_ident(ref.constraint.name)} "
            f"{ref.constraint.definition} NOT VALID"
        )
    after += create_views_sql(carry.views)
    return out


def identity_move_sql(table: TableRef, carry: Carried, source: str, target: str) -> str:
    """Move the identity (its sequence's name, options and position) from `source` to `target` (NOT NULL)."""
    seq = carry.sequence
    assert seq is not None
    kind = "ALWAYS" if carry.identity == "a" else "BY DEFAULT"
    name = qualified(seq.name, seq.schema)
    options = f"SEQUENCE NAME {name} INCREMENT BY {seq.increment} START WITH {seq.start} CACHE {seq.cache}"
    options += " CYCLE" if seq.cycle else ""
    return f"""DO $mm$
DECLARE
    mm_last bigint;
    mm_called boolean;
BEGIN
    SELECT last_value, is_called INTO mm_last, mm_called FROM {name};
    ALTER TABLE {table.sql} ALTER COLUMN {quote_ident(source)} DROP IDENTITY;
    ALTER TABLE {table.sql} ALTER COLUMN {quote_ident(target)} ADD GENERATED {kind} AS IDENTITY ({options});
    PERFORM setval({quote_literal(name)}, mm_last, mm_called);
END
$mm$"""


def widened_sequence_sql(carry: Carried, new_type: str) -> tuple[list[str], list[str]]:
    """A serial's sequence made as wide as the column (the plain ALTER leaves it at integer's maximum)."""
    seq = carry.sequence
    if seq is None or carry.identity or seq.type == new_type or new_type not in ("bigint", "int8"):
        return [], []
    name = qualified(seq.name, seq.schema)
    return [f"ALTER SEQUENCE {name} AS bigint"], [f"ALTER SEQUENCE {name} AS {seq.type}"]


def sequence_owner_sql(carry: Carried, table: TableRef, column: str) -> list[str]:
    if carry.sequence is None or carry.identity:  # an identity's sequence moves with the identity
        return []
    seq = qualified(carry.sequence.name, carry.sequence.schema)
    return [f"ALTER SEQUENCE {seq} OWNED BY {table.sql}.{quote_ident(column)}"]


def unique_name_for(carry: Carried, index: IndexInfo) -> str | None:
    return next((c.name for c, i in carry.uniques if i.name == index.name), None)


def copy_index_name(carry: Carried, index: IndexInfo) -> str:
    """The copy's index name: a UNIQUE constraint's index is named as the constraint's copy."""
    return copy_name(unique_name_for(carry, index) or index.name)
