"""ALTER COLUMN TYPE that rewrites the table (and rebuilds its indexes) under ACCESS EXCLUSIVE.

The safe cases are binary-coercible changes (knowledge.postgres.type_change_in_place): a
varchar limit raised or removed, varchar -> text, a numeric's precision raised with the same
scale, cidr -> inet, and timestamp -> timestamptz on 12+ when the session time zone is UTC.
The old type comes from the schema the linted files built; when it is unknown, the finding
says so rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action, normalize_type, type_change_in_place
from ...locks import LockMode
from ..fixes import PlannedFix
from ..tree import column_type
from ._helpers import action_lock, alter_commands, column_def
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_AlterColumnType"):
        if ctx.is_new(key):
            continue
        definition = column_def(cmd)
        name = cmd.get("name", "")
        new = column_type(definition.get("typeName", {}), ctx.text)
        table = ctx.schema.table(key)
        old = table.columns[name].type if table and name in table.columns else None
        fix = PlannedFix(
            ctx.text,
            ctx.version,
            ctx.node,
            "add a new column, keep it in sync with a trigger, backfill in batches, swap",
        )
        if not old:
            yield Hit(
                f"{key}.{name} -> {new}: its current type is not in the linted files; unless the change is "
                "binary coercible (a wider varchar, varchar -> text ...) the table is rewritten under the lock",
                action_lock(Action.CHANGE_TYPE_REWRITE, ctx.version),
                fix,
                uncertain=True,
                table=key,
            )
            continue
        in_place, reason = type_change_in_place(old, new, ctx.version)
        utc_case = normalize_type(old).startswith("timestamp") and normalize_type(new).startswith("timestamptz")
        if definition.get("raw_default") is not None:  # USING: always a rewrite
            in_place, reason = False, "a USING expression makes PostgreSQL rewrite every row"
        if in_place and utc_case and not ctx.timezone_utc:
            yield Hit(
                f"{key}.{name} timestamp -> timestamptz is only free when the session time zone is UTC; "
                "this file does not set it, so the server's setting decides between a catalog change and a rewrite",
                action_lock(Action.CHANGE_TYPE_REWRITE, ctx.version),
                f"SET LOCAL TIME ZONE 'UTC';\n{ctx.text.strip()}",
                uncertain=True,
                table=key,
            )
        elif not in_place:
            yield Hit(
                f"{key}.{name} {old} -> {new}: {reason}",
                action_lock(Action.CHANGE_TYPE_REWRITE, ctx.version),
                fix,
                table=key,
            )


RULE = Rule(
    id="change-column-type",
    severity="error",
    summary="column type change that rewrites the table",
    why="Rewriting the table and rebuilding every index holds ACCESS EXCLUSIVE for the whole time: the "
    "application can neither read nor write the table.",
    check=check,
    reads=("AlterTableStmt",),
    examples=(
        Example(
            "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;", True, lock=LockMode.ACCESS_EXCLUSIVE, rewrite=True
        ),
        Example(
            "ALTER TABLE users ALTER COLUMN note TYPE varchar(10);",
            True,
            table="users",
            lock=LockMode.ACCESS_EXCLUSIVE,
            rewrite=True,
        ),
        Example(
            "ALTER TABLE users ALTER COLUMN note TYPE varchar(50);",
            False,
            table="users",
            lock=LockMode.ACCESS_EXCLUSIVE,
        ),
        Example("ALTER TABLE users ALTER COLUMN note TYPE text;", False, table="users", lock=LockMode.ACCESS_EXCLUSIVE),
        Example(
            "SET LOCAL TIME ZONE 'UTC';\nALTER TABLE users ALTER COLUMN created_at TYPE timestamptz;",
            False,
            table="users",
            lock=LockMode.ACCESS_EXCLUSIVE,
        ),
        Example(  # a precision on the new type coerces every value to it: a rewrite, UTC or not
            "ALTER TABLE users ADD COLUMN seen_at timestamp(3);\nSET LOCAL TIME ZONE 'UTC';\n"
            "ALTER TABLE users ALTER COLUMN seen_at TYPE timestamp(3) with time zone;",
            True,
            table="users",
            lock=LockMode.ACCESS_EXCLUSIVE,
            rewrite=True,
        ),
        Example(  # without one, timestamp(3) -> timestamptz is the plain cast: no rewrite in UTC
            "ALTER TABLE users ADD COLUMN seen_at timestamp(3);\nSET LOCAL TIME ZONE 'UTC';\n"
            "ALTER TABLE users ALTER COLUMN seen_at TYPE timestamptz;",
            False,
            table="users",
            lock=LockMode.ACCESS_EXCLUSIVE,
        ),
    ),
)
