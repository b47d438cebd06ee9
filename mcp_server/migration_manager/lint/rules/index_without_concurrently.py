"""CREATE INDEX without CONCURRENTLY on a table that already exists: writes wait for the build."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action
from ...locks import LockMode
from ..tree import table_key
from ._helpers import action_lock
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.kind != "IndexStmt" or ctx.node.get("concurrent"):
        return
    key = table_key(ctx.node.get("relation", {}))
    if ctx.is_new(key):
        return
    fix = ctx.text.strip().rstrip(";")
    fix = fix.replace("INDEX", "INDEX CONCURRENTLY", 1) if "INDEX" in fix else fix
    yield Hit(
        f"the index on {key} is built while writes to {key} wait",
        action_lock(Action.CREATE_INDEX, ctx.version),
        fix + ";  -- outside a transaction block; if it fails, DROP the INVALID index it leaves and run it again",
        table=key,
    )


RULE = Rule(
    id="index-without-concurrently",
    severity="error",
    summary="CREATE INDEX without CONCURRENTLY on an existing table",
    why="A plain CREATE INDEX holds SHARE on the table for the whole build: inserts, updates and deletes "
    "wait, for a time that grows with the table.",
    check=check,
    reads=("IndexStmt",),
    examples=(
        Example("CREATE INDEX orders_code_idx ON orders (code);", True, lock=LockMode.SHARE, scan=True),
        Example(
            "CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);",
            False,
            lock=LockMode.SHARE_UPDATE_EXCLUSIVE,
            scan=True,
            transactional=False,
        ),
        Example(
            "CREATE TABLE fresh (id bigint, code text);\nCREATE INDEX fresh_code_idx ON fresh (code);",
            False,
            table="fresh",
            measured=False,
        ),
    ),
)
