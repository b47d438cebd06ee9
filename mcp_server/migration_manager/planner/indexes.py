"""Indexes: built and dropped CONCURRENTLY, outside a transaction, safe to run again.

A CREATE INDEX CONCURRENTLY that fails (lock timeout, deadlock, a duplicate for a unique
index, a cancelled session) leaves an INVALID index behind with the wanted name, and
IF NOT EXISTS would then happily skip the build. The migration therefore first drops an
INVALID leftover of that name (a brief catalog lock under lock_timeout), then builds.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ident import qualified, quote_ident, quote_literal
from ..knowledge.postgres import Action
from ..model import AddIndex, Check, DropIndex, Step
from . import estimate
from .base import Context, Draft, TableRef, column_list, index_name, slug


def drop_invalid_leftover_sql(name: str, schema: str | None) -> str:
    """DO block: drop an INVALID index of this name left by a failed concurrent build."""
    target = quote_literal(qualified(name, schema))
    return f"""DO $mm$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass({target}) AND NOT indisvalid) THEN
        RAISE NOTICE 'dropping INVALID index % left by an earlier failed build', {target};
        EXECUTE 'DROP INDEX ' || {target};
    END IF;
END
$mm$"""


def index_definition(
    table: TableRef,
    columns: Sequence[str],
    name: str,
    *,
    unique: bool,
    method: str | None,
    where: str | None,
    concurrently: bool,
) -> str:
    parts = ["CREATE"]
    if unique:
        parts.append("UNIQUE")
    parts.append("INDEX")
    if concurrently:
        parts.append("CONCURRENTLY")
    parts.append(f"IF NOT EXISTS {quote_ident(name)} ON {table.sql}")
    if method and method.lower() != "btree":
        parts.append(f"USING {method.lower()}")
    parts.append(f"({column_list(columns)})")
    if where:
        parts.append(f"WHERE {where}")
    return " ".join(parts)


def drop_index_sql(name: str, schema: str | None, *, concurrently: bool) -> str:
    return f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {qualified(name, schema)}"


def create_index_drafts(
    ctx: Context,
    table: TableRef,
    columns: Sequence[str],
    name: str,
    *,
    unique: bool,
    method: str | None,
    where: str | None,
) -> list[Draft]:
    kind = "unique index" if unique else "index"
    if ctx.is_new(table):
        step = ctx.step(
            Action.CREATE_INDEX,
            table,
            f"Create {kind} {name} on {table.key} (table created in this plan: no CONCURRENTLY needed)",
            [index_definition(table, columns, name, unique=unique, method=method, where=where, concurrently=False)],
            [drop_index_sql(name, table.schema, concurrently=False)],
        )
        return [Draft(name=slug(f"create {name}"), title=f"create {kind} {name}", transactional=True, steps=[step])]
    recover = ctx.step(
        Action.DROP_INDEX,
        table,
        f"Drop an INVALID {name} left by an earlier failed run, if there is one",
        [drop_invalid_leftover_sql(name, table.schema)],
        [],
        notes=["does nothing unless a failed build left an INVALID index of this name"],
    ).model_copy(update={"transactional": False})
    build = ctx.step(
        Action.CREATE_INDEX_CONCURRENTLY,
        table,
        f"Build {kind} {name} on {table.key} concurrently: reads and writes go on",
        [index_definition(table, columns, name, unique=unique, method=method, where=where, concurrently=True)],
        [drop_index_sql(name, table.schema, concurrently=True)],
        estimate_=estimate.index_build(ctx.stats_for(table), concurrently=True),
        notes=[
            "waits for transactions already running on the table before each phase",
            "if it fails it leaves an INVALID index; running the migration again drops it and rebuilds",
        ]
        + (["a duplicate value makes the build fail: check for duplicates first (preflight)"] if unique else []),
    )
    checks = [
        Check(
            description=f"no invalid index named {name} is being built by another session right now",
            sql="SELECT a.pid, a.query FROM pg_stat_activity AS a WHERE a.query ILIKE "
            + quote_literal(f"%INDEX%CONCURRENTLY%{name}%")
            + " AND a.pid <> pg_backend_pid()",
            expect="no rows",
        )
    ]
    if unique and where is None and not any(c.strip().startswith("(") for c in columns):
        cols = column_list(columns)
        checks.append(
            Check(
                description=f"no duplicate ({', '.join(columns)}) in {table.key}",
                sql=f"SELECT {cols}, count(*) FROM {table.sql} GROUP BY {cols} HAVING count(*) > 1 LIMIT 10",
                expect="no rows",
            )
        )
    return [
        Draft(
            name=slug(f"create {name}"),
            title=f"create {kind} {name} concurrently",
            transactional=False,
            steps=[recover, build],
            checks=checks,
        )
    ]


def plan_add_index(ctx: Context, op: AddIndex) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    name = op.name or index_name(table, op.columns, "key" if op.unique else "idx")
    return create_index_drafts(ctx, table, op.columns, name, unique=op.unique, method=op.method, where=op.where)


def plan_drop_index(ctx: Context, op: DropIndex) -> list[Draft]:
    table = TableRef(op.table, op.schema_name) if op.table else None
    if table is not None and op.columns:
        down = [
            index_definition(
                table, op.columns, op.name, unique=op.unique, method=op.method, where=op.where, concurrently=True
            )
        ]
        note = "rebuilt concurrently"
    else:
        down = []
        note = "give table and columns in the operation so the down can rebuild the index"
    step: Step = ctx.step(
        Action.DROP_INDEX_CONCURRENTLY,
        table,
        f"Drop index {op.name} concurrently",
        [drop_index_sql(op.name, op.schema_name, concurrently=True)],
        down,
        lossy_down=not down,
        down_note=note,
        notes=["queries that used this index fall back to other plans: check them first"],
    )
    return [Draft(name=slug(f"drop index {op.name}"), title=f"drop index {op.name}", transactional=False, steps=[step])]
