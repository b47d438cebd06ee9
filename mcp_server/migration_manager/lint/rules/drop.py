"""DROP COLUMN or DROP TABLE of something the running application may still read or write."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ObjectType

from ...knowledge.postgres import Action
from ...model import LockMode
from ._helpers import action_lock, alter_commands
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx.node, AlterTableType.AT_DropColumn):
        if not ctx.is_new(key):
            yield Hit(
                f"dropping {key}.{cmd.name} loses its data and breaks code that still reads or writes it "
                "(including an ORM that lists every column)",
                action_lock(Action.DROP_COLUMN, ctx.version),
                "first deploy code that no longer uses the column (Rails ignored_columns, Django "
                "SeparateDatabaseAndState ...), then drop it; keep a backup of its values if the down must "
                "restore them",
            )
    node = ctx.node
    if isinstance(node, ast.DropdbStmt):
        yield Hit(
            f"DROP DATABASE {node.dbname} in a migration destroys every table in it",
            None,
            "drop databases by hand, never from a migration",
        )
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        names = [".".join(n.sval for n in obj) for obj in node.objects or ()]
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
    examples=(
        Example("ALTER TABLE orders DROP COLUMN code;", True, lock=LockMode.ACCESS_EXCLUSIVE),
        Example("DROP TABLE events;", True, table="events", lock=LockMode.ACCESS_EXCLUSIVE),
        Example("CREATE TABLE fresh (id bigint);\nDROP TABLE fresh;", False, measured=False),
        Example("DROP DATABASE IF EXISTS legacy;", True, measured=False),
    ),
)
