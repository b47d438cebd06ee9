"""Tables: create (safe), drop (gated, lossy down), rename (expand/contract through a view).

Renaming a table is a catalog change, but every running query that names the old table fails
at once. The expand step renames the table and leaves a view under the old name: a simple
view over one table is automatically updatable, so old code reads and writes through it while
new code uses the new name. After the application has moved, the contract step drops the view.
"""

from __future__ import annotations

from ..errors import PlanningError
from ..ident import qualified, quote_ident
from ..knowledge.postgres import Action
from ..model import CreateTable, DropTable, LockMode, RenameTable
from .base import Context, Draft, TableRef, column_list, slug
from .columns import column_sql, validate_column
from .recreate import NOT_CARRIED, blockers, recreate_sql, unplaced_sequences
from .sequence import relation_exists


def plan_create_table(ctx: Context, op: CreateTable) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    for col in op.columns:
        validate_column(col, f"create_table {table.key}")
    lines = [column_sql(col) for col in op.columns]
    if op.primary_key:
        lines.append(f"PRIMARY KEY ({column_list(op.primary_key)})")
    lines.extend(op.constraints)
    body = ",\n    ".join(lines)
    step = ctx.step(
        Action.CREATE_TABLE,
        table,
        f"Create table {table.key}",
        [f"CREATE TABLE {table.sql} (\n    {body}\n)"],
        [f"DROP TABLE IF EXISTS {table.sql}"],
        lossy_down=True,
        down_note="dropping the table loses the rows written to it since",
        notes=["a new table is empty: its indexes and constraints need no online tricks in this plan"],
    )
    ctx.new_tables.add(table.key)
    return [
        Draft(
            name=slug(f"create {table.name}"),
            title=f"create table {table.key}",
            transactional=True,
            steps=[step],
            done=[relation_exists(table.sql, f"table {table.key}")],
        )
    ]


def plan_drop_table(ctx: Context, op: DropTable) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    info = ctx.table_info(table)
    if info is not None and ctx.schema is not None and (depending := blockers(ctx.schema, info, ctx.dropped)):
        raise PlanningError(
            f"drop_table {table.key}: {'; '.join(depending)} depend(s) on it, so DROP TABLE would fail on the "
            "server. Drop them first: a drop_constraint for each foreign key, before this drop_table in the same "
            "change, and DROP VIEW for a view (CASCADE would drop them without saying so)"
        )
    rebuilt = recreate_sql(ctx.schema, info) if ctx.schema is not None and info is not None else None
    if op.columns:
        for col in op.columns:
            validate_column(col, f"drop_table {table.key}")
        body = ",\n    ".join(column_sql(col) for col in op.columns)
        down = [f"CREATE TABLE IF NOT EXISTS {table.sql} (\n    {body}\n)"]
        note = "the table comes back empty: its rows cannot be restored except from a backup"
    elif rebuilt is not None:
        assert ctx.schema is not None and info is not None
        down = rebuilt
        note = (
            "the table comes back empty, as the schema read has it (columns, keys, indexes, triggers, the sequences "
            f"it owns at their position); its rows cannot be restored except from a backup; {NOT_CARRIED}"
        )
        if unplaced := unplaced_sequences(ctx.schema, info):
            note += (
                f"; the schema source does not hold the position of {', '.join(unplaced)}: they start again "
                "(setval them before restoring rows)"
            )
    elif info is not None:
        down = []
        note = f"{info.key} is partitioned or a partition: the down does not build it again; restore it from a backup"
    else:
        down = []
        note = (
            "give a schema source (or the table's columns in the operation) so the down can recreate it (empty); "
            "rows are lost anyway"
        )
    step = ctx.step(
        Action.DROP_TABLE,
        table,
        f"Drop table {table.key}",
        [f"DROP TABLE IF EXISTS {table.sql}"],
        down,
        breaks_running_code=True,
        lossy_down=True,
        down_note=note,
        notes=["take a backup of the table first if its rows may be wanted (pg_dump -t)"],
    )
    gate = (
        f"Deploy application code that no longer uses {table.key} and wait until no old instance runs; "
        "check pg_stat_user_tables shows no new reads or writes on it."
    )
    return [
        Draft(
            name=slug(f"drop {table.name}"),
            title=f"drop table {table.key}",
            transactional=True,
            steps=[step],
            gate_before=gate,
        )
    ]


def plan_rename_table(ctx: Context, op: RenameTable) -> list[Draft]:
    old = TableRef(op.table, op.schema_name)
    new = TableRef(op.new_name, op.schema_name)
    rename_up = f"ALTER TABLE {old.sql} RENAME TO {quote_ident(op.new_name)}"
    rename_down = f"ALTER TABLE {new.sql} RENAME TO {quote_ident(op.table)}"
    if ctx.is_new(old):
        step = ctx.step(Action.RENAME_TABLE, old, f"Rename {old.key} to {op.new_name}", [rename_up], [rename_down])
        ctx.new_tables.add(new.key)
        return [Draft(name=slug(f"rename {op.table}"), title=f"rename {old.key}", transactional=True, steps=[step])]
    view = qualified(op.table, op.schema_name)
    expand = [
        ctx.step(Action.RENAME_TABLE, old, f"Rename table {old.key} to {op.new_name}", [rename_up], [rename_down]),
        ctx.step(
            Action.CREATE_VIEW,
            new,
            f"View {old.key} over {new.key}: running code keeps reading and writing through the old name",
            [f"CREATE VIEW {view} AS SELECT * FROM {new.sql}"],
            [f"DROP VIEW IF EXISTS {view}"],
            notes=["a single-table view is automatically updatable: INSERT, UPDATE and DELETE work through it"],
        ),
    ]
    contract = ctx.step(
        Action.DROP_TABLE,
        None,
        f"Drop the compatibility view {old.key}",
        [f"DROP VIEW IF EXISTS {view}"],
        [f"CREATE VIEW {view} AS SELECT * FROM {new.sql}"],
        also_locks=[(old, LockMode.ACCESS_EXCLUSIVE)],
        breaks_running_code=True,
        notes=["the view's lock is on the view only: the table is not locked"],
    )
    gate = f"Deploy application code that uses {new.key} instead of {old.key}; wait until no old instance runs."
    return [
        Draft(
            name=slug(f"rename {op.table} to {op.new_name}"),
            title=f"rename table {old.key} to {op.new_name}",
            transactional=True,
            steps=expand,
            done=[relation_exists(new.sql, f"table {new.key}"), relation_exists(view, f"view {old.key}")],
        ),
        Draft(
            name=slug(f"drop view {op.table}"),
            title=f"drop compatibility view {old.key}",
            transactional=True,
            steps=[contract],
            gate_before=gate,
        ),
    ]
