"""A json (not jsonb) column added to an existing table: json has no equality operator, so
queries the application already runs that compare whole rows (SELECT DISTINCT *, UNION, GROUP BY
every column) start failing."""

from __future__ import annotations

from collections.abc import Iterator

from ..tree import column_type
from ._helpers import alter_commands, column_def
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_AddColumn"):
        definition = column_def(cmd)
        if column_type(definition.get("typeName", {}), ctx.text) == "json" and not ctx.is_new(key):
            yield Hit(
                f"{key}.{definition.get('colname')} is json: queries on {key} that compare whole rows (SELECT "
                "DISTINCT *, UNION, GROUP BY every column) fail from the moment it is added",
                None,
                ctx.text.strip().rstrip(";").replace(" json", " jsonb") + ";  -- jsonb has equality",
            )


RULE = Rule(
    id="json-column",
    severity="warning",
    summary="json column added to an existing table",
    why="json values cannot be compared for equality: running queries over whole rows of the table break. "
    "jsonb can be.",
    check=check,
    reads=("AlterTableStmt",),
    examples=(
        Example(
            "ALTER TABLE orders ADD COLUMN meta json;\nSELECT DISTINCT * FROM orders;",
            True,
            fails=True,
        ),
        Example("ALTER TABLE orders ADD COLUMN meta jsonb;\nSELECT DISTINCT * FROM orders;", False, measured=False),
    ),
)
