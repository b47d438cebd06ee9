"""An explicit LOCK TABLE in a mode that blocks the application."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import bodies, table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule

_MODES = list(LockMode)  # LockStmt.mode: 1 = ACCESS SHARE ... 8 = ACCESS EXCLUSIVE


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.kind != "LockStmt":
        return
    mode = _MODES[(ctx.node.get("mode") or 1) - 1]
    if mode.strength < LockMode.SHARE.strength:
        return
    tables = [table_key(r) for r in bodies(ctx.node.get("relations"), "RangeVar")]
    yield Hit(
        f"LOCK TABLE {', '.join(tables)} IN {mode.sql_name} MODE holds the application off until the transaction ends",
        lock_words(mode),
        "take no explicit lock: each statement takes the lock it needs, for as short a time as it can",
    )


RULE = Rule(
    id="lock-table",
    severity="error",
    summary="LOCK TABLE in a mode that blocks writes",
    why="An explicit lock is held to the end of the transaction, including everything else the migration does.",
    check=check,
    reads=("LockStmt",),
    examples=(
        Example("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;", True, lock=LockMode.ACCESS_EXCLUSIVE),
        Example("LOCK TABLE orders IN ROW EXCLUSIVE MODE;", False, lock=LockMode.ROW_EXCLUSIVE),
    ),
)
