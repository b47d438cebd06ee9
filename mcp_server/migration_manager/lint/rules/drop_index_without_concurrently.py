"""DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action
from ...locks import LockMode
from ..tree import object_name
from ._helpers import action_lock
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    node = ctx.node
    if ctx.kind != "DropStmt" or node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
        return
    names = [object_name(obj) for obj in node.get("objects") or ()]
    yield Hit(
        f"DROP INDEX {', '.join(names)} waits for ACCESS EXCLUSIVE on its table, and every query on the table "
        "queues behind that wait",
        action_lock(Action.DROP_INDEX, ctx.version),
        "\n".join(f"DROP INDEX CONCURRENTLY IF EXISTS {n};  -- outside a transaction block" for n in names),
    )


RULE = Rule(
    id="drop-index-without-concurrently",
    severity="warning",
    summary="DROP INDEX without CONCURRENTLY",
    why="The drop itself is quick, but it needs ACCESS EXCLUSIVE on the table: behind one long query it waits, "
    "and reads and writes queue behind it. CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE.",
    check=check,
    reads=("DropStmt",),
    examples=(
        Example(
            "DROP INDEX orders_code_idx;",
            True,
            lock=LockMode.ACCESS_EXCLUSIVE,
            setup="CREATE INDEX orders_code_idx ON orders (code);",
        ),
        Example(
            "DROP INDEX CONCURRENTLY orders_code_idx;",
            False,
            lock=LockMode.SHARE_UPDATE_EXCLUSIVE,
            transactional=False,
            setup="CREATE INDEX orders_code_idx ON orders (code);",
        ),
    ),
)
