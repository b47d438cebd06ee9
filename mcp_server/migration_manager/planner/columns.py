"""Columns: add, drop, defaults and NULL-ability.

Adding a column is a catalog change on PostgreSQL 11+ whenever its default is not volatile
(a "fast default"), NOT NULL included: that stays one step. A volatile or computed value, or
any default before 11, takes the long way: add the column nullable, set the default for new
rows, backfill existing rows in batches, then NOT NULL through a validated CHECK.
"""

from __future__ import annotations

from ..errors import PlanningError
from ..ident import derived_name, qualified, quote_ident, quote_literal
from ..knowledge.postgres import Action, default_is_volatile
from ..model import AddColumn, Column, DropColumn, DropDefault, DropNotNull, SetDefault, Step
from ..sql.expressions import check_expression, function_names
from ..sql.types import check_type
from .assumptions import column_guard
from .backfill import backfill_draft, backfill_step
from .base import Context, Draft, TableRef, slug
from .constraints import not_null_drafts
from .sequence import column_exists, no_rows

_SERIAL = {
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
    "smallserial": "smallint",
    "serial2": "smallint",
}


def column_sql(col: Column, *, with_default: bool = True, with_not_null: bool = True, version: int = 16) -> str:
    parts = [quote_ident(col.name), col.type]
    if col.identity:
        parts.append(f"GENERATED {col.identity.upper()} AS IDENTITY")
    if col.generated:
        parts.append(f"GENERATED ALWAYS AS ({col.generated}) {'STORED' if col.generated_stored else 'VIRTUAL'}")
    if with_default and col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if with_not_null and not col.nullable:
        parts.append("NOT NULL")
    if col.primary_key:
        parts.append("PRIMARY KEY")
    return " ".join(parts)


def validate_column(col: Column, where: str) -> None:
    check_type(col.type, f"{where}: column {col.name!r}")
    if col.default is not None:
        check_expression(col.default, f"{where}: default of {col.name!r}")
    if col.generated is not None:
        check_expression(col.generated, f"{where}: generated expression of {col.name!r}")


def _single(title: str, step: Step) -> list[Draft]:
    return [Draft(name=slug(title), title=title, transactional=step.transactional, steps=[step])]


def plan_add_column(ctx: Context, op: AddColumn) -> list[Draft]:
    table, col = TableRef(op.table, op.schema_name), op.column
    validate_column(col, f"add_column {table.key}")
    if op.backfill is not None:
        check_expression(op.backfill, f"add_column {table.key}.{col.name}: backfill")
    title = f"add {col.name} to {table.name}"
    drop = [f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {quote_ident(col.name)}"]
    lossy = "dropping the column loses the values written to it since the up migration"

    if ctx.plain(table):
        step = ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add column {col.name} to {table.key} (table created in this plan)",
            [f"ALTER TABLE {table.sql} ADD COLUMN {column_sql(col)}"],
            drop,
        )
        return _single(title, step)
    if col.primary_key:
        raise PlanningError(
            f"add_column {table.key}.{col.name}: a new primary key column needs values first. Add the column, "
            "backfill it, then use add_primary_key."
        )
    if col.generated is not None:
        return _add_generated(ctx, table, col, title, drop)
    serial = _SERIAL.get(col.type.strip().lower())
    if col.identity or serial:
        return _add_sequence_backed(ctx, table, col, serial, title)

    volatile = op.default_volatile
    if volatile is None and col.default is not None:
        volatile = default_is_volatile(function_names(col.default))
        if volatile is None:
            ctx.warnings.append(
                f"{table.key}.{col.name}: the default calls a function this tool does not know; planned as volatile "
                "(the safe route). Set default_volatile=false if it is STABLE or IMMUTABLE."
            )
            volatile = True
    needs_backfill = op.backfill is not None or (col.default is not None and (volatile or ctx.version < 11))

    if not needs_backfill:
        if not col.nullable and col.default is None:
            stats = ctx.stats_for(table)
            if stats is None or stats.rows > 0:
                raise PlanningError(
                    f"add_column {table.key}.{col.name}: NOT NULL without a default fails on a table that has rows "
                    "(existing rows would be NULL). Give a default, or a backfill expression for existing rows, or "
                    "table stats with rows=0 if the table is empty."
                )
        step = ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add column {col.name} {col.type}"
            + (f" DEFAULT {col.default}" if col.default is not None else "")
            + ("" if col.nullable else " NOT NULL")
            + f" to {table.key}: catalog change only",
            [f"ALTER TABLE {table.sql} ADD COLUMN {column_sql(col)}"],
            drop,
            lossy_down=True,
            down_note=lossy,
        )
        return _single(title, step)

    # The long way: nullable column, default for new rows, batched backfill, then NOT NULL.
    c = quote_ident(col.name)
    steps = [
        ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add column {col.name} {col.type} to {table.key}, nullable, no default",
            [f"ALTER TABLE {table.sql} ADD COLUMN {column_sql(col, with_default=False, with_not_null=False)}"],
            drop,
            lossy_down=True,
            down_note=lossy,
        ),
    ]
    if col.default is not None:
        steps.append(
            ctx.step(
                Action.SET_DEFAULT,
                table,
                f"Default {col.default} for new rows of {table.key}",
                [f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT {col.default}"],
                [f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT"],
            )
        )
    added = [column_exists(table, col.name)]
    drafts = [Draft(name=slug(title), title=title, transactional=True, steps=steps, done=added)]
    fill = backfill_draft(
        ctx,
        backfill_step(ctx, table, col.name, op.backfill or col.default or "NULL", f"{c} IS NULL"),
        f"backfill {table.name} {col.name}",
    )
    if col.default is None:
        fill.gate_before = (
            f"Deploy application code that writes {table.key}.{col.name} on every INSERT and UPDATE, "
            "so that rows written after the backfill are not left NULL."
        )
    fill.done = [
        *added,
        no_rows(f"no NULL left in {table.key}.{col.name}", f"SELECT 1 FROM {table.sql} WHERE {c} IS NULL", table),
    ]
    drafts.append(fill)
    if not col.nullable:
        drafts.extend(not_null_drafts(ctx, table, col.name))
    return drafts


def _add_generated(ctx: Context, table: TableRef, col: Column, title: str, drop: list[str]) -> list[Draft]:
    if not col.generated_stored:
        if ctx.version < 18:
            raise PlanningError(
                f"add_column {table.key}.{col.name}: virtual generated columns need PostgreSQL 18 "
                f"(target is {ctx.version}). Write STORED (generated_stored=true), which rewrites the table, or add a "
                "plain column kept by a trigger and backfilled."
            )
        step = ctx.step(
            Action.ADD_COLUMN_GENERATED_VIRTUAL,
            table,
            f"Add virtual generated column {col.name} to {table.key}: computed on read, no rewrite",
            [f"ALTER TABLE {table.sql} ADD COLUMN {column_sql(col)}"],
            drop,
        )
        return _single(title, step)
    alternative = (
        "set generated_stored=false for a VIRTUAL column (no rewrite on 18)"
        if ctx.version >= 18
        else "upgrade to 18 for VIRTUAL generated columns, or add a plain column kept by a trigger and backfilled"
    )
    ctx.warnings.append(
        f"{table.key}.{col.name}: PostgreSQL cannot add a STORED generated column without rewriting the whole table "
        f"under ACCESS EXCLUSIVE (reads and writes wait). Safer: {alternative}."
    )
    step = ctx.step(
        Action.ADD_COLUMN_GENERATED_STORED,
        table,
        f"Add stored generated column {col.name} to {table.key}: REWRITES the table",
        [f"ALTER TABLE {table.sql} ADD COLUMN {column_sql(col)}"],
        drop,
        notes=[f"safer: {alternative}"],
    )
    return _single(title, step)


def _add_sequence_backed(ctx: Context, table: TableRef, col: Column, serial: str | None, title: str) -> list[Draft]:
    """serial / identity without a rewrite: sequence default, batched fill, NOT NULL, then IDENTITY."""
    base_type = serial or col.type
    seq_name = derived_name(table.name, col.name, suffix="seq")
    seq = quote_ident(seq_name) if not table.schema else f"{quote_ident(table.schema)}.{quote_ident(seq_name)}"
    seq_lit = quote_literal(seq)
    c = quote_ident(col.name)
    setup = [
        ctx.step(
            Action.CREATE_TABLE,
            None,
            f"Create sequence {seq_name} for {table.key}.{col.name}",
            [f"CREATE SEQUENCE IF NOT EXISTS {seq} AS {base_type}"],
            [f"DROP SEQUENCE IF EXISTS {seq}"],
        ),
        ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add column {col.name} {base_type} to {table.key}, nullable",
            [f"ALTER TABLE {table.sql} ADD COLUMN {c} {base_type}"],
            [f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {c}"],
            lossy_down=True,
            down_note="the numbers handed out are lost with the column",
        ),
        ctx.step(
            Action.SET_DEFAULT,
            table,
            f"New rows of {table.key} take nextval({seq_name})",
            [
                f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT nextval({seq_lit})",
                f"ALTER SEQUENCE {seq} OWNED BY {table.sql}.{c}",
            ],
            [f"ALTER SEQUENCE {seq} OWNED BY NONE", f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT"],
        ),
    ]
    ctx.warnings.append(
        f"{table.key}.{col.name}: adding an identity/serial column directly rewrites the table under ACCESS EXCLUSIVE; "
        "the plan fills it from a sequence in batches instead."
    )
    added = [column_exists(table, col.name)]
    drafts = [Draft(name=slug(title), title=title, transactional=True, steps=setup, done=added)]
    fill = backfill_draft(
        ctx,
        backfill_step(ctx, table, col.name, f"nextval({seq_lit})", f"{c} IS NULL"),
        f"backfill {table.name} {col.name}",
    )
    fill.done = [
        *added,
        no_rows(f"no NULL left in {table.key}.{col.name}", f"SELECT 1 FROM {table.sql} WHERE {c} IS NULL", table),
    ]
    drafts.append(fill)
    drafts.extend(not_null_drafts(ctx, table, col.name))
    if col.identity and ctx.version >= 12:
        # The identity sequence takes the helper's name (PostgreSQL's own choice for it), so the
        # helper steps aside first; its position carries over to the identity sequence.
        ident = f"GENERATED {col.identity.upper()} AS IDENTITY (SEQUENCE NAME {seq})"
        helper_name = derived_name(table.name, col.name, suffix="seq_fill")
        helper = qualified(helper_name, table.schema)
        helper_lit = quote_literal(helper)
        up = [
            f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT",
            f"ALTER SEQUENCE {seq} OWNED BY NONE",
            f"ALTER SEQUENCE {seq} RENAME TO {quote_ident(helper_name)}",
            f"ALTER TABLE {table.sql} ALTER COLUMN {c} ADD {ident}",
            f"SELECT setval({seq_lit}, nextval({helper_lit}), false)",
            f"DROP SEQUENCE {helper}",
        ]
        down = [
            f"CREATE SEQUENCE {helper} AS {base_type}",
            f"SELECT setval({helper_lit}, nextval({seq_lit}), false)",
            f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP IDENTITY",
            f"ALTER SEQUENCE {helper} RENAME TO {quote_ident(seq_name)}",
            f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT nextval({seq_lit})",
            f"ALTER SEQUENCE {seq} OWNED BY {table.sql}.{c}",
        ]
        step = ctx.step(
            Action.ADD_IDENTITY_TO_NOT_NULL,
            table,
            f"Turn {table.key}.{col.name} into an identity column continuing the sequence",
            up,
            down,
        )
        drafts.append(
            Draft(
                name=slug(f"make {table.name} {col.name} identity"),
                title=f"make {table.key}.{col.name} identity",
                transactional=True,
                steps=[step],
            )
        )
    return drafts


def plan_drop_column(ctx: Context, op: DropColumn) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    c = quote_ident(op.column)
    if op.type is not None:
        check_type(op.type, f"drop_column {table.key}.{op.column}")
    drafts: list[Draft] = []
    gate = (
        f"Deploy application code that no longer reads or writes {table.key}.{op.column} (Rails: add it to "
        "ignored_columns; SQLAlchemy/Django: remove it from the model) and wait until no old instance runs."
    )
    if op.not_null and not ctx.is_new(table):
        relax = ctx.step(
            Action.DROP_NOT_NULL,
            table,
            f"Drop NOT NULL on {table.key}.{op.column} so code that stops writing it keeps working",
            [f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP NOT NULL"],
            [f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET NOT NULL"],
            down_note="SET NOT NULL scans the table under ACCESS EXCLUSIVE",
        )
        drafts.append(
            Draft(
                name=slug(f"relax {table.name} {op.column}"),
                title=f"relax {table.key}.{op.column}",
                transactional=True,
                steps=[relax],
                done=[column_exists(table, op.column, not_null=False)],
            )
        )
    elif not ctx.is_new(table):
        # Checked before the deploy: code that stops writing a NOT NULL column breaks every INSERT.
        guard = column_guard(ctx, table, op.column, not_null=False, check_default=False, op="drop_column")
        drafts.append(
            Draft(
                name=slug(f"check {table.name} {op.column} nullable"),
                title=f"check {table.key}.{op.column} is nullable before code stops writing it",
                transactional=True,
                steps=[guard],
                done=[column_exists(table, op.column, not_null=False)],
            )
        )
    down = [f"ALTER TABLE {table.sql} ADD COLUMN IF NOT EXISTS {c} {op.type}"] if op.type else []
    step = ctx.step(
        Action.DROP_COLUMN,
        table,
        f"Drop column {op.column} from {table.key}",
        [f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {c}"],
        down,
        breaks_running_code=True,
        lossy_down=True,
        down_note=(
            "the column comes back empty (NULL in every row): its values cannot be restored except from a backup"
            if op.type
            else "the column's type was not given: the down cannot re-add it; its values are lost in any case"
        ),
    )
    drafts.append(
        Draft(
            name=slug(f"drop {op.column} from {table.name}"),
            title=f"drop {table.key}.{op.column}",
            transactional=True,
            steps=[step],
            gate_before=None if ctx.is_new(table) else gate,
        )
    )
    return drafts


def plan_set_default(ctx: Context, op: SetDefault) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    check_expression(op.default, f"set_default {table.key}.{op.column}")
    c = quote_ident(op.column)
    down = (
        f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT {op.previous_default}"
        if op.previous_default
        else f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT"
    )
    step = ctx.step(
        Action.SET_DEFAULT,
        table,
        f"Set default {op.default} on {table.key}.{op.column} (new rows only)",
        [f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT {op.default}"],
        [down],
    )
    return _single(f"set default {table.name} {op.column}", step)


def plan_drop_default(ctx: Context, op: DropDefault) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    c = quote_ident(op.column)
    down = (
        [f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT {op.previous_default}"] if op.previous_default else []
    )
    step = ctx.step(
        Action.SET_DEFAULT,
        table,
        f"Drop the default of {table.key}.{op.column}",
        [f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT"],
        down,
        lossy_down=not down,
        down_note=None if down else "give previous_default so the down can restore it",
        breaks_running_code=True,
        notes=["inserts that relied on the default now get NULL (or fail on NOT NULL)"],
    )
    return _single(f"drop default {table.name} {op.column}", step)


def plan_drop_not_null(ctx: Context, op: DropNotNull) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    c = quote_ident(op.column)
    step = ctx.step(
        Action.DROP_NOT_NULL,
        table,
        f"Drop NOT NULL on {table.key}.{op.column}",
        [f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP NOT NULL"],
        [f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET NOT NULL"],
        down_note="the down's SET NOT NULL scans the table under ACCESS EXCLUSIVE and fails if NULLs "
        "were written meanwhile",
    )
    return _single(f"drop not null {table.name} {op.column}", step)
