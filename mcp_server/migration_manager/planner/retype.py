"""Change a column's type: in place when PostgreSQL can, expand/contract when it would rewrite.

Expand/contract: add a shadow column of the new type kept in step by a trigger, backfill it in
batches, then swap the two in one short transaction (renames only). After the swap a reverse
trigger keeps the old column filled, so rolling back loses nothing; the old column is dropped
in a last, gated migration.
"""

from __future__ import annotations

from ..ident import derived_name, quote_ident
from ..knowledge.postgres import Action, type_change_in_place
from ..model import ChangeColumnType
from ..sql.expressions import check_expression, qualify_columns
from ..sql.types import check_type
from . import sync
from .assumptions import column_guard
from .backfill import backfill_draft, backfill_step
from .base import Context, Draft, TableRef, slug
from .constraints import not_null_check_name, not_null_drafts

UTC = "SET LOCAL TIME ZONE 'UTC'"


def plan_change_column_type(ctx: Context, op: ChangeColumnType) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    where = f"change_column_type {table.key}.{op.column}"
    check_type(op.new_type, where)
    if op.old_type:
        check_type(op.old_type, where)
    if op.using:
        check_expression(op.using, f"{where}: using")
    c = quote_ident(op.column)
    title = f"change {table.name} {op.column} to {op.new_type}"

    in_place, reason = (False, "old_type not given")
    if op.old_type and not op.using:
        in_place, reason = type_change_in_place(op.old_type, op.new_type, ctx.version)
    if in_place or ctx.is_new(table):
        assert op.old_type is not None or ctx.is_new(table)
        needs_utc = "timestamp" in reason
        up = ([UTC] if needs_utc else []) + [
            f"ALTER TABLE {table.sql} ALTER COLUMN {c} TYPE {op.new_type}" + (f" USING {op.using}" if op.using else "")
        ]
        down = ([UTC] if needs_utc else []) + (
            [f"ALTER TABLE {table.sql} ALTER COLUMN {c} TYPE {op.old_type}"] if op.old_type else []
        )
        step = ctx.step(
            Action.CHANGE_TYPE_IN_PLACE if in_place else Action.CHANGE_TYPE_REWRITE,
            table,
            f"Change {table.key}.{op.column} to {op.new_type} in place: {reason}",
            up,
            down,
            down_note="going back to the narrower type checks every row and may rewrite the table",
        )
        return [Draft(name=slug(title), title=title, transactional=True, steps=[step])]

    if not op.old_type:
        ctx.warnings.append(
            f"{where}: old_type not given, so the plan cannot tell whether the change is binary coercible "
            "(varchar widening, varchar -> text, numeric precision increase, timestamp -> timestamptz). "
            "If it is, give old_type for a one-step plan."
        )
    return _expand_contract(ctx, op, table, title, reason)


def _expand_contract(ctx: Context, op: ChangeColumnType, table: TableRef, title: str, reason: str) -> list[Draft]:
    col, shadow = op.column, derived_name(op.column, suffix="new")
    retired = derived_name(op.column, suffix="old")
    c, s, r = quote_ident(col), quote_ident(shadow), quote_ident(retired)
    convert_row = qualify_columns(op.using, "new") if op.using else f"NEW.{c}::{op.new_type}"
    convert = op.using or f"{c}::{op.new_type}"
    forward = sync.function_name(table, f"{col}_to_new")
    backward = sync.function_name(table, f"{col}_to_old")

    expand = [
        column_guard(ctx, table, col, not_null=op.not_null, default=op.default, op="change_column_type"),
        ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add shadow column {shadow} {op.new_type} to {table.key}",
            # added without a default (a volatile one would rewrite), the default set after it
            [f"ALTER TABLE {table.sql} ADD COLUMN {s} {op.new_type}"]
            + ([f"ALTER TABLE {table.sql} ALTER COLUMN {s} SET DEFAULT {op.default}"] if op.default else []),
            [f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {s}"],
        ),
        ctx.step(
            Action.CREATE_TRIGGER,
            table,
            f"Trigger: every write of {col} also sets {shadow}",
            sync.one_way_sql(table, forward, shadow, convert_row),
            sync.drop_sql(table, forward),
        ),
    ]
    drafts = [Draft(name=slug(f"{title} expand"), title=f"{title}: add {shadow}", transactional=True, steps=expand)]
    drafts.append(
        backfill_draft(
            ctx,
            backfill_step(ctx, table, shadow, convert, f"{s} IS DISTINCT FROM ({convert})"),
            f"backfill {table.name} {shadow}",
        )
    )
    if op.not_null:
        drafts.extend(not_null_drafts(ctx, table, shadow)[:2])  # check + validate; SET NOT NULL in the swap

    swap_up = []
    swap_down = []
    if op.not_null:
        check = quote_ident(not_null_check_name(table, shadow))
        if ctx.version >= 12:
            swap_up += [
                f"ALTER TABLE {table.sql} ALTER COLUMN {s} SET NOT NULL",
                f"ALTER TABLE {table.sql} DROP CONSTRAINT {check}",
            ]
            swap_down = [
                f"ALTER TABLE {table.sql} ADD CONSTRAINT {check} CHECK ({s} IS NOT NULL) NOT VALID",
                f"ALTER TABLE {table.sql} ALTER COLUMN {s} DROP NOT NULL",
            ]
    swap_up += [
        *sync.drop_sql(table, forward),
        f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT",
        f"ALTER TABLE {table.sql} RENAME COLUMN {c} TO {r}",
        f"ALTER TABLE {table.sql} RENAME COLUMN {s} TO {c}",
        *sync.one_way_sql(table, backward, retired, f"NEW.{c}"),
    ]
    swap_down = [
        *sync.drop_sql(table, backward),
        f"ALTER TABLE {table.sql} RENAME COLUMN {c} TO {s}",
        f"ALTER TABLE {table.sql} RENAME COLUMN {r} TO {c}",
        *sync.one_way_sql(table, forward, shadow, convert_row),
        *([f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT {op.default}"] if op.default else []),
        *swap_down,
    ]
    swap = ctx.step(
        Action.RENAME_COLUMN,
        table,
        f"Swap: {col} becomes the {op.new_type} column, the old one is kept as {retired} and still filled",
        swap_up,
        swap_down,
        notes=[
            "renames only: a catalog change under a brief ACCESS EXCLUSIVE",
            f"indexes, constraints and foreign keys on {col} are not moved: create them on {shadow} "
            "(CONCURRENTLY) before this migration",
            f"the old column's default is dropped; {retired} is filled by a trigger from now on",
            f'a statement the application prepared on the server that returns {col} fails with "cached plan '
            'must not change result type" after the swap, on every run, until its connection is replaced '
            "(psycopg 3 and the PostgreSQL JDBC driver prepare repeated queries by themselves): recycle the "
            "application's connection pools right after this migration, or run it with server-side prepared "
            "statements turned off",
        ],
    )
    drafts.append(Draft(name=slug(f"{title} swap"), title=f"{title}: swap columns", transactional=True, steps=[swap]))
    contract = ctx.step(
        Action.DROP_COLUMN,
        table,
        f"Drop the retired column {retired} and its trigger",
        [*sync.drop_sql(table, backward), f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {r}"],
        (
            [
                f"ALTER TABLE {table.sql} ADD COLUMN {r} {op.old_type}",
                *sync.one_way_sql(table, backward, retired, f"NEW.{c}"),
                f"UPDATE {table.sql} SET {r} = {c}",
                *([f"ALTER TABLE {table.sql} ALTER COLUMN {r} SET NOT NULL"] if op.not_null else []),
            ]
            if op.old_type
            else []
        ),
        lossy_down=True,
        down_note=(
            "the down re-adds the old column and refills it with one UPDATE of every row (long on a big table)"
            if op.old_type
            else "old_type not given: the down cannot re-add the retired column"
        ),
    )
    drafts.append(
        Draft(
            name=slug(f"{title} contract"),
            title=f"{title}: drop {retired}",
            transactional=True,
            steps=[contract],
            gate_before=f"Run the application on the new {table.key}.{col} until you no longer need to roll back.",
        )
    )
    if op.old_type:  # without it, plan_change_column_type has already said why
        ctx.warnings.append(f"{table.key}.{col}: {reason}; planned as expand/contract with a shadow column.")
    return drafts
