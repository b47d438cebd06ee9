"""DROP COLUMN or DROP TABLE of something the running application may still read or write."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action
from ...locks import LockMode
from ..tree import object_name
from ._helpers import action_lock, alter_commands
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_DropColumn"):
        if not ctx.is_new(key):
            yield Hit(
                f"dropping {key}.{cmd.get('name')} loses its data and breaks code that still reads or writes it "
                "(including an ORM that lists every column)",
                action_lock(Action.DROP_COLUMN, ctx.version),
                "first deploy code that no longer uses the column (Rails ignored_columns, Django "
                "SeparateDatabaseAndState ...), then drop it; keep a backup of its values if the down must "
                "restore them",
            )
    node = ctx.node
    if ctx.kind == "DropdbStmt":
        yield Hit(
            f"DROP DATABASE {node.get('dbname')} in a migration destroys every table in it",
            None,
            "drop databases by hand, never from a migration",
        )
    if ctx.kind == "DropStmt" and node.get("removeType") == "OBJECT_TABLE":
        names = [object_name(obj) for obj in node.get("objects") or ()]
        kept = [n for n in names if not ctx.is_new(n)]
        if kept:
            yield Hit(
                f"dropping {', '.join(kept)} loses its rows; a down migration can recreate the table but not the data",
                action_lock(Action.DROP_TABLE, ctx.version),
                "first deploy code that no longer uses it; rename it aside (or dump it) and drop it in a later release",
            )


RULE = Rule(
    id="drop-loses-data",
    severity="warning",
    summary="DROP COLUMN, DROP TABLE or DROP DATABASE of an existing object",
    why="The data is gone for good, and the application version still running when the migration commits "
    "fails on the missing column or table.",
    check=check,
    reads=("AlterTableStmt", "DropdbStmt", "DropStmt"),
    examples=(
        Example("ALTER TABLE orders DROP COLUMN code;", True, lock=LockMode.ACCESS_EXCLUSIVE),
        Example("DROP TABLE events;", True, table="events", lock=LockMode.ACCESS_EXCLUSIVE),
        Example("CREATE TABLE fresh (id bigint);\nDROP TABLE fresh;", False, measured=False),
        Example("DROP DATABASE IF EXISTS legacy;", True, measured=False),
    ),
)
