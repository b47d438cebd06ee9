"""TRUNCATE in a migration: ACCESS EXCLUSIVE, and the rows are gone."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import bodies, table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "TruncateStmt":
        keys = [table_key(r) for r in bodies(ctx.node.get("relations"), "RangeVar")]
        tables = [k for k in keys if not ctx.is_new(k)]
        if tables:
            yield Hit(
                f"TRUNCATE {', '.join(tables)} deletes every row (no down migration brings them back) and takes "
                "ACCESS EXCLUSIVE",
                lock_words(LockMode.ACCESS_EXCLUSIVE),
                "if the data must go, archive it first and delete in batches; if this is test setup, it does not "
                "belong in a migration",
            )


RULE = Rule(
    id="truncate",
    severity="error",
    summary="TRUNCATE of an existing table",
    why="All rows are lost, and the ACCESS EXCLUSIVE lock blocks every reader and writer while it waits and runs.",
    check=check,
    reads=("TruncateStmt",),
    examples=(
        Example("TRUNCATE events;", True, table="events", lock=LockMode.ACCESS_EXCLUSIVE, rewrite=True),
        Example("CREATE TABLE fresh (id bigint);\nTRUNCATE fresh;", False, table="fresh", measured=False),
    ),
)
