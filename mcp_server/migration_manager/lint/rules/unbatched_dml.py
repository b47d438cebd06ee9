"""UPDATE or DELETE of a whole existing table in one statement."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action
from ...locks import LockMode
from ..fixes import PlannedFix
from ..tree import table_key
from ._helpers import action_lock
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.kind not in ("UpdateStmt", "DeleteStmt") or ctx.node.get("whereClause") is not None:
        return
    key = table_key(ctx.node.get("relation", {}))
    if ctx.is_new(key):
        return
    verb = "UPDATE" if ctx.kind == "UpdateStmt" else "DELETE"
    batches = f"{verb} in batches of a few thousand rows by primary key, committing after each batch"
    yield Hit(
        f"{verb} of every row of {key} in one statement: each row stays locked until it commits, and the "
        "transaction holds back vacuum and replication meanwhile",
        action_lock(Action.UPDATE_BATCH, ctx.version),
        PlannedFix(ctx.text, ctx.version, ctx.node, batches) if verb == "UPDATE" else batches,
        table=key,
    )


RULE = Rule(
    id="unbatched-dml",
    severity="error",
    summary="UPDATE or DELETE without WHERE on an existing table",
    why="One statement over the whole table row-locks every row until commit: the application's writes to "
    "those rows wait, for a time that grows with the table.",
    check=check,
    reads=("UpdateStmt", "DeleteStmt"),
    examples=(
        Example("UPDATE orders SET code = upper(code);", True, lock=LockMode.ROW_EXCLUSIVE, scan=True),
        Example(
            "UPDATE orders SET code = upper(code) WHERE id BETWEEN 1 AND 1000;", False, lock=LockMode.ROW_EXCLUSIVE
        ),
    ),
)
