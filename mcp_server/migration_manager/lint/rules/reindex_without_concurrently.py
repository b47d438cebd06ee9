"""REINDEX without CONCURRENTLY blocks writes (and reads that use the index) for the rebuild."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import Tree, has_option, table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule


def _on_table(node: Tree) -> bool:
    return str(node.get("kind", "")) == "REINDEX_OBJECT_TABLE"


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "ReindexStmt" and not has_option(ctx.node.get("params"), "concurrently"):
        fix = ctx.text.strip().rstrip(";")
        head, _, rest = fix.partition(" ")
        words = rest.split(" ", 1)
        yield Hit(
            "REINDEX without CONCURRENTLY locks out writes for the whole rebuild",
            lock_words(LockMode.SHARE),
            f"{head} {words[0]} CONCURRENTLY {words[1] if len(words) > 1 else ''};"
            "  -- PostgreSQL 12+, outside a transaction",
            table=table_key(relation) if (relation := ctx.node.get("relation")) and _on_table(ctx.node) else None,
        )


RULE = Rule(
    id="reindex-without-concurrently",
    severity="error",
    summary="REINDEX without CONCURRENTLY",
    why="REINDEX takes SHARE on the table (writes wait) and ACCESS EXCLUSIVE on the index (queries that would "
    "use it wait) until the rebuild ends.",
    check=check,
    reads=("ReindexStmt",),
    examples=(
        Example("REINDEX TABLE orders;", True, lock=LockMode.SHARE, scan=True),
        Example(
            "REINDEX TABLE CONCURRENTLY orders;",
            False,
            lock=LockMode.SHARE_UPDATE_EXCLUSIVE,
            transactional=False,
            scan=True,
        ),
    ),
)
