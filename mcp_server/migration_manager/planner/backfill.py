"""Batched, resumable backfills: keyset batches over the key, one transaction per batch.

The SQL is a DO block that commits after every batch (PostgreSQL 11+ allows COMMIT in a DO
block run outside a transaction block). It walks the keys that existed when it started (rows
added later get the value from the column default or the plan's trigger; an explicit backfill
warns about any that did not). Each batch finds its upper key with an index range
scan from where the last batch stopped (never `IN (SELECT ... LIMIT n)` over the pending
rows, which rescans finished rows every time), updates only rows still pending, commits,
and sleeps. A run stopped halfway is resumed by running the file again: finished rows no
longer match the pending predicate, so nothing is redone or skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import PlanningError
from ..ident import quote_ident, quote_literal
from ..knowledge.postgres import Action
from ..model import Backfill, Step
from . import estimate
from .base import Context, Draft, TableRef, slug


def backfill_sql(
    table: TableRef, column: str, value: str, pending: str, key: str | Sequence[str], batch_size: int, pause_ms: int
) -> str:
    """The batched UPDATE as a DO block. `key`: the column(s) of the primary key (or another unique
    NOT NULL key), walked in keyset order: row comparisons `(a, b) > (x, y)` use the key's index."""
    keys = [key] if isinstance(key, str) else list(key)
    t, c = table.sql, quote_ident(column)
    label = quote_literal(f"backfill {table.key}.{column}")
    cols = ", ".join(quote_ident(k) for k in keys)
    desc = ", ".join(f"{quote_ident(k)} DESC" for k in keys)

    def row(prefix: str) -> str:
        return ", ".join(f"mm_{prefix}{i}" for i in range(len(keys)))

    declare = "\n".join(
        f"    mm_{p}{i} {table.column_type_of(k)};" for p in ("start", "end", "last") for i, k in enumerate(keys)
    )
    tup = f"({cols})"
    start, end, last = f"({row('start')})", f"({row('end')})", f"({row('last')})"
    return f"""DO $mm$
#variable_conflict use_column
DECLARE
{declare}
    mm_more boolean;
    mm_batches bigint := 0;
    mm_updated bigint := 0;
    mm_n bigint;
BEGIN
    -- Walk the keys that exist now: rows added later get the value from the column's default or
    -- the plan's trigger, and chasing an append-only key would never end.
    SELECT {cols} INTO {row("last")} FROM {t} ORDER BY {desc} LIMIT 1;
    SELECT {cols} INTO {row("start")} FROM {t} ORDER BY {cols} LIMIT 1;
    mm_more := FOUND;
    WHILE mm_more LOOP
        SELECT {cols} INTO {row("end")}
          FROM (SELECT {cols} FROM {t} WHERE {tup} >= {start} AND {tup} <= {last}
                 ORDER BY {cols} LIMIT {batch_size}) AS b
         ORDER BY {desc} LIMIT 1;
        UPDATE {t} SET {c} = {value}
         WHERE {tup} >= {start} AND {tup} <= {end} AND ({pending});
        GET DIAGNOSTICS mm_n = ROW_COUNT;
        mm_updated := mm_updated + mm_n;
        mm_batches := mm_batches + 1;
        COMMIT;
        IF mm_batches % 100 = 0 THEN
            RAISE NOTICE '%: % batches, % rows updated, up to key % of %', {label}, mm_batches, mm_updated,
                {end}, {last};
        END IF;
        PERFORM pg_sleep({pause_ms / 1000});
        SELECT {cols} INTO {row("start")} FROM {t} WHERE {tup} > {end} AND {tup} <= {last} ORDER BY {cols} LIMIT 1;
        mm_more := FOUND;
    END LOOP;
    RAISE NOTICE '%: done, % rows updated in % batches', {label}, mm_updated, mm_batches;
    SELECT count(*) INTO mm_n FROM {t} WHERE {tup} > {last} AND ({pending});
    IF mm_n > 0 THEN
        RAISE WARNING '%: % rows added since it started still need the value: run this file again once '
            'the application (or a default) writes it for new rows', {label}, mm_n;
    END IF;
END
$mm$"""


def batch_key(ctx: Context, table: TableRef, given: str | None = None) -> list[str]:
    """The key a backfill walks: as given; else the table's primary key as the schema has it (any
    name, several columns in order), or a unique index on NOT NULL columns; "id" without a schema."""
    if given is not None:
        return [given]
    info = ctx.table_info(table)
    if info is None:
        return ["id"]
    if info.primary_key is not None:
        return list(info.primary_key.columns)
    for index in info.indexes:
        if (
            index.unique
            and index.valid
            and index.predicate is None
            and None not in index.columns
            and all(info.columns[c].not_null for c in index.columns if c is not None)
        ):
            return [c for c in index.columns if c is not None]
    raise PlanningError(
        f"{table.key} has no primary key and no unique index on NOT NULL columns, so a backfill cannot walk it in "
        "batches: add a primary key first (ADD PRIMARY KEY, planned online), or give the backfill's key"
    )


def backfill_step(
    ctx: Context,
    table: TableRef,
    column: str,
    value: str,
    pending: str,
    *,
    key: str | None = None,
    batch_size: int | None = None,
    pause_ms: int | None = None,
    down: list[str] | None = None,
    description: str | None = None,
) -> Step:
    """A batched UPDATE; batch size and pause default to the plan's (see plan())."""
    batch_size = ctx.batch_size if batch_size is None else batch_size
    pause_ms = ctx.pause_ms if pause_ms is None else pause_ms
    keys = batch_key(ctx, table, key)
    return ctx.step(
        Action.UPDATE_BATCH,
        table,
        description or f"Backfill {table.key}.{column} in batches of {batch_size} (resumable)",
        [backfill_sql(table, column, value, pending, keys, batch_size, pause_ms)],
        down or [],
        estimate_=estimate.backfill(ctx.stats_for(table), batch_size, pause_ms),
        scans=True,
        notes=[
            f"walks ({', '.join(keys)}) in key order, {batch_size} rows per transaction, "
            f"{pause_ms} ms pause between batches",
            "stopped halfway? run it again: rows already done no longer match and are not touched",
            "large backfills leave dead rows: let autovacuum catch up (or VACUUM the table) afterwards",
        ],
    ).model_copy(update={"transactional": False})


def backfill_draft(ctx: Context, step: Step, title: str) -> Draft:
    return Draft(name=slug(title), title=title, transactional=False, steps=[step], solo=True)


def plan_backfill(ctx: Context, op: Backfill) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    pending = op.where or f"{quote_ident(op.column)} IS NULL"
    step = backfill_step(
        ctx,
        table,
        op.column,
        op.value,
        pending,
        key=op.key,
        batch_size=op.batch_size,
        pause_ms=op.pause_ms,
        description=f"Set {table.key}.{op.column} = {op.value} where {pending}, in batches of {op.batch_size}",
    ).model_copy(
        update={
            "lossy_down": True,
            "down_note": "the values the backfill replaced are not kept; restore them from a backup if needed",
        }
    )
    return [backfill_draft(ctx, step, f"backfill {op.table} {op.column}")]
