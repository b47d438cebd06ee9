"""A plan's migrations are safe as a sequence: each one first checks that its predecessor's work
is in the database, and stops before any change when it is not.

A family states, for each draft, what is true once that draft has run (`Done`: a description and
a boolean SQL expression over the catalog). plan() then opens every migration after the first
with a guard over the previous migration's Done list. Run out of order, or after one that failed,
a migration raises with a message that names the migration to run first; nothing is changed,
because the guard is the migration's first statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..ident import qualified, quote_literal
from ..knowledge.postgres import Action
from ..model import Estimate, LockMode, Step
from . import estimate
from .base import Context, TableRef


@dataclass(frozen=True)
class Done:
    """Something true in the database once a migration's work is there."""

    description: str
    sql: str  # a boolean SQL expression; reads only the catalog unless `reads`
    reads: TableRef | None = None  # a data condition: the table the guard that checks it reads


def _column_row(table: TableRef, column: str) -> str:
    return (
        f"SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass({table.regclass_literal()}) "
        f"AND attname = {quote_literal(column)} AND NOT attisdropped"
    )


def column_exists(
    table: TableRef,
    column: str,
    *,
    type_sql: str | None = None,
    type_is: str | None = None,
    not_null: bool | None = None,
) -> Done:
    """`column` exists (of `type_sql` as format_type spells it, or of the type `type_is` names in any
    spelling PostgreSQL accepts, and NOT NULL or not, when given)."""
    cond = ""
    what = f"column {table.key}.{column}"
    if type_is is not None:
        cond += f" AND atttypid = {quote_literal(type_is)}::regtype"
        what += f" of type {type_is}"
    if type_sql is not None:
        cond += f" AND format_type(atttypid, atttypmod) = {quote_literal(type_sql)}"
        what += f" of type {type_sql}"
    if not_null is not None:
        cond += f" AND attnotnull = {str(not_null).lower()}"
        what += " NOT NULL" if not_null else " (nullable)"
    return Done(what, f"EXISTS ({_column_row(table, column)}{cond})")


def column_absent(table: TableRef, column: str) -> Done:
    return Done(f"no column {table.key}.{column}", f"NOT EXISTS ({_column_row(table, column)})")


def relation_exists(name_sql: str, what: str) -> Done:
    """A table, view, sequence or index of this (SQL-quoted, possibly qualified) name exists."""
    return Done(what, f"to_regclass({quote_literal(name_sql)}) IS NOT NULL")


def trigger_exists(table: TableRef, name: str) -> Done:
    return Done(
        f"trigger {name} on {table.key}",
        f"EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass({table.regclass_literal()}) "
        f"AND tgname = {quote_literal(name)})",
    )


def constraint_exists(table: TableRef, name: str, *, validated: bool | None = None) -> Done:
    cond = "" if validated is None else f" AND convalidated = {str(validated).lower()}"
    return Done(
        f"constraint {name} on {table.key}" + ("" if validated is None else " (validated)" if validated else ""),
        f"EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass({table.regclass_literal()}) "
        f"AND conname = {quote_literal(name)}{cond})",
    )


def index_valid(name: str, schema: str | None) -> Done:
    target = quote_literal(qualified(name, schema))
    return Done(
        f"valid index {qualified(name, schema)}",
        f"EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass({target}) AND indisvalid)",
    )


def no_rows(description: str, query: str, table: TableRef | None = None) -> Done:
    """A data condition: `query` returns no row once the work is done. Given the `table` it reads, the
    guard that checks it claims ACCESS SHARE on it and a scan (as it should: it reads the table)."""
    return Done(description, f"NOT EXISTS ({query})", reads=table)


def guard_sql(done: Sequence[Done], this: str, previous: str) -> str:
    checks = "\n".join(
        f"""    IF NOT ({d.sql}) THEN
        RAISE EXCEPTION 'migration "%" needs the work of "%" first: % is not there; nothing was changed',
            {quote_literal(this)}, {quote_literal(previous)}, {quote_literal(d.description)}
            USING HINT = 'run the migrations of this change in order; if the earlier one failed, run it again';
    END IF;"""
        for d in done
    )
    return f"DO $mm$\nBEGIN\n{checks}\nEND\n$mm$"


def guard_step(ctx: Context, done: Sequence[Done], this: str, previous: str) -> Step:
    read = list(dict.fromkeys(d.reads for d in done if d.reads is not None))
    return ctx.step(
        Action.READ_CATALOG,
        None,
        f'Check that "{previous}" has run: ' + "; ".join(d.description for d in done),
        [guard_sql(done, this, previous)],
        [],
        notes=["stops this migration before any change when the one before it has not run or did not finish"]
        + (["reads the table to check its data, under ACCESS SHARE only (reads and writes go on)"] if read else []),
        also_locks=[(t, LockMode.ACCESS_SHARE) for t in read],
        scans=bool(read),
        estimate_=_scans(ctx, read) if read else None,
    )


def _scans(ctx: Context, tables: Sequence[TableRef]) -> Estimate:
    """One sequential scan of each table the guard reads."""
    parts = [estimate.scan(ctx.stats_for(t)) for t in tables]
    if any(e.seconds is None for e in parts):
        return next(e for e in parts if e.seconds is None)
    return Estimate(seconds=sum(e.seconds or 0 for e in parts), basis="; ".join(e.basis for e in parts))


def empty_guard_sql(tables: Sequence[TableRef], this: str, source: str) -> str:
    checks = "\n".join(
        f"""    IF EXISTS (SELECT 1 FROM {t.sql} LIMIT 1) THEN
        RAISE EXCEPTION 'migration "%" is plain DDL for % because it was empty in %, but it has rows now; nothing '
            'was changed', {quote_literal(this)}, {quote_literal(t.key)}, {quote_literal(source)}
            USING HINT = 'plan the change again with the current schema (--dsn)';
    END IF;"""
        for t in tables
    )
    return f"DO $mm$\nBEGIN\n{checks}\nEND\n$mm$"


def empty_guard_step(ctx: Context, tables: Sequence[TableRef], this: str) -> Step:
    source = ctx.schema.source if ctx.schema is not None else "the schema read"
    return ctx.step(
        Action.READ_CATALOG,
        None,
        "Check that " + ", ".join(t.key for t in tables) + " is still empty, as the schema read showed",
        [empty_guard_sql(tables, this, source)],
        [],
        notes=["plain DDL is safe on an empty table only: this stops the migration if rows arrived since"],
    ).model_copy(update={"assumption": True})
