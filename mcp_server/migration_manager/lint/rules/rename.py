"""RENAME of a column or a table the running application uses."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action
from ...locks import LockMode
from ..fixes import PlannedFix
from ..tree import table_key
from ._helpers import action_lock
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    node = ctx.node
    if ctx.kind != "RenameStmt" or node.get("relation") is None:
        return
    key = table_key(node["relation"])
    if ctx.is_new(key):
        return
    if node.get("renameType") == "OBJECT_COLUMN":
        what, action = f"column {key}.{node.get('subname')}", Action.RENAME_COLUMN
    elif node.get("renameType") == "OBJECT_TABLE":
        what, action = f"table {key}", Action.RENAME_TABLE
    else:
        return
    yield Hit(
        f"renaming {what} to {node.get('newname')} breaks the application still running with the old name, from "
        "the moment it commits until every instance runs the new code",
        action_lock(action, ctx.version),
        PlannedFix(
            ctx.text,
            ctx.version,
            ctx.node,
            "expand and contract: add the new name, write both, switch readers, drop the old",
        ),
    )


RULE = Rule(
    id="rename-breaks-running-code",
    severity="warning",
    summary="renaming a column or table in use",
    why="A rename is instant for the database but not for the application: queries by the old name fail "
    "between the migration and the deploy of code that uses the new one.",
    check=check,
    reads=("RenameStmt",),
    examples=(
        Example(
            "ALTER TABLE users RENAME COLUMN name TO full_name;", True, table="users", lock=LockMode.ACCESS_EXCLUSIVE
        ),
        Example("ALTER TABLE orders RENAME TO purchases;", True, lock=LockMode.ACCESS_EXCLUSIVE),
        Example(
            "CREATE TABLE fresh (id bigint, a text);\nALTER TABLE fresh RENAME COLUMN a TO b;", False, measured=False
        ),
    ),
)
