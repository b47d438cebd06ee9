"""Operation -> Plan. One module per family of operations; this one orders and groups their output.

Each family returns drafts (migrations in the making). Adjacent drafts are merged into one
migration when that is safe: the same transaction mode, no application gate between them,
neither one a scan or backfill that must run (and finish) on its own, and, for transactional
ones, locks on one table only, so that a single transaction never waits for a second table's
lock while holding the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..defaults import (
    DEFAULT_LOCK_RETRIES,
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    MAX_BATCH_SIZE,
    MAX_LOCK_RETRIES,
    MAX_PAUSE_MS,
    bad_duration,
    too_many_statements,
)
from ..errors import InputError
from ..ident import quote_ident, quote_literal
from ..knowledge.postgres import Action
from ..model import (
    AddCheck,
    AddColumn,
    AddEnumValue,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AddUnique,
    Backfill,
    ChangeColumnType,
    CreateObject,
    CreateTable,
    DoneCheck,
    DropColumn,
    DropConstraint,
    DropDefault,
    DropIndex,
    DropNotNull,
    DropTable,
    Migration,
    Operation,
    Plan,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    TableStats,
    Target,
    ValidateConstraint,
)
from .backfill import plan_backfill
from .base import Context, Draft, TableRef, slug
from .columns import (
    plan_add_column,
    plan_drop_column,
    plan_drop_default,
    plan_drop_not_null,
    plan_set_default,
)
from .constraints import (
    plan_add_check,
    plan_add_foreign_key,
    plan_add_primary_key,
    plan_add_unique,
    plan_drop_constraint,
    plan_set_not_null,
    plan_validate_constraint,
)
from .indexes import plan_add_index, plan_drop_index
from .intent import merge_intents
from .renames import plan_rename_column
from .retype import plan_change_column_type
from .sequence import empty_guard_step, guard_step
from .tables import plan_create_table, plan_drop_table, plan_rename_table

if TYPE_CHECKING:
    from ..schema.model import Schema


NO_SCHEMA_WARNING = (
    "planned without a schema source: what the tables are (types, NOT NULL, defaults, indexes, keys, views) was "
    "not read, so the migrations check it when they run and stop before any change if it differs; give a schema "
    "source (a live database, a schema file or the repository) to plan from the real schema"
)


def plan_add_enum_value(ctx: Context, op: AddEnumValue) -> list[Draft]:
    enum = f"{quote_ident(op.schema_name)}.{quote_ident(op.enum)}" if op.schema_name else quote_ident(op.enum)
    position = ""
    if op.before:
        position = f" BEFORE {quote_literal(op.before)}"
    elif op.after:
        position = f" AFTER {quote_literal(op.after)}"
    step = ctx.step(
        Action.ADD_ENUM_VALUE,
        None,
        f"Add value {op.value!r} to enum {op.enum}",
        [f"ALTER TYPE {enum} ADD VALUE IF NOT EXISTS {quote_literal(op.value)}{position}"],
        [],
        lossy_down=True,
        down_note="PostgreSQL cannot remove an enum value; the down leaves it in place (harmless if unused)",
        notes=["the new value cannot be used in the transaction that adds it: this migration runs on its own"],
    ).model_copy(update={"transactional": False})
    return [
        Draft(
            name=slug(f"add {op.value} to {op.enum}"),
            title=f"add enum value {op.value}",
            transactional=False,
            steps=[step],
            solo=True,
        )
    ]


def plan_create_object(ctx: Context, op: CreateObject) -> list[Draft]:
    """A new type, extension, function, domain or schema: nothing uses it yet, so it is a catalog change
    that holds no lock the application waits on (the down drops it: nothing of the change uses it then)."""
    step = ctx.step(
        Action.CREATE_OBJECT,
        None,
        f"Create {op.kind} {op.name}: a catalog change, nothing uses it yet",
        [op.sql],
        [f"DROP {op.kind.upper()} IF EXISTS {op.name}"],
    )
    return [
        Draft(
            name=slug(f"create {op.kind} {op.name}"),
            title=f"create {op.kind} {op.name}",
            transactional=True,
            steps=[step],
        )
    ]


_FAMILIES: dict[type[Any], Callable[[Context, Any], list[Draft]]] = {
    CreateObject: plan_create_object,
    CreateTable: plan_create_table,
    DropTable: plan_drop_table,
    RenameTable: plan_rename_table,
    AddColumn: plan_add_column,
    DropColumn: plan_drop_column,
    RenameColumn: plan_rename_column,
    ChangeColumnType: plan_change_column_type,
    SetNotNull: plan_set_not_null,
    DropNotNull: plan_drop_not_null,
    SetDefault: plan_set_default,
    DropDefault: plan_drop_default,
    AddIndex: plan_add_index,
    DropIndex: plan_drop_index,
    AddForeignKey: plan_add_foreign_key,
    AddCheck: plan_add_check,
    AddUnique: plan_add_unique,
    AddPrimaryKey: plan_add_primary_key,
    DropConstraint: plan_drop_constraint,
    ValidateConstraint: plan_validate_constraint,
    AddEnumValue: plan_add_enum_value,
    Backfill: plan_backfill,
}


def _tables(draft: Draft) -> set[str]:
    return {f"{lock.schema_name}.{lock.relation}" for step in draft.steps for lock in step.locks}


class _Group:
    """Drafts merged into one migration, gathered first and built once: merging n drafts by
    copying the lists each time would take time in the square of n."""

    def __init__(self, first: Draft) -> None:
        self.drafts = [first]
        self.tables = _tables(first)
        self.name = first.name
        self.partial = first.done_partial
        self.has_done = bool(first.done)

    def takes(self, draft: Draft) -> bool:
        head = self.drafts[0]
        if (len(self.drafts) == 1 and head.solo) or draft.solo or draft.gate_before:
            return False
        if head.transactional != draft.transactional:
            return False
        return not head.transactional or len(self.tables | _tables(draft)) <= 1

    def add(self, draft: Draft) -> None:
        self.drafts.append(draft)
        self.tables |= _tables(draft)
        if len(self.name) < 40:
            self.name = slug(f"{self.name} {draft.name}")
        self.partial = self.partial or draft.done_partial or self.has_done != bool(draft.done)
        self.has_done = self.has_done or bool(draft.done)

    def draft(self) -> Draft:
        if len(self.drafts) == 1:
            return self.drafts[0]
        head = self.drafts[0]
        return Draft(
            name=self.name,
            title="; ".join(d.title for d in self.drafts),
            transactional=head.transactional,
            steps=[st for d in self.drafts for st in d.steps],
            gate_before=head.gate_before,
            checks=[c for d in self.drafts for c in d.checks],
            done=[x for d in self.drafts for x in d.done],
            done_partial=self.partial,
        )


def _merge(drafts: Sequence[Draft]) -> list[Draft]:
    """Consecutive drafts that can share a migration: the same kind (transactional or not), no
    gate between them, and (transactional) one table at most, so one lock is held at a time."""
    groups: list[_Group] = []
    for draft in drafts:
        if groups and groups[-1].takes(draft):
            groups[-1].add(draft)
        else:
            groups.append(_Group(draft))
    return [g.draft() for g in groups]


def plan(
    operations: Sequence[Operation],
    target: Target | None = None,
    stats: dict[str, TableStats] | None = None,
    *,
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT,
    batch_size: int = 1000,
    pause_ms: int = 50,
    lock_retries: int = DEFAULT_LOCK_RETRIES,
    schema: Schema | None = None,
) -> Plan:
    """Plan `operations` for `target`: ordered migrations whose every step is safe on a live table.

    batch_size / pause_ms apply to the backfills the plan derives (a volatile default, a type
    change, a rename); an explicit backfill operation carries its own."""
    target = target or Target()
    if refused := too_many_statements(len(operations), "operations"):
        raise InputError(refused)
    if not 1 <= batch_size <= MAX_BATCH_SIZE or not 0 <= pause_ms <= MAX_PAUSE_MS:
        raise InputError(f"batch_size must be 1-{MAX_BATCH_SIZE:,} and pause_ms 0-{MAX_PAUSE_MS:,}")
    if not 1 <= lock_retries <= MAX_LOCK_RETRIES:
        raise InputError(f"lock_retries must be 1-{MAX_LOCK_RETRIES} (attempts at taking a migration's locks)")
    # durations go into the plan's SQL (SET lock_timeout = '...'): only a number and a unit get there
    for field, value in (("lock_timeout", lock_timeout), ("statement_timeout", statement_timeout)):
        if problem := bad_duration(value, field):
            raise InputError(problem)
    if not target.is_postgresql:
        from .mysql import plan_mysql

        return plan_mysql(
            operations,
            target,
            dict(stats or {}),
            lock_timeout=lock_timeout,
            statement_timeout=statement_timeout,
            batch_size=batch_size,
            pause_ms=pause_ms,
            schema=schema,
        )
    ctx = Context(
        target=target,
        stats=dict(stats or {}),
        batch_size=batch_size,
        pause_ms=pause_ms,
        schema=schema,
        lock_timeout=lock_timeout,
        lock_retries=lock_retries,
    )
    if schema is None:
        ctx.warnings.append(NO_SCHEMA_WARNING)
    if target.version < 12:
        ctx.warnings.append(
            f"PostgreSQL {target.version} is past end of life; its lock and rewrite facts here come from the "
            "documentation and were not measured by this tool's tests (run on PostgreSQL 15 and 18)"
        )
    drafts: list[Draft] = []
    intended, merged_notes = merge_intents(operations)
    ctx.warnings.extend(merged_notes)
    for op in intended:
        drafts.extend(_FAMILIES[type(op)](ctx, op))
        if isinstance(op, (DropConstraint, DropTable)):
            info = ctx.table_info(TableRef(op.table, op.schema_name))
            ctx.dropped.add((info.key if info else op.table, op.name if isinstance(op, DropConstraint) else ""))
    merged = _merge(drafts)
    migrations = []
    for i, d in enumerate(merged):
        steps = d.steps
        empty = [ctx.empty_used[k] for k in dict.fromkeys(st.new_table for st in steps) if k in ctx.empty_used]
        if empty:
            steps = [empty_guard_step(ctx, empty, d.title), *steps]
        if i > 0 and merged[i - 1].done:
            steps = [guard_step(ctx, merged[i - 1].done, d.title, merged[i - 1].title), *steps]
        migrations.append(
            Migration(
                name=d.name,
                title=d.title,
                transactional=d.transactional,
                gate_before=d.gate_before,
                steps=steps,
                checks=d.checks,
                done=[DoneCheck(description=x.description, sql=x.sql) for x in d.done],
                done_partial=d.done_partial and bool(d.done),
            )
        )
    return Plan(
        target=target,
        operations=list(operations),
        migrations=migrations,
        warnings=ctx.warnings,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        lock_retries=lock_retries,
        schema_source=schema.source if schema is not None else None,
    )
