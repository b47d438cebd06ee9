"""Rename a column without breaking running code: expand/contract.

A plain RENAME COLUMN is instant, but every running query that names the old column fails the
moment it commits. Instead: add the new column, keep both in step (a database trigger, or the
application writing both), backfill, move the application to the new name, then drop the old
column.

With a schema source the column's type, NOT NULL and default are read, not asked, and what sits
on the old column is carried to the new one before the contract, so that the end is what the
naive RENAME COLUMN gives (same index and constraint names, now on the new column): each index
is built again CONCURRENTLY under a temporary name from its catalog definition (a UNIQUE
constraint then attached with ADD CONSTRAINT ... USING INDEX), each CHECK and FOREIGN KEY added
NOT VALID and validated (other tables' foreign keys that reference the column too, pointed at the
new one), and the contract renames them to their original names once the old column is gone.
What cannot be carried that way (the primary key, exclusion constraints, views that read the
column, a partitioned table) is refused, named, with what to do. Views: the naive rename keeps a
view working under its old output name; recreating it would mean rewriting its definition, so the
plan refuses and names it rather than guess.

Every migration states what it leaves in the database (`done`), so the next one stops before any
change when it has not run; the contract drops the old column only once the new one holds every
value (a data check, before any change). The contract's down is online: the old column is added
back nullable, kept in step by the trigger, refilled in batches, and made NOT NULL through a
validated CHECK; its indexes and constraints are built again under their names.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PlanningError
from ..ident import derived_name, qualified, quote_ident, quote_literal
from ..knowledge.postgres import Action
from ..model import LockMode, RenameColumn, Step
from ..sql.column_refs import constraint_on_column, index_on_column
from ..sql.expressions import check_expression
from ..sql.types import check_type
from . import sync
from .assumptions import column_guard
from .backfill import backfill_draft, backfill_sql, backfill_step, batch_key
from .base import Context, Draft, TableRef, slug
from .constraints import not_null_check_name, not_null_drafts, unvalidate_sql
from .indexes import drop_index_sql, drop_invalid_leftover_sql
from .sequence import (
    Done,
    column_absent,
    column_exists,
    constraint_exists,
    guard_step,
    index_valid,
    no_rows,
    trigger_exists,
)


@dataclass(frozen=True)
class _Carried:
    """An index or constraint of the old column, built again on the new one under `temporary`."""

    name: str
    temporary: str
    kind: str  # "index", "unique" (a UNIQUE constraint and its index), "check", "foreign key", "incoming"
    definition: str  # the index's CREATE statement, or the constraint's definition
    validated: bool = True
    references: TableRef | None = None  # a foreign key's referenced table
    on: TableRef | None = None  # "incoming": the table whose foreign key references the column


@dataclass(frozen=True)
class _Facts:
    type: str | None  # None: read from the catalog when the migration runs (blind)
    not_null: bool
    default: str | None
    carried: tuple[_Carried, ...] = ()
    schema: str | None = None  # where the table's indexes live
    read: bool = False  # from a schema source


def _refuse(table: TableRef, old: str, what: str, todo: str) -> PlanningError:
    return PlanningError(f"rename_column {table.key}.{old}: {what}; {todo}")


def _without_not_valid(definition: str) -> str:
    return definition.removesuffix(" NOT VALID")


def _facts(ctx: Context, table: TableRef, op: RenameColumn) -> _Facts:
    """What the plan needs to know of the old column: read from the schema source when there is one,
    else taken from the operation's fields (and checked by the migration when it runs)."""
    info = ctx.table_info(table)
    if info is None:
        return _Facts(op.type, op.not_null, op.default)
    old, new = op.column, op.new_name
    column = info.column(old)
    if column is None:
        raise _refuse(
            table,
            old,
            f"no such column in the schema read (columns: {', '.join(info.columns)})",
            "check the name (it is case-sensitive when quoted)",
        )
    if info.column(new) is not None:
        raise _refuse(table, old, f"{table.key} already has a column {new}", "choose another name")
    if info.partitioned or info.parent is not None:
        raise _refuse(
            table,
            old,
            "the table is partitioned (or a partition): its indexes cannot be built CONCURRENTLY in one statement",
            "rename the column in a maintenance window, or plan the partitions' indexes as their own change",
        )
    if column.identity or column.generated:
        raise _refuse(
            table,
            old,
            "an identity or generated column cannot be copied into a plain column kept in step by a trigger",
            "rename it with a plain RENAME COLUMN in a release that stops using the old name",
        )
    assert ctx.schema is not None
    views = ctx.schema.views_on(info, old)
    if views:
        raise _refuse(
            table,
            old,
            f"{', '.join(v.key for v in views)} read the column; dropping it would need them dropped, and the "
            "naive RENAME COLUMN keeps them (their column keeps its name)",
            "drop and recreate those views around the contract, or rename with a plain RENAME COLUMN",
        )
    carried: list[_Carried] = []
    for index in info.indexes_on(old):
        constraint = info.constraint(index.constraint) if index.constraint else None
        if index.primary or (constraint is not None and constraint.kind == "p"):
            raise _refuse(
                table,
                old,
                f"it is part of the primary key {index.name}",
                "a primary key column is renamed with a plain RENAME COLUMN (other tables' keys point at it)",
            )
        if constraint is not None and constraint.kind != "u":
            raise _refuse(
                table,
                old,
                f"the {constraint.name} constraint ({constraint.definition}) uses it",
                "drop it before the rename and add it again after",
            )
        if not index.valid:
            raise _refuse(
                table,
                old,
                f"index {index.name} on it is INVALID (a failed build)",
                "drop it or build it again (REINDEX INDEX CONCURRENTLY) first",
            )
        carried.append(
            _Carried(
                name=constraint.name if constraint else index.name,
                temporary=derived_name(index.name, suffix="mm_new"),
                kind="unique" if constraint else "index",
                definition=index.definition,
            )
        )
    for constraint in info.constraints_on(old):
        if constraint.kind in ("u", "p"):
            continue  # with its index, above
        if constraint.kind not in ("c", "f"):
            raise _refuse(
                table,
                old,
                f"the {constraint.name} constraint ({constraint.definition}) uses it",
                "drop it before the rename and add it again after",
            )
        if constraint.kind == "f" and constraint.ref_table == info.name and constraint.ref_schema == info.schema:
            raise _refuse(
                table,
                old,
                f"the foreign key {constraint.name} references its own table",
                "drop it before the rename and add it again after",
            )
        carried.append(
            _Carried(
                name=constraint.name,
                temporary=derived_name(constraint.name, suffix="mm_new"),
                kind="check" if constraint.kind == "c" else "foreign key",
                definition=_without_not_valid(constraint.definition),
                validated=constraint.validated,
                references=TableRef(constraint.ref_table, constraint.ref_schema) if constraint.ref_table else None,
            )
        )
    for ref in ctx.schema.incoming_foreign_keys(info):  # last: they need the unique copies before them
        fk = ref.constraint
        if old not in fk.ref_columns:
            continue
        source = ctx.schema.table(ref.table, ref.schema)
        if (ref.schema, ref.table) == (info.schema, info.name) or (source is not None and source.partitioned):
            raise _refuse(
                table,
                old,
                f"the foreign key {fk.name} of {ref.schema}.{ref.table} references it"
                + (" from the same table" if source is info else " from a partitioned table"),
                "drop it before the rename and add it again after",
            )
        carried.append(
            _Carried(
                name=fk.name,
                temporary=derived_name(fk.name, suffix="mm_new"),
                kind="incoming",
                definition=_without_not_valid(fk.definition),
                validated=fk.validated,
                on=TableRef(ref.table, ref.schema),
            )
        )
    given = {"type": (op.type, column.type), "default": (op.default, column.default)}
    for field, (asked, read) in given.items():
        if asked is not None and asked != read:
            ctx.warnings.append(
                f"rename_column {table.key}.{old}: {field} {asked!r} given, but the schema read has {read!r}; "
                "the plan uses what was read"
            )
    if op.not_null and not column.not_null:
        ctx.warnings.append(
            f"rename_column {table.key}.{old}: not_null given, but the column is nullable in the schema read; "
            "the plan keeps it nullable, as the naive RENAME COLUMN does"
        )
    return _Facts(column.type, column.not_null, column.default, tuple(carried), info.schema, read=True)


def _unique_tail(ctx: Context, table: TableRef, name: str) -> str:
    """DEFERRABLE / INITIALLY DEFERRED of a UNIQUE constraint, as its definition ends."""
    info = ctx.table_info(table)
    constraint = info.constraint(name) if info else None
    if constraint is None:
        return ""
    tail = constraint.definition.rsplit(")", 1)[-1].strip()
    return f" {tail}" if tail else ""


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
    if op.default is not None:
        check_expression(op.default, f"rename_column {table.key}.{old}: default")
    facts = _facts(ctx, table, op)
    trigger = sync.function_name(table, f"{old}_{new}")
    uses_trigger = op.strategy == "trigger"

    # 1. expand: the new column (no default yet: see sync.two_way_sql) and the trigger
    add_up = (
        f"ALTER TABLE {table.sql} ADD COLUMN {n} {facts.type}"
        if facts.type
        else sync.add_column_like_sql(table, new, old)
    )
    expand = [
        column_guard(ctx, table, old, not_null=facts.not_null, default=facts.default, op="rename_column"),
        ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add column {new} to {table.key} with the type of {old}"
            + (f" ({facts.type}, read from the schema)" if facts.read else ""),
            [add_up],
            [f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {n}"],
            notes=[
                f"its default ({facts.default}) is set by the contract: while both columns are written, a "
                f"default on {new} would stand in for the value old code writes to {old}"
            ]
            if facts.default
            else [],
        ),
    ]
    expand_done = [column_exists(table, new, type_sql=facts.type) if facts.read else column_exists(table, new)]
    if uses_trigger:
        expand.append(
            ctx.step(
                Action.CREATE_TRIGGER,
                table,
                f"Trigger: writes to either {old} or {new} set both",
                sync.two_way_sql(table, trigger, old, new),
                sync.drop_sql(table, trigger),
            )
        )
        expand_done.append(trigger_exists(table, trigger))
    drafts = [
        Draft(
            name=slug(f"{title} expand"),
            title=f"{title}: add {new}",
            transactional=True,
            steps=expand,
            done=expand_done,
        )
    ]

    # 2. backfill
    filled = no_rows(
        f"every row of {table.key} has {new} equal to {old}",
        f"SELECT 1 FROM {table.sql} WHERE {o} IS DISTINCT FROM {n}",
        table,
    )
    fill = backfill_draft(
        ctx, backfill_step(ctx, table, new, o, f"{n} IS DISTINCT FROM {o}"), f"backfill {table.name} {new}"
    )
    fill.done = [expand_done[0], filled]  # the same check as the expand's: status reads it as a repeat
    if op.strategy == "dual_write":
        fill.gate_before = (
            f"Deploy application code that writes both {table.key}.{old} and {new} on every INSERT and UPDATE "
            "(still reading the old one)."
        )
    drafts.append(fill)

    # 3. what sits on the old column, built on the new one under temporary names, and NOT NULL through a
    # validated CHECK (no scan under ACCESS EXCLUSIVE): the constraints added in one migration, validated in
    # the next, the column set NOT NULL in a third
    nn_set: list[Draft] = []
    nn: tuple[Draft, Draft] | None = None
    if facts.not_null:
        nn_check, nn_valid, *nn_set = not_null_drafts(ctx, table, new)
        helper = not_null_check_name(table, new)
        nn_check.done = [constraint_exists(table, helper)]
        nn_valid.done = [constraint_exists(table, helper, validated=True)]
        nn = (nn_check, nn_valid)
        for d in nn_set:
            # the helper check stays until the contract: dropped here, this migration's down could only
            # add it back NOT VALID (validating it in the same transaction would scan under its lock)
            d.steps = [st for st in d.steps if st.up[0].startswith(f"ALTER TABLE {table.sql} ALTER COLUMN")]
            d.done = [column_exists(table, new, not_null=True)]
    drafts.extend(_carry_drafts(ctx, table, old, new, facts, nn))
    drafts.extend(nn_set)
    # 4. contract
    helper_left = not_null_check_name(table, new) if nn_set else None
    contract = _contract_draft(ctx, table, op, facts, trigger, title, helper_left)
    # before any change, right after the guard plan() puts first: the new column holds every value. Checked
    # here rather than repeated in the done list of the migration before (a done list says what that
    # migration did; `status` reads it so)
    if drafts[-1] is not fill:  # right after the backfill, plan()'s guard checks it already
        contract.steps.insert(0, guard_step(ctx, [filled], contract.title, fill.title))
    drafts.append(contract)
    return drafts


def _carry_drafts(
    ctx: Context,
    table: TableRef,
    old: str,
    new: str,
    facts: _Facts,
    not_null: tuple[Draft, Draft] | None,
) -> list[Draft]:
    """The indexes (one migration, concurrently), the constraints NOT VALID (one migration, with the NOT NULL
    helper check of `not_null`), their validation (one more): under temporary names, renamed by the contract."""
    drafts: list[Draft] = []
    indexes = [c for c in facts.carried if c.kind in ("index", "unique")]
    if indexes:
        steps: list[Step] = []
        for c in indexes:
            steps.append(
                ctx.step(
                    Action.DROP_INDEX,
                    table,
                    f"Drop an INVALID {c.temporary} left by an earlier failed run, if there is one",
                    [drop_invalid_leftover_sql(c.temporary, facts.schema)],
                    [],
                    notes=["does nothing unless a failed build left an INVALID index of this name"],
                ).model_copy(update={"transactional": False})
            )
            steps.append(
                ctx.step(
                    Action.CREATE_INDEX_CONCURRENTLY,
                    table,
                    f"Build {c.temporary} on {table.key}({new}) concurrently: {c.name} of {old}, to take its name "
                    "in the contract",
                    [index_on_column(c.definition, old, new, c.temporary, concurrently=True)],
                    [drop_index_sql(c.temporary, facts.schema, concurrently=True)],
                    notes=[
                        "waits for transactions already running on the table before each phase",
                        "if it fails it leaves an INVALID index; running the migration again drops it and rebuilds",
                    ],
                )
            )
        drafts.append(
            Draft(
                name=slug(f"index {table.name} {new}"),
                title=f"build the indexes of {old} on {new} concurrently",
                transactional=False,
                steps=steps,
                done=[index_valid(c.temporary, facts.schema) for c in indexes],
            )
        )
    add: list[Step] = []
    validate: list[Step] = []
    for c in facts.carried:
        t = quote_ident(c.temporary)
        if c.kind == "unique":
            rebuild = index_on_column(c.definition, old, new, c.temporary, concurrently=True)
            add.append(
                ctx.step(
                    Action.ADD_CONSTRAINT_USING_INDEX,
                    table,
                    f"Attach {c.temporary} as the UNIQUE constraint {c.temporary}: no scan, the index enforces it",
                    [
                        f"ALTER TABLE {table.sql} ADD CONSTRAINT {t} UNIQUE USING INDEX {t}"
                        + _unique_tail(ctx, table, c.name)
                    ],
                    # an index cannot leave its constraint: dropped with it, it is built again
                    [
                        f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {t}",
                        drop_invalid_leftover_sql(c.temporary, facts.schema),
                        rebuild,
                    ],
                    down_note=f"dropping the constraint drops its index: the down builds {c.temporary} again "
                    "concurrently, as the migration before left it",
                ).model_copy(update={"transactional": False})
            )
        elif c.kind == "incoming" and c.on is not None:
            add.append(
                ctx.step(
                    Action.ADD_FOREIGN_KEY_NOT_VALID,
                    c.on,
                    f"Add foreign key {c.temporary} on {c.on.key} NOT VALID, referencing {table.key}({new}) as "
                    f"{c.name} references {old}",
                    [
                        constraint_on_column(
                            c.on.sql, c.definition, old, new, c.temporary, not_valid=True, referenced=True
                        )
                    ],
                    [f"ALTER TABLE {c.on.sql} DROP CONSTRAINT IF EXISTS {t}"],
                    also_locks=[(table, LockMode.SHARE_ROW_EXCLUSIVE)],
                ).model_copy(update={"transactional": False})
            )
            if c.validated:
                validate.append(
                    ctx.step(
                        Action.VALIDATE_CONSTRAINT,
                        c.on,
                        f"Validate {c.temporary} on {c.on.key}: checks existing rows while reads and writes go on",
                        [f"ALTER TABLE {c.on.sql} VALIDATE CONSTRAINT {t}"],
                        [unvalidate_sql(c.on, c.temporary)],
                        also_locks=[(table, LockMode.ROW_SHARE)],
                        down_note="the down re-creates the constraint NOT VALID (catalog only), as it was before",
                    )
                )
        elif c.kind in ("check", "foreign key"):
            also = [(c.references, LockMode.SHARE_ROW_EXCLUSIVE)] if c.references else []
            add.append(
                ctx.step(
                    Action.ADD_FOREIGN_KEY_NOT_VALID if c.references else Action.ADD_CHECK_NOT_VALID,
                    table,
                    f"Add {c.kind} {c.temporary} on {new} NOT VALID, as {c.name} is on {old}",
                    [constraint_on_column(table.sql, c.definition, old, new, c.temporary, not_valid=True)],
                    [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {t}"],
                    also_locks=also,
                )
            )
            if c.validated:
                validate.append(
                    ctx.step(
                        Action.VALIDATE_CONSTRAINT,
                        table,
                        f"Validate {c.temporary} on {table.key}: checks existing rows while reads and writes go on",
                        [f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {t}"],
                        [unvalidate_sql(table, c.temporary)],
                        also_locks=[(c.references, LockMode.ROW_SHARE)] if c.references else [],
                        down_note="the down re-creates the constraint NOT VALID (catalog only), as it was before",
                    )
                )
    added = [c for c in facts.carried if c.kind != "index"]
    nn_check, nn_valid = not_null if not_null is not None else (None, None)
    # with a UNIQUE copy (whose down builds an index concurrently) or another table's foreign key (two
    # tables' locks), each statement runs on its own: each is a catalog change under a brief lock
    one_by_one = any(c.kind in ("unique", "incoming") for c in added)
    if nn_check is not None and nn_valid is not None:
        add += (
            [st.model_copy(update={"transactional": False}) for st in nn_check.steps] if one_by_one else nn_check.steps
        )
        validate += nn_valid.steps
    if add:
        drafts.append(
            Draft(
                name=slug(f"constraints {table.name} {new}"),
                title=f"add the constraints of {old} on {new}",
                transactional=not one_by_one,
                steps=add,
                done=[
                    *(constraint_exists(c.on or table, c.temporary) for c in added),
                    *(nn_check.done if nn_check else []),
                ],
            )
        )
    if validate:
        drafts.append(
            Draft(
                name=slug(f"validate {table.name} {new}"),
                title=f"validate the constraints of {old} on {new}",
                transactional=True,
                steps=validate,
                solo=True,
                done=[
                    constraint_exists(c.on or table, c.temporary, validated=True)
                    for c in added
                    if c.validated and c.kind != "unique"
                ]
                + (nn_valid.done if nn_valid else []),
                checks=nn_valid.checks if nn_valid else [],
            )
        )
    return drafts


def _atomic_with_retries(ctx: Context, statements: list[str]) -> str:
    """Statements in one DO block, so one transaction where the migration runs each statement on its
    own, retried as transactional migrations are (render/lock_retry.py): each attempt waits at most
    lock_timeout for its locks; on lock_not_available it rolls back to its savepoint, releasing what
    it took, sleeps with backoff and jitter, and tries again."""
    body = "\n".join(f"            {s};" for s in statements)
    n = ctx.lock_retries
    return f"""DO $mm$
DECLARE
    mm_attempt integer := 1;
BEGIN
    LOOP
        BEGIN
            SET LOCAL lock_timeout = {quote_literal(ctx.lock_timeout)};
{body}
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            IF mm_attempt >= {n} THEN
                RAISE;
            END IF;
            RAISE NOTICE 'migration-manager: lock not available (attempt % of {n}), retrying', mm_attempt;
            PERFORM pg_sleep(least(0.1 * 2 ^ (mm_attempt - 1), 2.0) * (0.5 + random()));
            mm_attempt := mm_attempt + 1;
        END;
    END LOOP;
END
$mm$"""


def _contract_draft(
    ctx: Context, table: TableRef, op: RenameColumn, facts: _Facts, trigger: str, title: str, helper: str | None
) -> Draft:
    old, new = op.column, op.new_name
    o, n = quote_ident(old), quote_ident(new)
    uses_trigger = op.strategy == "trigger"
    rename_up: list[str] = []
    rename_down: list[str] = []
    drop_first: list[str] = []
    for c in facts.carried:
        q, t = quote_ident(c.name), quote_ident(c.temporary)
        if c.kind == "index":
            rename_up.append(f"ALTER INDEX {qualified(c.temporary, facts.schema)} RENAME TO {q}")
            rename_down.append(f"ALTER INDEX {qualified(c.name, facts.schema)} RENAME TO {t}")
        elif c.kind == "incoming" and c.on is not None:
            drop_first.append(f"ALTER TABLE {c.on.sql} DROP CONSTRAINT {q}")  # it holds the old column's index
            rename_up.append(f"ALTER TABLE {c.on.sql} RENAME CONSTRAINT {t} TO {q}")
            rename_down.append(f"ALTER TABLE {c.on.sql} RENAME CONSTRAINT {q} TO {t}")
        else:
            rename_up.append(f"ALTER TABLE {table.sql} RENAME CONSTRAINT {t} TO {q}")
            rename_down.append(f"ALTER TABLE {table.sql} RENAME CONSTRAINT {q} TO {t}")
    default = [f"ALTER TABLE {table.sql} ALTER COLUMN {n} SET DEFAULT {facts.default}"] if facts.default else []
    up = _atomic_with_retries(
        ctx,
        [
            *drop_first,
            *(sync.drop_sql(table, trigger) if uses_trigger else []),
            f"ALTER TABLE {table.sql} DROP COLUMN {o}",
            *default,
            *rename_up,
            *([f"ALTER TABLE {table.sql} DROP CONSTRAINT {quote_ident(helper)}"] if helper else []),
        ],
    )

    # The down, online: each statement on its own, none scanning under a lock that blocks writes.
    add_back = (
        f"ALTER TABLE {table.sql} ADD COLUMN {o} {facts.type}"
        if facts.type
        else sync.add_column_like_sql(table, old, new)
    )
    down: list[str] = [
        *(
            [
                f"ALTER TABLE {table.sql} ADD CONSTRAINT {quote_ident(helper)} CHECK ({n} IS NOT NULL) NOT VALID",
                f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {quote_ident(helper)}",
            ]
            if helper
            else []
        ),
        *rename_down,
        *([f"ALTER TABLE {table.sql} ALTER COLUMN {n} DROP DEFAULT"] if facts.default else []),
        add_back,
        # while the old column is refilled the new one is the truth: a write that leaves the old one
        # unchanged takes the new value, never the other way round
        *(sync.two_way_sql(table, trigger, new, old) if uses_trigger else []),
        backfill_sql(table, old, n, f"{o} IS DISTINCT FROM {n}", batch_key(ctx, table), ctx.batch_size, ctx.pause_ms),
        *(sync.two_way_sql(table, trigger, old, new)[:1] if uses_trigger else []),  # the trigger as it was
        *([f"ALTER TABLE {table.sql} ALTER COLUMN {o} SET DEFAULT {facts.default}"] if facts.default else []),
    ]
    if facts.not_null:
        helper = quote_ident(derived_name(table.name, old, suffix="mm_not_null"))
        down += [
            f"ALTER TABLE {table.sql} ADD CONSTRAINT {helper} CHECK ({o} IS NOT NULL) NOT VALID",
            f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {helper}",
            *([f"ALTER TABLE {table.sql} ALTER COLUMN {o} SET NOT NULL"] if ctx.version >= 12 else []),
            *([f"ALTER TABLE {table.sql} DROP CONSTRAINT {helper}"] if ctx.version >= 12 else []),
        ]
    for c in facts.carried:
        q = quote_ident(c.name)
        if c.kind in ("index", "unique"):
            down += [
                drop_invalid_leftover_sql(c.name, facts.schema),
                index_on_column(c.definition, old, old, c.name, concurrently=True),
            ]
            if c.kind == "unique":
                down.append(
                    f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} UNIQUE USING INDEX {q}"
                    + _unique_tail(ctx, table, c.name)
                )
        elif c.kind != "incoming":
            down.append(f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} {c.definition} NOT VALID")
            if c.validated:
                down.append(f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {q}")
    for c in facts.carried:  # other tables' foreign keys, once the old column's unique index is back
        if c.kind == "incoming" and c.on is not None:
            q = quote_ident(c.name)
            down.append(f"ALTER TABLE {c.on.sql} ADD CONSTRAINT {q} {c.definition} NOT VALID")
            if c.validated:
                down.append(f"ALTER TABLE {c.on.sql} VALIDATE CONSTRAINT {q}")
    others = {c.on for c in facts.carried if c.on is not None and c.on != table}
    carried = ", ".join(c.name for c in facts.carried)
    contract = ctx.step(
        Action.DROP_COLUMN,
        table,
        f"Drop the old column {old}"
        + (" and the sync trigger" if uses_trigger else "")
        + (f"; {carried} take their names back on {new}" if carried else ""),
        [up],
        down,
        also_locks=[(t, LockMode.ACCESS_EXCLUSIVE) for t in sorted(others, key=lambda t: t.key)],
        breaks_running_code=True,
        down_note=(
            f"the down adds {old} back (nullable), keeps it in step with {new}, refills it in batches"
            + (", makes it NOT NULL through a validated CHECK" if facts.not_null else "")
            + (f" and builds {carried} on it again (concurrently)" if carried else "")
            + ": no statement scans the table under a lock that blocks writes"
        ),
        notes=(
            [
                f"read from the schema: {facts.type}"
                + (" NOT NULL" if facts.not_null else "")
                + (f" DEFAULT {facts.default}" if facts.default else "")
                + (f"; carried to {new}: {carried}" if carried else "")
            ]
            if facts.read
            else [
                f"planned without a schema: indexes and constraints of {old} (other than NOT NULL and its default) "
                f"are not copied to {new}: add them with their own operations before this migration"
            ]
        ),
    ).model_copy(update={"transactional": False})
    gate = (
        f"Deploy application code that reads and writes only {table.key}.{new}, and wait until no old instance "
        "runs" + (" (stop writing the old column too)" if op.strategy == "dual_write" else "") + "."
    )
    done: list[Done] = [column_absent(table, old)]
    return Draft(
        name=slug(f"{title} contract"),
        title=f"{title}: drop {old}",
        transactional=False,
        steps=[contract],
        gate_before=gate,
        solo=True,
        done=done,
    )
