"""Rename a column without breaking running code: expand/contract.

A plain RENAME COLUMN is instant, but every running query that names the old column fails the
moment it commits. Instead: add the new column, keep both in step (a database trigger, or the
application writing both), backfill, move the application to the new name, then drop the old
column.
"""

from __future__ import annotations

from ..ident import quote_ident
from ..knowledge.postgres import Action
from ..model import RenameColumn
from ..sql.expressions import check_expression
from ..sql.types import check_type
from . import sync
from .assumptions import column_guard
from .backfill import backfill_draft, backfill_step
from .base import Context, Draft, TableRef, slug
from .constraints import not_null_drafts


def plan_rename_column(ctx: Context, op: RenameColumn) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    old, new = op.column, op.new_name
    o, n = quote_ident(old), quote_ident(new)
    title = f"rename {table.name} {old} to {new}"
    if ctx.is_new(table):
        step = ctx.step(
            Action.RENAME_COLUMN,
            table,
            f"Rename {table.key}.{old} to {new} (table created in this plan)",
            [f"ALTER TABLE {table.sql} RENAME COLUMN {o} TO {n}"],
            [f"ALTER TABLE {table.sql} RENAME COLUMN {n} TO {o}"],
        )
        return [Draft(name=slug(title), title=title, transactional=True, steps=[step])]
    if op.type:
        check_type(op.type, f"rename_column {table.key}.{old}")
        add_up = f"ALTER TABLE {table.sql} ADD COLUMN {n} {op.type}"
    else:
        add_up = sync.add_column_like_sql(table, new, old)
    trigger = sync.function_name(table, f"{old}_{new}")
    if op.default is not None:
        check_expression(op.default, f"rename_column {table.key}.{old}: default")
    set_default = [f"ALTER TABLE {table.sql} ALTER COLUMN {{}} SET DEFAULT {op.default}"] if op.default else []
    expand = [
        column_guard(ctx, table, old, not_null=op.not_null, default=op.default, op="rename_column"),
        ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add column {new} to {table.key} with the type of {old}"
            + (f" and DEFAULT {op.default}" if op.default else ""),
            [add_up, *(sql.format(n) for sql in set_default)],
            [f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {n}"],
        ),
    ]
    if op.strategy == "trigger":
        expand.append(
            ctx.step(
                Action.CREATE_TRIGGER,
                table,
                f"Trigger: writes to either {old} or {new} set both",
                sync.two_way_sql(table, trigger, old, new),
                sync.drop_sql(table, trigger),
            )
        )
    drafts = [Draft(name=slug(f"{title} expand"), title=f"{title}: add {new}", transactional=True, steps=expand)]
    fill = backfill_draft(
        ctx, backfill_step(ctx, table, new, o, f"{n} IS DISTINCT FROM {o}"), f"backfill {table.name} {new}"
    )
    if op.strategy == "dual_write":
        fill.gate_before = (
            f"Deploy application code that writes both {table.key}.{old} and {new} on every INSERT and UPDATE "
            "(still reading the old one)."
        )
    drafts.append(fill)
    if op.not_null:
        drafts.extend(not_null_drafts(ctx, table, new))
    contract_up = ([*sync.drop_sql(table, trigger)] if op.strategy == "trigger" else []) + [
        f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {o}"
    ]
    contract_down = [
        sync.add_column_like_sql(table, old, new),
        *(sync.two_way_sql(table, trigger, old, new) if op.strategy == "trigger" else []),
        *(sql.format(o) for sql in set_default),
        f"UPDATE {table.sql} SET {o} = {n}",
        *([f"ALTER TABLE {table.sql} ALTER COLUMN {o} SET NOT NULL"] if op.not_null else []),
    ]
    contract = ctx.step(
        Action.DROP_COLUMN,
        table,
        f"Drop the old column {old}" + (" and the sync trigger" if op.strategy == "trigger" else ""),
        contract_up,
        contract_down,
        breaks_running_code=True,
        lossy_down=True,
        down_note="the down re-adds the old column and refills it from the new one with one UPDATE of every row",
        notes=[
            f"indexes and constraints of {old} (other than NOT NULL and its default) are not copied to {new}: "
            "add them with their own operations before this migration"
        ],
    )
    gate = (
        f"Deploy application code that reads and writes only {table.key}.{new}, and wait until no old instance "
        "runs" + (" (stop writing the old column too)" if op.strategy == "dual_write" else "") + "."
    )
    drafts.append(
        Draft(
            name=slug(f"{title} contract"),
            title=f"{title}: drop {old}",
            transactional=True,
            steps=[contract],
            gate_before=gate,
        )
    )
    return drafts
