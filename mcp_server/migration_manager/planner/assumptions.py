"""What a plan assumes about columns it cannot see, checked by the migration before it acts.

DDL such as `ALTER TABLE orders ALTER COLUMN amount TYPE bigint` does not say whether the column
is NOT NULL or has a default, yet an expand/contract plan must carry both over to the new
column. The plan therefore states what it assumes (from the operation's fields), and the first
migration checks the catalog and stops, before changing anything, when the assumption is wrong,
saying which field to give.
"""

from __future__ import annotations

from ..ident import quote_literal
from ..knowledge.postgres import Action
from ..model import Step
from .base import Context, TableRef


def column_guard_sql(table: TableRef, column: str, *, not_null: bool, has_default: bool | None, op: str) -> str:
    """DO block that raises unless the column's NOT NULL (and, unless None, default presence) match."""
    where = quote_literal(f"{table.key}.{column}")
    retry = quote_literal(op)
    expect_default = str(has_default).lower()
    default_check = (
        ""
        if has_default is None
        else f"""\
    IF (mm_default IS NOT NULL) IS DISTINCT FROM {expect_default} THEN
        RAISE EXCEPTION '% has %, but this plan assumed %: nothing was changed',
            {where}, coalesce('DEFAULT ' || mm_default, 'no default'),
            {quote_literal("a default" if has_default else "no default")}
            USING HINT = 'plan again with default=' || coalesce(mm_default, 'null')
                         || ' in the ' || {retry} || ' operation';
    END IF;
"""
    )
    return f"""DO $mm$
DECLARE
    mm_not_null boolean;
    mm_default text;
BEGIN
    SELECT a.attnotnull, pg_get_expr(d.adbin, d.adrelid) INTO mm_not_null, mm_default
      FROM pg_attribute AS a
      LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = to_regclass({table.regclass_literal()}) AND a.attname = {quote_literal(column)}
       AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column % does not exist', {where};
    END IF;
    IF mm_not_null IS DISTINCT FROM {str(not_null).lower()} THEN
        RAISE EXCEPTION '% is %, but this plan assumed %: nothing was changed',
            {where}, CASE WHEN mm_not_null THEN 'NOT NULL' ELSE 'nullable' END,
            {quote_literal("NOT NULL" if not_null else "nullable")}
            USING HINT = 'plan again with not_null=' || mm_not_null::text || ' in the ' || {retry} || ' operation';
    END IF;
{default_check}END
$mm$"""


def column_guard(
    ctx: Context,
    table: TableRef,
    column: str,
    *,
    not_null: bool,
    op: str,
    default: str | None = None,
    check_default: bool = True,
) -> Step:
    """A step that checks NOT NULL and (with check_default) that a default exists iff `default` is given."""
    has_default = (default is not None) if check_default else None
    assumed = "NOT NULL" if not_null else "nullable"
    if has_default is not None:
        assumed += f", DEFAULT {default}" if default else ", no default"
    return ctx.step(
        Action.READ_CATALOG,
        table,
        f"Check that {table.key}.{column} is {assumed}, as this plan assumes",
        [column_guard_sql(table, column, not_null=not_null, has_default=has_default, op=op)],
        [],
        notes=["stops the migration before any change if the column differs; the message names the field to give"],
    ).model_copy(update={"assumption": True})
