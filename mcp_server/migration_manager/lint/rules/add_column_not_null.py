"""ADD COLUMN ... NOT NULL without a default on a table that already has rows: the server refuses."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import strings
from ._helpers import alter_commands, column_def, constraint_kinds
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_AddColumn"):
        column = column_def(cmd)
        kinds = constraint_kinds(column)
        needs_value = "CONSTR_NOTNULL" in kinds or "CONSTR_PRIMARY" in kinds
        gives_value = kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}
        type_names = strings(column.get("typeName", {}).get("names")) or [""]
        if needs_value and not gives_value and "serial" not in type_names[-1] and not ctx.is_new(key):
            if key in ctx.schema.emptied:
                continue  # a DELETE without WHERE or a TRUNCATE earlier in this transaction: no row to fill
            name = column.get("colname")
            yield Hit(
                f"{name} is NOT NULL without a default: the ALTER fails as soon as {key} has a row",
                None,
                f"ALTER TABLE {key} ADD COLUMN {name} ... DEFAULT <constant> NOT NULL;  "
                "-- a constant default is a catalog change on 11+; or add it nullable, backfill, then SET NOT NULL",
            )


RULE = Rule(
    id="add-column-not-null-without-default",
    severity="error",
    summary="NOT NULL column added without a default to a table with rows",
    why="PostgreSQL has no value to put in the existing rows and stops the migration; the deploy fails "
    "in production even though it passed on an empty development database.",
    check=check,
    reads=("AlterTableStmt",),
    examples=(
        Example("ALTER TABLE orders ADD COLUMN status text NOT NULL;", True, fails=True),
        Example(
            "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';", False, lock=LockMode.ACCESS_EXCLUSIVE
        ),
        Example(
            "CREATE TABLE fresh (id bigint);\nALTER TABLE fresh ADD COLUMN status text NOT NULL;",
            False,
            table="fresh",
            measured=False,
        ),
        Example(
            "DELETE FROM orders;\nALTER TABLE orders ADD COLUMN status text NOT NULL;",
            False,
            lock=LockMode.ACCESS_EXCLUSIVE,
        ),
    ),
)
