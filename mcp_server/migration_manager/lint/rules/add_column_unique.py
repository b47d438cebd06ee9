"""ADD COLUMN ... UNIQUE or PRIMARY KEY: the index is built while ACCESS EXCLUSIVE is held."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ._helpers import alter_commands, column_def, constraint_kinds, lock_words
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_AddColumn"):
        definition = column_def(cmd)
        if constraint_kinds(definition) & {"CONSTR_UNIQUE", "CONSTR_PRIMARY"} and not ctx.is_new(key):
            column = definition.get("colname")
            yield Hit(
                f"{column} is added with an index built under ACCESS EXCLUSIVE on {key}",
                lock_words(LockMode.ACCESS_EXCLUSIVE),
                f"ALTER TABLE {key} ADD COLUMN {column} ...;  -- without UNIQUE\n"
                f"CREATE UNIQUE INDEX CONCURRENTLY {key.rpartition('.')[2]}_{column}_key ON {key} ({column});\n"
                f"ALTER TABLE {key} ADD CONSTRAINT {key.rpartition('.')[2]}_{column}_key UNIQUE USING INDEX "
                f"{key.rpartition('.')[2]}_{column}_key;",
                table=key,
            )


RULE = Rule(
    id="add-column-unique",
    severity="error",
    summary="column added with UNIQUE or PRIMARY KEY",
    why="The unique index is built inside the ALTER, under ACCESS EXCLUSIVE: reads and writes wait for the "
    "whole build, which reads every row.",
    check=check,
    reads=("AlterTableStmt",),
    examples=(
        Example("ALTER TABLE orders ADD COLUMN ref text UNIQUE;", True, lock=LockMode.ACCESS_EXCLUSIVE, scan=True),
        Example("ALTER TABLE orders ADD COLUMN ref text;", False, lock=LockMode.ACCESS_EXCLUSIVE),
    ),
)
