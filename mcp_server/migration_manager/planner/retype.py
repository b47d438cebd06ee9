"""Change a column's type: in place when PostgreSQL can, expand/contract when it would rewrite.

Expand/contract: add a shadow column of the new type kept in step by a trigger, backfill it in
batches, then swap the two in one short transaction (renames only). After the swap a reverse
trigger keeps the old column filled, so rolling back loses nothing; the old column is dropped
in a last, gated migration.
"""

from __future__ import annotations

from ..errors import PlanningError
from ..ident import derived_name, qualified, quote_ident, quote_literal
from ..knowledge.postgres import Action, type_change_in_place
from ..model import ChangeColumnType, LockMode
from ..sql.expressions import check_expression, function_names, qualify_columns
from ..sql.types import check_type
from . import sync
from .assumptions import column_guard
from .backfill import backfill_draft, backfill_sql, backfill_step, batch_key
from .base import Context, Draft, TableRef, slug
from .carry import (
    Carried,
    Swap,
    carried,
    copy_index_name,
    copy_name,
    create_views_sql,
    drop_views_sql,
    retired_name,
    sequence_owner_sql,
    swap_sql,
    unique_name_for,
    widened_sequence_sql,
)
from .constraints import not_null_check_name, not_null_drafts
from .indexes import drop_index_sql, drop_invalid_leftover_sql
from .sequence import Done, column_absent, column_exists, constraint_exists, index_valid, no_rows, trigger_exists

UTC = "SET LOCAL TIME ZONE 'UTC'"


def _from_schema(
    ctx: Context, op: ChangeColumnType, table: TableRef, where: str
) -> tuple[ChangeColumnType, Carried | None]:
    """The operation with the column's facts (old type, NOT NULL, default) read from the schema, and what
    the column carries. Without a schema source: the operation as given, nothing known to carry."""
    info = ctx.table_info(table)
    if info is None or ctx.schema is None:
        return op, None
    col = info.column(op.column)
    if col is None:
        raise PlanningError(f"{where}: {info.key} has no column {op.column} in {ctx.schema.source}")
    given: dict[str, str | bool | None] = {
        "old_type": op.old_type,
        "not_null": op.not_null or None,
        "default": op.default,
    }
    read: dict[str, str | bool | None] = {"old_type": col.type, "not_null": col.not_null, "default": col.default}
    for name, value in given.items():
        if (
            value is not None
            and value != read[name]
            and not (isinstance(value, str) and name == "old_type" and _same_type(value, col.type))
        ):
            ctx.warnings.append(
                f"{where}: {name} was given as {value!r} but the schema has {read[name]!r}; the plan uses the schema's"
            )
    op = op.model_copy(update={"old_type": col.type, "not_null": col.not_null, "default": col.default})
    return op, carried(ctx.schema, info, op.column, where)


def _same_type(a: str, b: str) -> bool:
    aliases = {
        "int": "integer",
        "int4": "integer",
        "int8": "bigint",
        "int2": "smallint",
        "varchar": "character varying",
    }
    return aliases.get(a.lower(), a.lower()) == aliases.get(b.lower(), b.lower())


def plan_change_column_type(ctx: Context, op: ChangeColumnType) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    where = f"change_column_type {table.key}.{op.column}"
    check_type(op.new_type, where)
    if op.old_type:
        check_type(op.old_type, where)
    if op.using:
        check_expression(op.using, f"{where}: using")
    op, carry = _from_schema(ctx, op, table, where)
    c = quote_ident(op.column)
    title = f"change {table.name} {op.column} to {op.new_type}"

    in_place, reason = (False, "old_type not given")
    if op.old_type and not op.using:
        in_place, reason = type_change_in_place(op.old_type, op.new_type, ctx.version)
    plain = ctx.plain(table)
    if in_place or plain:
        assert op.old_type is not None or plain
        needs_utc = "timestamp" in reason
        views = carry.views if carry is not None else []
        up = (
            ([UTC] if needs_utc else [])
            + drop_views_sql(views)
            + [
                f"ALTER TABLE {table.sql} ALTER COLUMN {c} TYPE {op.new_type}"
                + (f" USING {op.using}" if op.using else "")
            ]
            + create_views_sql(views)
        )
        down = (
            ([UTC] if needs_utc else [])
            + drop_views_sql(views)
            + ([f"ALTER TABLE {table.sql} ALTER COLUMN {c} TYPE {op.old_type}"] if op.old_type else [])
            + create_views_sql(views)
        )
        step = ctx.step(
            Action.CHANGE_TYPE_IN_PLACE if in_place else Action.CHANGE_TYPE_REWRITE,
            table,
            f"Change {table.key}.{op.column} to {op.new_type} in place: {reason}",
            up,
            down,
            down_note="going back to the narrower type checks every row and may rewrite the table",
            notes=[
                f"views read the column and are dropped and created again around it: {', '.join(v.key for v in views)}"
            ]
            if views
            else [],
        )
        return [Draft(name=slug(title), title=title, transactional=True, steps=[step])]

    if not op.old_type:
        ctx.warnings.append(
            f"{where}: old_type not given, so the plan cannot tell whether the change is binary coercible "
            "(varchar widening, varchar -> text, numeric precision increase, timestamp -> timestamptz). "
            "If it is, give old_type for a one-step plan."
        )
    return _expand_contract(ctx, op, table, title, reason, carry)


def _expand_contract(
    ctx: Context, op: ChangeColumnType, table: TableRef, title: str, reason: str, carry: Carried | None
) -> list[Draft]:
    col, shadow = op.column, derived_name(op.column, suffix="new")
    retired = derived_name(op.column, suffix="old")
    c, s, r = quote_ident(col), quote_ident(shadow), quote_ident(retired)
    convert_row = qualify_columns(op.using, "new") if op.using else f"NEW.{c}::{op.new_type}"
    convert = op.using or f"{c}::{op.new_type}"
    forward = sync.function_name(table, f"{col}_to_new")
    backward = sync.function_name(table, f"{col}_to_old")
    known = carry is not None  # the schema says what the column carries
    # a sequence's nextval() default moves in the swap: on the shadow too it would draw twice per insert
    early_default = op.default if op.default and "nextval" not in function_names(op.default) else None
    if carry is not None:
        for ref in carry.incoming:
            ref_col = ref.constraint.columns[ref.constraint.ref_columns.index(col)]
            ref_info = ctx.schema.table(ref.table, ref.schema) if ctx.schema else None
            ref_type = ref_info.columns[ref_col].type if ref_info and ref_col in ref_info.columns else "?"
            if ref_type != op.new_type:
                ctx.warnings.append(
                    f"{ref.schema}.{ref.table}.{ref_col} ({ref_type}) references {table.key}.{col} and keeps its "
                    f"type, as with the plain ALTER: plan `ALTER TABLE {qualified(ref.table, ref.schema)} ALTER "
                    f"COLUMN {quote_ident(ref_col)} TYPE {op.new_type}` as its own change before values outgrow it"
                )

    copies_up = (
        [carry.constraint_sql(table, k, shadow, copy_name(k.name), not_valid=True) for k in carry.constraints]
        if carry
        else []
    )
    copies_down = [
        f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {quote_ident(copy_name(k.name))}"
        for k in (carry.constraints if carry else [])
    ]
    expand = [
        column_guard(ctx, table, col, not_null=op.not_null, default=op.default, op="change_column_type"),
        ctx.step(
            Action.ADD_COLUMN,
            table,
            f"Add shadow column {shadow} {op.new_type} to {table.key}",
            # added without a default (a volatile one would rewrite), the default set after it
            [f"ALTER TABLE {table.sql} ADD COLUMN {s} {op.new_type}"]
            + ([f"ALTER TABLE {table.sql} ALTER COLUMN {s} SET DEFAULT {op.default}"] if early_default else []),
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
    if copies_up:
        expand.append(
            ctx.step(
                Action.ADD_CHECK_NOT_VALID,
                table,
                f"Copy the constraints of {col} onto {shadow}, NOT VALID: new writes are checked at once",
                copies_up,
                list(reversed(copies_down)),
                also_locks=[
                    (TableRef(k.ref_table, k.ref_schema), LockMode.SHARE_ROW_EXCLUSIVE)
                    for k in (carry.constraints if carry else [])
                    if k.kind == "f" and k.ref_table
                ],
            )
        )
    expand_done: list[Done] = [
        column_exists(table, shadow),
        trigger_exists(table, forward),
        *(constraint_exists(table, copy_name(k.name)) for k in (carry.constraints if carry else [])),
    ]
    drafts = [
        Draft(
            name=slug(f"{title} expand"),
            title=f"{title}: add {shadow}",
            transactional=True,
            steps=expand,
            done=expand_done,
        )
    ]
    fill = backfill_draft(
        ctx,
        backfill_step(ctx, table, shadow, convert, f"{s} IS DISTINCT FROM ({convert})"),
        f"backfill {table.name} {shadow}",
    )
    fill.done = [
        *expand_done,
        no_rows(
            f"no row of {table.key} whose {shadow} differs from {col}",
            f"SELECT 1 FROM {table.sql} WHERE {s} IS DISTINCT FROM ({convert})",
            table,
        ),
    ]
    drafts.append(fill)
    if op.not_null:
        check_name = not_null_check_name(table, shadow)
        nn = not_null_drafts(ctx, table, shadow)[:2]  # check + validate; SET NOT NULL in the swap
        nn[0].done = [*expand_done, constraint_exists(table, check_name)]
        nn[1].done = [*expand_done, constraint_exists(table, check_name, validated=True)]
        drafts.extend(nn)
    if carry is not None and carry.constraints:
        validate = [
            ctx.step(
                Action.VALIDATE_CONSTRAINT,
                table,
                f"Validate {copy_name(k.name)} on {table.key}: checks existing rows while reads and writes go on",
                [f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {quote_ident(copy_name(k.name))}"],
                [],  # the expand's down drops it
                down_note="nothing to undo: the constraint goes with the expand's down",
            )
            for k in carry.constraints
            if k.validated
        ]
        if validate:
            drafts.append(
                Draft(
                    name=slug(f"{title} validate"),
                    title=f"{title}: validate the copied constraints",
                    transactional=True,
                    steps=validate,
                    solo=True,
                    done=[
                        *expand_done,
                        *(
                            constraint_exists(table, copy_name(k.name), validated=True)
                            for k in carry.constraints
                            if k.validated
                        ),
                    ],
                )
            )
    if carry is not None and carry.every_index():
        drafts.append(_index_draft(ctx, table, title, carry, shadow, expand_done))
    if carry is not None and carry.incoming:
        drafts.extend(_incoming_drafts(ctx, table, title, carry, shadow, expand_done))

    sw = swap_sql(table, carry, shadow, retired) if carry else Swap()
    widen_up, widen_down = widened_sequence_sql(carry, op.new_type) if carry else ([], [])
    swap_up: list[str] = []
    swap_nn_down: list[str] = []
    if op.not_null:
        check = quote_ident(not_null_check_name(table, shadow))
        if ctx.version >= 12:
            swap_up += [
                f"ALTER TABLE {table.sql} ALTER COLUMN {s} SET NOT NULL",
                f"ALTER TABLE {table.sql} DROP CONSTRAINT {check}",
            ]
            swap_nn_down = [
                f"ALTER TABLE {table.sql} ADD CONSTRAINT {check} CHECK ({s} IS NOT NULL) NOT VALID",
                f"ALTER TABLE {table.sql} ALTER COLUMN {s} DROP NOT NULL",
            ]
    swap_up += [
        *sync.drop_sql(table, forward),
        *sw.before,
        f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT",
        *(sequence_owner_sql(carry, table, shadow) if carry else []),
        *widen_up,
        f"ALTER TABLE {table.sql} RENAME COLUMN {c} TO {r}",
        f"ALTER TABLE {table.sql} RENAME COLUMN {s} TO {c}",
        *(
            [f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT {op.default}"]
            if op.default and not early_default
            else []
        ),
        *sw.after,
        *sync.one_way_sql(table, backward, retired, f"NEW.{c}"),
    ]
    swap_down = [
        *sync.drop_sql(table, backward),
        *sw.undo_before,
        *([f"ALTER TABLE {table.sql} ALTER COLUMN {c} DROP DEFAULT"] if op.default and not early_default else []),
        f"ALTER TABLE {table.sql} RENAME COLUMN {c} TO {s}",
        f"ALTER TABLE {table.sql} RENAME COLUMN {r} TO {c}",
        *widen_down,
        *(sequence_owner_sql(carry, table, col) if carry else []),
        *([f"ALTER TABLE {table.sql} ALTER COLUMN {c} SET DEFAULT {op.default}"] if op.default else []),
        *sw.undo_after,
        *(create_views_sql(carry.views) if carry else []),
        *sync.one_way_sql(table, forward, shadow, convert_row),
        *swap_nn_down,
    ]
    moved = (
        "its indexes, constraints and views move with it (built on the shadow column beforehand)"
        if known and carry and not carry.empty
        else "the schema shows nothing else on the column to move"
        if known
        else f"indexes, constraints and foreign keys on {col} are not moved (no schema source was read): create "
        f"them on {shadow} (CONCURRENTLY) before this migration"
    )
    swap = ctx.step(
        Action.RENAME_COLUMN,
        table,
        f"Swap: {col} becomes the {op.new_type} column, the old one is kept as {retired} and still filled",
        swap_up,
        swap_down,
        also_locks=[
            (TableRef(ref.table, ref.schema), LockMode.ACCESS_EXCLUSIVE)
            for ref in (carry.incoming if carry else [])
            if carry is not None and (ref.schema, ref.table) != (carry.table.schema, carry.table.name)
        ],
        notes=[
            "renames only: a catalog change under a brief ACCESS EXCLUSIVE",
            moved,
            *(
                [
                    "views dropped and created again in this transaction from their catalog definitions: "
                    + ", ".join(v.key for v in carry.views)
                    + " (their grants and comments are not kept: grant again after it)"
                ]
                if carry and carry.views
                else []
            ),
            f"the old column's default is dropped; {retired} is filled by a trigger from now on",
            f'a statement the application prepared on the server that returns {col} fails with "cached plan '
            'must not change result type" after the swap, on every run, until its connection is replaced '
            "(psycopg 3 and the PostgreSQL JDBC driver prepare repeated queries by themselves): recycle the "
            "application's connection pools right after this migration, or run it with server-side prepared "
            "statements turned off",
        ],
    )
    # no value of the old column missing from the new one: on a NOT NULL column the constraint proves it
    # without reading the table
    swap_done = [
        column_exists(table, col, type_is=op.new_type, not_null=True if op.not_null else None),
        column_exists(table, retired),
        trigger_exists(table, backward),
    ]
    if not op.not_null:
        swap_done.append(
            no_rows(
                f"no value of {table.key}.{retired} missing from {col}",
                f"SELECT 1 FROM {table.sql} WHERE {c} IS NULL AND {r} IS NOT NULL",
                table,
            )
        )
    drafts.append(
        Draft(
            name=slug(f"{title} swap"),
            title=f"{title}: swap columns",
            transactional=True,
            steps=[swap],
            done=swap_done,
        )
    )
    drafts.append(_contract_draft(ctx, op, table, title, carry, retired, backward))
    if op.old_type:  # without it, plan_change_column_type has already said why
        ctx.warnings.append(f"{table.key}.{col}: {reason}; planned as expand/contract with a shadow column.")
    return drafts


def _index_draft(
    ctx: Context, table: TableRef, title: str, carry: Carried, shadow: str, expand_done: list[Done]
) -> Draft:
    """Build each index of the column again on the shadow column, concurrently, under its copy name."""
    steps = []
    names = []
    builds = [(index, copy_index_name(carry, index), shadow) for index in carry.every_index()]
    spare = carry.spare_key_index()
    if spare is not None:
        builds.append((spare[0], spare[1], carry.column))
    for index, name, on in builds:
        names.append(name)
        steps.append(
            ctx.step(
                Action.DROP_INDEX,
                table,
                f"Drop an INVALID {name} left by an earlier failed run, if there is one",
                [drop_invalid_leftover_sql(name, table.schema)],
                [],
                notes=["does nothing unless a failed build left an INVALID index of this name"],
            ).model_copy(update={"transactional": False})
        )
        steps.append(
            ctx.step(
                Action.CREATE_INDEX_CONCURRENTLY,
                table,
                f"Build {name} on {table.key}.{on} concurrently, as {index.name} is on {carry.column}"
                + (" (the swap's down makes it the primary key again)" if on == carry.column else ""),
                [carry.index_sql(index, on, name)],
                [drop_index_sql(name, table.schema, concurrently=True)],
                notes=["if it fails it leaves an INVALID index; running the migration again drops it and rebuilds"]
                + (["the unique index becomes the constraint in the swap"] if unique_name_for(carry, index) else []),
            )
        )
    return Draft(
        name=slug(f"{title} indexes"),
        title=f"{title}: build the indexes on {shadow}",
        transactional=False,
        steps=steps,
        solo=True,
        done=[*expand_done, *(index_valid(n, table.schema) for n in names)],
    )


def _contract_draft(
    ctx: Context,
    op: ChangeColumnType,
    table: TableRef,
    title: str,
    carry: Carried | None,
    retired: str,
    backward: str,
) -> Draft:
    """Drop the retired column. Its down builds it again online: the column, its trigger, a batched refill,
    NOT NULL proven by a validated check, its constraints NOT VALID then validated, its indexes concurrently."""
    c, r = quote_ident(op.column), quote_ident(retired)
    down: list[str] = []
    if op.old_type:
        back = f"{c}::{op.old_type}"
        down = [
            f"ALTER TABLE {table.sql} ADD COLUMN IF NOT EXISTS {r} {op.old_type}",
            *sync.one_way_sql(table, backward, retired, f"NEW.{c}"),
            backfill_sql(
                table,
                retired,
                back,
                f"{r} IS DISTINCT FROM {back}",
                batch_key(ctx, table),
                ctx.batch_size,
                ctx.pause_ms,
            ),
        ]
        if op.not_null:
            check = quote_ident(not_null_check_name(table, retired))
            down += [
                f"ALTER TABLE {table.sql} ADD CONSTRAINT {check} CHECK ({r} IS NOT NULL) NOT VALID",
                f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {check}",
            ]
            if ctx.version >= 12:
                down += [
                    f"ALTER TABLE {table.sql} ALTER COLUMN {r} SET NOT NULL",
                    f"ALTER TABLE {table.sql} DROP CONSTRAINT {check}",
                ]
        if carry is not None:
            for k in carry.constraints:
                down.append(carry.constraint_sql(table, k, retired, retired_name(k.name), not_valid=True))
                if k.validated:
                    down.append(f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {quote_ident(retired_name(k.name))}")
            for index in carry.indexes:
                down.append(carry.index_sql(index, retired, retired_name(index.name)))
            spare = carry.spare_key_index()
            if spare is not None:
                down.append(carry.index_sql(spare[0], retired, spare[1]))
            for k, index in carry.uniques:
                down += [
                    carry.index_sql(index, retired, retired_name(k.name)),
                    f"ALTER TABLE {table.sql} ADD CONSTRAINT {quote_ident(retired_name(k.name))} UNIQUE USING INDEX "
                    f"{quote_ident(retired_name(k.name))}",
                ]
    contract = ctx.step(
        Action.DROP_COLUMN,
        table,
        f"Drop the retired column {retired} and its trigger",
        [*sync.drop_sql(table, backward), f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {r}"],
        down,
        lossy_down=not op.old_type,
        down_note=(
            f"the down adds {retired} again and refills it in batches, proves NOT NULL with a validated check and "
            "builds its indexes concurrently: online, but as long as the expand on a big table"
            if op.old_type
            else "old_type not given: the down cannot re-add the retired column"
        ),
    ).model_copy(update={"transactional": False})
    return Draft(
        name=slug(f"{title} contract"),
        title=f"{title}: drop {retired}",
        transactional=False,
        steps=[contract],
        gate_before=f"Run the application on the new {table.key}.{op.column} until you no longer need to roll back.",
        done=[column_absent(table, retired)],
    )


def _incoming_drafts(
    ctx: Context, table: TableRef, title: str, carry: Carried, shadow: str, expand_done: list[Done]
) -> list[Draft]:
    """Foreign keys that reference the column, added again NOT VALID referencing the shadow column (its copy of
    the key's index is built), then validated; the swap drops the originals and gives the copies their names."""
    add, validate, done_add, done_valid = [], [], [], []
    for ref in carry.incoming:
        ref_table = TableRef(ref.table, ref.schema)
        self_ref = (ref.schema, ref.table) == (carry.table.schema, carry.table.name)
        name = copy_name(ref.constraint.name)
        add.append(
            ctx.step(
                Action.ADD_FOREIGN_KEY_NOT_VALID,
                ref_table,
                f"Foreign key {name} on {ref.schema}.{ref.table} referencing {table.key}.{shadow}, NOT VALID",
                [carry.foreign_key_sql(ref, shadow, name, not_valid=True)],
                [f"ALTER TABLE {ref_table.sql} DROP CONSTRAINT IF EXISTS {quote_ident(name)}"],
                also_locks=[] if self_ref else [(table, LockMode.SHARE_ROW_EXCLUSIVE)],
            )
        )
        original = quote_ident(ref.constraint.name)
        validate.append(
            ctx.step(
                Action.VALIDATE_CONSTRAINT,
                ref_table,
                f"Validate {name} on {ref.schema}.{ref.table}: checks existing rows while reads and writes go on",
                [f"ALTER TABLE {ref_table.sql} VALIDATE CONSTRAINT {quote_ident(name)}"],
                # after the swap's down the original is back NOT VALID: validated again here, online
                [
                    f"""DO $mm$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass({ref_table.regclass_literal()})
               AND conname = {quote_literal(ref.constraint.name)} AND NOT convalidated) THEN
        ALTER TABLE {ref_table.sql} VALIDATE CONSTRAINT {original};
    END IF;
END
$mm$"""
                ]
                if ref.constraint.validated
                else [],
                also_locks=[] if self_ref else [(table, LockMode.ROW_SHARE)],
            )
        )
        done_add.append(constraint_exists(ref_table, name))
        done_valid.append(constraint_exists(ref_table, name, validated=True))
    return [
        Draft(
            name=slug(f"{title} foreign keys"),
            title=f"{title}: point the foreign keys at {shadow}",
            transactional=True,
            steps=add,
            done=[*expand_done, *done_add],
        ),
        Draft(
            name=slug(f"{title} validate foreign keys"),
            title=f"{title}: validate the foreign keys on {shadow}",
            transactional=True,
            steps=validate,
            solo=True,
            done=[*expand_done, *done_valid],
        ),
    ]
