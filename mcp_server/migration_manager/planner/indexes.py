"""Indexes: built and dropped CONCURRENTLY, outside a transaction, safe to run again.

A CREATE INDEX CONCURRENTLY that fails (lock timeout, deadlock, a duplicate for a unique
index, a cancelled session) leaves an INVALID index behind with the wanted name, and
IF NOT EXISTS would then happily skip the build. The migration therefore first drops an
INVALID leftover of that name (a brief catalog lock under lock_timeout), then builds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..ident import derived_name, qualified, quote_ident, quote_literal
from ..knowledge.postgres import Action
from ..model import AddIndex, Check, DropIndex, LockMode, Step
from . import estimate
from .base import Context, Draft, TableRef, column_list, index_name, slug
from .sequence import index_valid

if TYPE_CHECKING:
    from ..schema.model import TableInfo


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
    if ctx.plain(table):
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
    info = ctx.table_info(table)
    if info is not None and info.partitioned:
        return partitioned_index_drafts(ctx, info, op, name)
    return create_index_drafts(ctx, table, op.columns, name, unique=op.unique, method=op.method, where=op.where)


def _leaves(ctx: Context, table: TableInfo) -> list[tuple[TableInfo, TableInfo]]:
    """(parent, partition) pairs down to the leaves, parents before their partitions."""
    assert ctx.schema is not None
    out: list[tuple[TableInfo, TableInfo]] = []
    for key in table.partitions:
        part = ctx.schema.tables.get(key)
        if part is None:
            continue
        out.append((table, part))
        if part.partitioned:
            out.extend(_leaves(ctx, part))
    return out


def child_index_name(partition: TableInfo, columns: Sequence[str]) -> str:
    """The name PostgreSQL gives a partition's index when CREATE INDEX runs on the parent
    (ChooseIndexName: the partition's name, the column names, "expr" for an expression, "idx")."""
    parts = [c if not c.strip().startswith("(") else "expr" for c in columns]
    return derived_name(partition.name, *parts, suffix="idx")


def partitioned_index_drafts(ctx: Context, parent: TableInfo, op: AddIndex, name: str) -> list[Draft]:
    """CREATE INDEX CONCURRENTLY is refused on a partitioned table. Build each partition's index
    concurrently (their own migrations), then create the parent's index ON ONLY (catalog only) and
    attach them: the parent's index is valid once every partition's is attached. The same names and
    definitions as a plain CREATE INDEX on the parent."""
    kind = "unique index" if op.unique else "index"
    pairs = _leaves(ctx, parent)
    if not pairs:
        ctx.warnings.append(f"{parent.key} is partitioned but has no partitions: its index is created ON ONLY")
    names = {parent.key: name}
    drafts: list[Draft] = []
    for _, part in pairs:
        names[part.key] = child_index_name(part, op.columns)
    for _, part in pairs:
        if part.partitioned:
            continue
        pref = TableRef(part.name, part.schema)
        child = names[part.key]
        built = create_index_drafts(ctx, pref, op.columns, child, unique=op.unique, method=op.method, where=op.where)
        for d in built:
            d.done = [index_valid(child, part.schema)]
        drafts.extend(built)
    TableRef(parent.name, parent.schema)
    steps: list[Step] = []
    rebuild: list[str] = []
    partitioned = [parent] + [p for _, p in pairs if p.partitioned]
    for table in partitioned:
        t = TableRef(table.name, table.schema)
        steps.append(
            ctx.step(
                Action.CREATE_INDEX_ON_ONLY,
                t,
                f"Create {kind} {names[table.key]} ON ONLY {table.key}: catalog only, invalid until its partitions' "
                "indexes are attached",
                [
                    index_definition(
                        t,
                        op.columns,
                        names[table.key],
                        unique=op.unique,
                        method=op.method,
                        where=op.where,
                        concurrently=False,
                    ).replace(f" ON {t.sql} ", f" ON ONLY {t.sql} ", 1)
                ],
                [],
            ).model_copy(update={"transactional": False})
        )
    for owner, part in reversed(pairs):  # leaves first: a sub-partitioned index is valid once its own are attached
        o = TableRef(owner.name, owner.schema)
        steps.append(
            ctx.step(
                Action.ATTACH_INDEX_PARTITION,
                o,
                f"Attach {names[part.key]} ({part.key}) to {names[owner.key]}",
                [
                    f"ALTER INDEX {qualified(names[owner.key], owner.schema)} ATTACH PARTITION "
                    f"{qualified(names[part.key], part.schema)}"
                ],
                [],
                also_locks=[(TableRef(part.name, part.schema), LockMode.ACCESS_SHARE)],
            ).model_copy(update={"transactional": False})
        )
    for _, part in pairs:  # the down: dropping the parent's index drops the attached ones: build them again
        if not part.partitioned:
            rebuild.append(
                index_definition(
                    TableRef(part.name, part.schema),
                    op.columns,
                    names[part.key],
                    unique=op.unique,
                    method=op.method,
                    where=op.where,
                    concurrently=True,
                )
            )
    steps[0] = steps[0].model_copy(
        update={
            "down": [drop_index_sql(name, parent.schema, concurrently=False), *rebuild],
            "down_note": "dropping the partitioned index drops the partitions' indexes with it; the down builds "
            "them again concurrently, as the migrations before this one left them",
        }
    )
    drafts.append(
        Draft(
            name=slug(f"create {name} on partitions"),
            title=f"create {kind} {name} on {parent.key} and attach its partitions' indexes",
            transactional=False,
            steps=steps,
            done=[index_valid(name, parent.schema)],
        )
    )
    return drafts


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
