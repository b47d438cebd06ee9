"""SET NOT NULL scans the table under ACCESS EXCLUSIVE, unless (PostgreSQL 12+) a validated
CHECK (column IS NOT NULL) already proves it."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action
from ...locks import LockMode
from ._helpers import action_lock, alter_commands
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_SetNotNull"):
        table = ctx.schema.table(key)
        column = cmd.get("name", "")
        if ctx.is_new(key) or (table is not None and column in table.proven_not_null and ctx.version >= 12):
            continue
        name = f"{key.rpartition('.')[2]}_{column}_not_null"
        fix = (
            f"ALTER TABLE {key} ADD CONSTRAINT {name} CHECK ({column} IS NOT NULL) NOT VALID;\n"
            f"ALTER TABLE {key} VALIDATE CONSTRAINT {name};  -- in its own transaction\n"
            f"ALTER TABLE {key} ALTER COLUMN {column} SET NOT NULL;  -- no scan: the check proves it (12+)\n"
            f"ALTER TABLE {key} DROP CONSTRAINT {name};"
        )
        if ctx.version < 12:
            fix = "before PostgreSQL 12 SET NOT NULL always scans; keep the validated CHECK instead of NOT NULL"
        yield Hit(
            f"SET NOT NULL on {key}.{column} reads every row while ACCESS EXCLUSIVE is held",
            action_lock(Action.SET_NOT_NULL, ctx.version),
            fix,
            table=key,
        )


RULE = Rule(
    id="set-not-null-scan",
    severity="error",
    summary="SET NOT NULL without a validated CHECK proving it",
    why="PostgreSQL checks every row for NULLs while holding ACCESS EXCLUSIVE: nothing reads or writes the "
    "table for the length of a full scan.",
    check=check,
    reads=("AlterTableStmt",),
    examples=(
        Example("ALTER TABLE orders ALTER COLUMN code SET NOT NULL;", True, lock=LockMode.ACCESS_EXCLUSIVE, scan=True),
        Example(
            "ALTER TABLE orders ADD CONSTRAINT code_nn CHECK (code IS NOT NULL) NOT VALID;\n"
            "ALTER TABLE orders VALIDATE CONSTRAINT code_nn;\n"
            "ALTER TABLE orders ALTER COLUMN code SET NOT NULL;",
            False,
            lock=LockMode.ACCESS_EXCLUSIVE,
        ),
    ),
)
