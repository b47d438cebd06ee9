"""NOT NULL, CHECK, FOREIGN KEY, UNIQUE and PRIMARY KEY: add without a scan under a write lock.

The pattern throughout: add the constraint NOT VALID (catalog change, new rows checked at
once), then VALIDATE it in its own migration (SHARE UPDATE EXCLUSIVE: reads and writes go on
during the scan). Uniqueness is built by CREATE UNIQUE INDEX CONCURRENTLY and then attached
with ADD CONSTRAINT ... USING INDEX, which needs no scan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import PlanningError
from ..ident import derived_name, quote_ident, quote_literal
from ..knowledge.postgres import Action
from ..model import (
    AddCheck,
    AddForeignKey,
    AddPrimaryKey,
    AddUnique,
    Check,
    DropConstraint,
    LockMode,
    SetNotNull,
    Step,
    ValidateConstraint,
)
from .base import Context, Draft, TableRef, column_list, index_name, name_part, slug
from .indexes import create_index_drafts
from .sequence import column_exists, constraint_exists, index_valid

if TYPE_CHECKING:
    from ..schema.model import TableInfo


def not_null_check_name(table: TableRef, column: str) -> str:
    return derived_name(table.name, column, suffix="not_null")


def validate_draft(
    ctx: Context,
    table: TableRef,
    name: str,
    title: str,
    *,
    references: TableRef | None = None,
    check: Check | None = None,
) -> Draft:
    also = [(references, LockMode.ROW_SHARE)] if references is not None else []
    step = ctx.step(
        Action.VALIDATE_CONSTRAINT,
        table,
        f"Validate {name} on {table.key}: checks existing rows while reads and writes go on",
        [f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {quote_ident(name)}"],
        [unvalidate_sql(table, name)],
        also_locks=also,
        down_note="the down re-creates the constraint NOT VALID (catalog only), as it was before",
    )
    return Draft(
        name=slug(title),
        title=title,
        transactional=True,
        steps=[step],
        solo=True,
        checks=[check] if check else [],
        done=[constraint_exists(table, name, validated=True)],
    )


def unvalidate_sql(table: TableRef, name: str) -> str:
    """Return a validated CHECK / FOREIGN KEY to NOT VALID: drop and re-add it from its own definition."""
    return f"""DO $mm$
DECLARE
    definition text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO definition FROM pg_constraint
     WHERE conrelid = {table.regclass_literal()}::regclass AND conname = {quote_literal(name)};
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s NOT VALID',
                   {quote_literal(table.sql)}, {quote_literal(name)}, {quote_literal(name)}, definition);
END
$mm$"""


def not_null_drafts(ctx: Context, table: TableRef, column: str) -> list[Draft]:
    """SET NOT NULL without scanning under ACCESS EXCLUSIVE (PostgreSQL 12+).

    On 10 and 11, SET NOT NULL always scans; there the validated CHECK constraint is kept as the
    enforcement and the plan says so.
    """
    check = quote_ident(not_null_check_name(table, column))
    col = quote_ident(column)
    add = ctx.step(
        Action.ADD_CHECK_NOT_VALID,
        table,
        f"Add CHECK ({column} IS NOT NULL) NOT VALID on {table.key}: new rows are checked at once",
        [f"ALTER TABLE {table.sql} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID"],
        [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {check}"],
    )
    drafts = [
        Draft(
            name=slug(f"check {table.name} {column} not null"),
            title=f"check {table.key}.{column} not null",
            transactional=True,
            steps=[add],
            done=[constraint_exists(table, not_null_check_name(table, column))],
        ),
        validate_draft(
            ctx,
            table,
            not_null_check_name(table, column),
            f"validate {table.name} {column} not null",
            check=Check(
                description=f"no NULL left in {table.key}.{column}",
                sql=f"SELECT count(*) FROM {table.sql} WHERE {col} IS NULL",
                expect="zero",
            ),
        ),
    ]
    if ctx.version < 12:
        ctx.warnings.append(
            f"PostgreSQL {ctx.version}: SET NOT NULL always scans the table under ACCESS EXCLUSIVE; the plan keeps "
            f"the validated CHECK ({column} IS NOT NULL) as the enforcement instead."
        )
        return drafts
    set_nn = ctx.step(
        Action.SET_NOT_NULL_PROVEN,
        table,
        f"SET NOT NULL on {table.key}.{column}: the validated check proves it, no scan",
        [f"ALTER TABLE {table.sql} ALTER COLUMN {col} SET NOT NULL"],
        [f"ALTER TABLE {table.sql} ALTER COLUMN {col} DROP NOT NULL"],
    )
    drop_check = ctx.step(
        Action.DROP_CONSTRAINT,
        table,
        f"Drop the helper check {not_null_check_name(table, column)}: NOT NULL now enforces it",
        [f"ALTER TABLE {table.sql} DROP CONSTRAINT {check}"],
        [f"ALTER TABLE {table.sql} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID"],
        down_note="re-added NOT VALID (no scan); the column is NOT NULL until the next down step runs",
    )
    drafts.append(
        Draft(
            name=slug(f"set {table.name} {column} not null"),
            title=f"set {table.key}.{column} not null",
            transactional=True,
            steps=[set_nn, drop_check],
            done=[column_exists(table, column, not_null=True)],
        )
    )
    return drafts


def plan_set_not_null(ctx: Context, op: SetNotNull) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    if ctx.plain(table):
        step = ctx.step(
            Action.SET_NOT_NULL,
            table,
            f"SET NOT NULL on {table.key}.{op.column} (table created in this plan)",
            [f"ALTER TABLE {table.sql} ALTER COLUMN {quote_ident(op.column)} SET NOT NULL"],
            [f"ALTER TABLE {table.sql} ALTER COLUMN {quote_ident(op.column)} DROP NOT NULL"],
        )
        return [
            Draft(
                name=slug(f"set {op.table} {op.column} not null"),
                title="set not null",
                transactional=True,
                steps=[step],
            )
        ]
    return not_null_drafts(ctx, table, op.column)


def plan_add_check(ctx: Context, op: AddCheck) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    name = op.name or derived_name(table.name, name_part(op.expression)[:30], suffix="check")
    q = quote_ident(name)
    if ctx.plain(table):
        step = ctx.step(
            Action.ADD_CHECK,
            table,
            f"Add CHECK {name} on {table.key} (table created in this plan)",
            [f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} CHECK ({op.expression})"],
            [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {q}"],
        )
        return [Draft(name=slug(f"add check {name}"), title=f"add check {name}", transactional=True, steps=[step])]
    add = ctx.step(
        Action.ADD_CHECK_NOT_VALID,
        table,
        f"Add CHECK {name} NOT VALID on {table.key}: new and updated rows are checked at once",
        [f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} CHECK ({op.expression}) NOT VALID"],
        [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {q}"],
    )
    return [
        Draft(
            name=slug(f"add check {name}"),
            title=f"add check {name} not valid",
            transactional=True,
            steps=[add],
            done=[constraint_exists(table, name)],
        ),
        validate_draft(
            ctx,
            table,
            name,
            f"validate {name}",
            check=Check(
                description=f"no row of {table.key} violates {name}",
                sql=f"SELECT count(*) FROM {table.sql} WHERE NOT ({op.expression})",
                expect="zero",
            ),
        ),
    ]


def _fk_clause(op: AddForeignKey, ref: TableRef) -> str:
    clause = f"FOREIGN KEY ({column_list(op.columns)}) REFERENCES {ref.sql} ({column_list(op.ref_columns)})"
    if op.on_delete:
        clause += f" ON DELETE {op.on_delete.upper()}"
    if op.on_update:
        clause += f" ON UPDATE {op.on_update.upper()}"
    return clause


def plan_add_foreign_key(ctx: Context, op: AddForeignKey) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    ref = TableRef(op.ref_table, op.ref_schema)
    name = op.name or derived_name(table.name, *(name_part(c) for c in op.columns), suffix="fkey")
    q = quote_ident(name)
    clause = _fk_clause(op, ref)
    if ctx.plain(table):
        step = ctx.step(
            Action.ADD_FOREIGN_KEY,
            table,
            f"Add foreign key {name} on {table.key} (table created in this plan)",
            [f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} {clause}"],
            [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {q}"],
            also_locks=[(ref, LockMode.SHARE_ROW_EXCLUSIVE)],
        )
        return [Draft(name=slug(f"add fk {name}"), title=f"add foreign key {name}", transactional=True, steps=[step])]
    info = ctx.table_info(table)
    covering: list[Draft] = []
    note = f"deletes on {ref.key} look up {table.key}({', '.join(op.columns)}): make sure an index covers it"
    if info is not None:
        _require_columns(info, op.columns, "add_foreign_key")
        if info.index_covering(op.columns) is None:
            # Without it every DELETE (and key UPDATE) on the referenced table scans this one, and a
            # cascading delete does so while holding row locks on both.
            index = index_name(table, op.columns, "idx")
            covering = create_index_drafts(ctx, table, op.columns, index, unique=False, method=None, where=None)
            covering[-1].done = [index_valid(index, table.schema)]
            note = f"no index covered {table.key}({', '.join(op.columns)}): {index} is built first, concurrently"
        else:
            note = f"{info.index_covering(op.columns).name} covers {table.key}({', '.join(op.columns)})"  # type: ignore[union-attr]
    validated = validate_draft(
        ctx, table, name, f"validate {name}", references=ref, check=_orphans(op, table, ref, name)
    )
    validated.done = [constraint_exists(table, name, validated=True)]  # what status reads (and a later guard)
    add = ctx.step(
        Action.ADD_FOREIGN_KEY_NOT_VALID,
        table,
        f"Add foreign key {name} NOT VALID: {table.key} -> {ref.key}, enforced for new rows at once",
        [f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} {clause} NOT VALID"],
        [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {q}"],
        also_locks=[(ref, LockMode.SHARE_ROW_EXCLUSIVE)],
        notes=[note],
    )
    return [
        *covering,
        Draft(
            name=slug(f"add fk {name}"),
            title=f"add foreign key {name} not valid",
            transactional=True,
            steps=[add],
            done=[constraint_exists(table, name)],
        ),
        validated,
    ]


def _require_columns(info: TableInfo, columns: Sequence[str], op: str) -> None:
    missing = [c for c in columns if not c.strip().startswith("(") and info.column(c) is None]
    if missing:
        raise PlanningError(
            f"{op} on {info.key}: no column {', '.join(missing)} in the schema read "
            f"(columns: {', '.join(info.columns)}); check the names (they are case-sensitive when quoted)"
        )


def _orphans(op: AddForeignKey, table: TableRef, ref: TableRef, name: str) -> Check:
    on = " AND ".join(
        f"r.{quote_ident(rc)} = t.{quote_ident(c)}" for c, rc in zip(op.columns, op.ref_columns, strict=False)
    )
    present = " AND ".join(f"t.{quote_ident(c)} IS NOT NULL" for c in op.columns)
    return Check(
        description=f"every {table.key}({', '.join(op.columns)}) has its {ref.key} row ({name})",
        sql=f"SELECT count(*) FROM {table.sql} AS t WHERE {present} AND NOT EXISTS "
        f"(SELECT 1 FROM {ref.sql} AS r WHERE {on})",
        expect="zero",
    )


def _attach_index_step(ctx: Context, table: TableRef, constraint: str, kind: str, index: str) -> Step:
    q = quote_ident(constraint)
    return ctx.step(
        Action.ADD_CONSTRAINT_USING_INDEX,
        table,
        f"Attach index {index} as {kind} {constraint}: no scan, the index already enforces it",
        [f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} {kind} USING INDEX {quote_ident(index)}"],
        [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {q}"],
        down_note="dropping the constraint also drops its index",
    )


def plan_add_unique(ctx: Context, op: AddUnique) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    name = op.name or index_name(table, op.columns, "key")
    drafts = create_index_drafts(ctx, table, op.columns, name, unique=True, method=None, where=None)
    drafts[-1].done = [index_valid(name, table.schema)]
    attach = _attach_index_step(ctx, table, name, "UNIQUE", name)
    drafts.append(
        Draft(
            name=slug(f"add unique {name}"),
            title=f"add unique constraint {name}",
            transactional=True,
            steps=[attach],
            done=[constraint_exists(table, name)],
        )
    )
    return drafts


def plan_add_primary_key(ctx: Context, op: AddPrimaryKey) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    name = op.name or derived_name(table.name, suffix="pkey")
    drafts: list[Draft] = []
    info = ctx.table_info(table)
    nullable = list(op.columns)
    if info is not None:  # only the key columns that are nullable today need NOT NULL first
        _require_columns(info, op.columns, "add_primary_key")
        nullable = [c for c in op.columns if not info.columns[c].not_null]
    if not op.columns_not_null and not ctx.plain(table):
        for column in nullable:
            drafts.extend(not_null_drafts(ctx, table, column))
    drafts.extend(create_index_drafts(ctx, table, op.columns, name, unique=True, method=None, where=None))
    drafts[-1].done = [index_valid(name, table.schema)]
    attach = _attach_index_step(ctx, table, name, "PRIMARY KEY", name)
    drafts.append(
        Draft(
            name=slug(f"add primary key {name}"),
            title=f"add primary key {name}",
            transactional=True,
            steps=[attach],
            done=[constraint_exists(table, name)],
        )
    )
    return drafts


def plan_validate_constraint(ctx: Context, op: ValidateConstraint) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    return [validate_draft(ctx, table, op.name, f"validate {op.name}")]


def plan_drop_constraint(ctx: Context, op: DropConstraint) -> list[Draft]:
    table = TableRef(op.table, op.schema_name)
    q = quote_ident(op.name)
    info = ctx.table_info(table)
    known = info.constraint(op.name) if info is not None else None  # the schema read has its definition
    definition = (op.definition or (known.definition if known is not None else "")).strip()
    unvalidated = re.search(r"\s+NOT\s+VALID\s*$", definition, re.IGNORECASE)
    if unvalidated:  # it was never validated: the down adds it back as it was
        definition = definition[: unvalidated.start()]
    kind = definition.split("(")[0].strip().upper()
    also: list[tuple[TableRef, LockMode]] = []
    if kind == "FOREIGN KEY":
        referenced = _REFERENCES.search(definition)
        if referenced:
            also.append((TableRef(referenced.group(1).strip('"')), LockMode.ACCESS_EXCLUSIVE))
    if not definition:
        down: list[str] = []
        note = "the constraint's definition was not given: the down cannot re-add it"
    elif kind in {"CHECK", "FOREIGN KEY"} and unvalidated:
        down = [f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} {definition} NOT VALID"]
        note = "re-added NOT VALID, as it was (never validated)"
    elif kind in {"CHECK", "FOREIGN KEY"}:
        down = [
            f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} {definition} NOT VALID",
            f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {q}",
        ]
        note = "re-added NOT VALID, then validated: the ACCESS EXCLUSIVE lock of the re-add is held during the scan"
    else:
        down = [f"ALTER TABLE {table.sql} ADD CONSTRAINT {q} {definition}"]
        note = "re-adding a UNIQUE or PRIMARY KEY constraint builds its index under a write lock"
    step = ctx.step(
        Action.DROP_CONSTRAINT,
        table,
        f"Drop constraint {op.name} on {table.key}",
        [f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {q}"],
        down,
        also_locks=also,
        lossy_down=not definition,
        down_note=note,
    )
    return [
        Draft(
            name=slug(f"drop constraint {op.name}"),
            title=f"drop constraint {op.name}",
            transactional=True,
            steps=[step],
        )
    ]


_REFERENCES = re.compile(r"REFERENCES\s+((?:\"[^\"]+\"|[A-Za-z0-9_$.]+))", re.IGNORECASE)
