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

from ..ident import quote_ident, quote_literal
from ..knowledge.postgres import Action
from ..model import Backfill, Step
from . import estimate
from .base import Context, Draft, TableRef, slug


def backfill_sql(
    table: TableRef, column: str, value: str, pending: str, key: str, batch_size: int, pause_ms: int
) -> str:
    t, k, c = table.sql, quote_ident(key), quote_ident(column)
    label = quote_literal(f"backfill {table.key}.{column}")
    return f"""DO $mm$
#variable_conflict use_column
DECLARE
    mm_batch_start {table.column_type_of(key)};
    mm_batch_end {table.column_type_of(key)};
    mm_last {table.column_type_of(key)};
    mm_batches bigint := 0;
    mm_updated bigint := 0;
    mm_n bigint;
BEGIN
    -- Walk the keys that exist now: rows added later get the value from the column's default or
    -- the plan's trigger, and chasing an append-only key would never end.
    SELECT min({k}), max({k}) INTO mm_batch_start, mm_last FROM {t};
    WHILE mm_batch_start IS NOT NULL LOOP
        SELECT max(b.k) INTO mm_batch_end
          FROM (SELECT {k} AS k FROM {t} WHERE {k} >= mm_batch_start AND {k} <= mm_last
                 ORDER BY {k} LIMIT {batch_size}) AS b;
        UPDATE {t} SET {c} = {value}
         WHERE {k} >= mm_batch_start AND {k} <= mm_batch_end AND ({pending});
        GET DIAGNOSTICS mm_n = ROW_COUNT;
        mm_updated := mm_updated + mm_n;
        mm_batches := mm_batches + 1;
        COMMIT;
        IF mm_batches % 100 = 0 THEN
            RAISE NOTICE '%: % batches, % rows updated, up to key % of %', {label}, mm_batches, mm_updated,
                mm_batch_end, mm_last;
        END IF;
        PERFORM pg_sleep({pause_ms / 1000});
        SELECT min({k}) INTO mm_batch_start FROM {t} WHERE {k} > mm_batch_end AND {k} <= mm_last;
    END LOOP;
    RAISE NOTICE '%: done, % rows updated in % batches', {label}, mm_updated, mm_batches;
    SELECT count(*) INTO mm_n FROM {t} WHERE {k} > mm_last AND ({pending});
    IF mm_n > 0 THEN
        RAISE WARNING '%: % rows added since it started still need the value: run this file again once '
            'the application (or a default) writes it for new rows', {label}, mm_n;
    END IF;
END
$mm$"""


def backfill_step(
    ctx: Context,
    table: TableRef,
    column: str,
    value: str,
    pending: str,
    *,
    key: str = "id",
    batch_size: int | None = None,
    pause_ms: int | None = None,
    down: list[str] | None = None,
    description: str | None = None,
) -> Step:
    """A batched UPDATE; batch size and pause default to the plan's (see plan())."""
    batch_size = ctx.batch_size if batch_size is None else batch_size
    pause_ms = ctx.pause_ms if pause_ms is None else pause_ms
    return ctx.step(
        Action.UPDATE_BATCH,
        table,
        description or f"Backfill {table.key}.{column} in batches of {batch_size} (resumable)",
        [backfill_sql(table, column, value, pending, key, batch_size, pause_ms)],
        down or [],
        estimate_=estimate.backfill(ctx.stats_for(table), batch_size, pause_ms),
        scans=True,
        notes=[
            f"walks {key} in order, {batch_size} rows per transaction, {pause_ms} ms pause between batches",
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
